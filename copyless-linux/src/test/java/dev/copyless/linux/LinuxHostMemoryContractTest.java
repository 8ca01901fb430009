package dev.copyless.linux;

import dev.copyless.clock.CostModel;
import dev.copyless.clock.Engine;
import dev.copyless.host.HostMemory;
import dev.copyless.host.HostMemoryContract;
import dev.copyless.metrics.VmStat;

/**
 * {@link HostMemoryContract} on the Linux backend: real guest RAM, the kernel's swap, and this
 * kernel's primitive ({@code UFFDIO_MOVE} on Linux 6.8 and later, else {@code mremap}; the
 * fallback is also run on its own by {@link LinuxHostMemoryMremapContractTest}). Two logical nodes of 256 pages with zero watermarks (no
 * reclaim of ours); on a one-node machine both are node 0. Skipped, with the reason, where
 * this process cannot use swap (not root, no active swap device, no {@code MADV_PAGEOUT}).
 */
class LinuxHostMemoryContractTest extends HostMemoryContract {
    @Override
    protected HostMemory newHost(Engine engine, VmStat stat) {
        SwapAvailable.assume();
        LinuxHostMemory.NodeLimit room = new LinuxHostMemory.NodeLimit(256, 0, 0, 0);
        return new LinuxHostMemory(new LinuxHostMemory.NodeLimit[] {room, room}, 32,
                CostModel.defaults(new int[][] {{10, 21}, {21, 10}}), stat, engine);
    }
}
