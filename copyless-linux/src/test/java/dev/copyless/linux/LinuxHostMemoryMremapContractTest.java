package dev.copyless.linux;

import dev.copyless.clock.CostModel;
import dev.copyless.clock.Engine;
import dev.copyless.host.HostMemory;
import dev.copyless.host.HostMemoryContract;
import dev.copyless.metrics.VmStat;

/**
 * {@link HostMemoryContract} on the Linux backend with the fallback primitive of kernels
 * before 6.8 ({@link MovePrimitive#MREMAP}), forced, so that the fallback stays tested on a
 * kernel that has {@code UFFDIO_MOVE}. Same fixture as {@link LinuxHostMemoryContractTest};
 * skipped, with the reason, where this process cannot use swap.
 */
class LinuxHostMemoryMremapContractTest extends HostMemoryContract {
    @Override
    protected HostMemory newHost(Engine engine, VmStat stat) {
        SwapAvailable.assume();
        LinuxHostMemory.NodeLimit room = new LinuxHostMemory.NodeLimit(256, 0, 0, 0);
        return new LinuxHostMemory(new LinuxHostMemory.NodeLimit[] {room, room}, 32,
                CostModel.defaults(new int[][] {{10, 21}, {21, 10}}), stat, engine, MovePrimitive.MREMAP);
    }
}
