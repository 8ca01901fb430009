package dev.copyless.kernel;

import dev.copyless.clock.CostModel;
import dev.copyless.clock.Engine;
import dev.copyless.host.HostMemory;
import dev.copyless.host.HostMemoryContract;
import dev.copyless.kernel.HostConfig;
import dev.copyless.kernel.HostNode;
import dev.copyless.kernel.OffHeapPageStore;
import dev.copyless.kernel.SimulatedHost;
import dev.copyless.metrics.VmStat;
import dev.copyless.mm.Promotion;
import dev.copyless.swap.FaultConfig;
import dev.copyless.swap.SwapDevice;
import dev.copyless.swap.SwapFaults;
import dev.copyless.swap.SwapProfile;

/**
 * {@link HostMemoryContract} on the simulated host in real-bytes mode (so the content check of
 * the contract reads real bytes): two nodes of 256 frames with zero watermarks (no kswapd), one
 * NVMe-profile swap device, swap readahead off (a readahead would
 * bring neighbours in, which the contract's counts do not expect of any backend).
 */
class SimulatedHostContractTest extends HostMemoryContract {
    @Override
    protected HostMemory newHost(Engine engine, VmStat stat) {
        HostNode[] nodes = {new HostNode(0, 256, 0, 0, 0), new HostNode(1, 256, 0, 0, 0)};
        SwapDevice[] swaps = {new SwapDevice(0, "nvme0", SwapProfile.NVME, 512)};
        int[][] distance = {{10, 21}, {21, 10}};
        HostConfig config = new HostConfig(32, 0, new int[] {-1, -1}, Promotion.OFF, 0, 64);
        return new SimulatedHost(nodes, swaps, CostModel.defaults(distance), stat, engine, config,
                new OffHeapPageStore(new int[] {256, 256}, new int[] {512}), new SwapFaults(FaultConfig.NONE));
    }
}
