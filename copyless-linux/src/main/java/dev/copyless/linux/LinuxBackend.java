package dev.copyless.linux;

import dev.copyless.clock.CostModel;
import dev.copyless.clock.Engine;
import dev.copyless.host.HostMemory;
import dev.copyless.metrics.VmStat;
import dev.copyless.mm.Promotion;
import dev.copyless.scenario.Scenario;
import dev.copyless.sim.HostFactory;
import java.util.Optional;

/**
 * The Linux backend of a run ({@code --backend linux}): builds a {@link LinuxHostMemory}
 * from the scenario's host nodes (their sizes and watermarks bound this backend's kswapd, or,
 * with {@link HostReclaim#KERNEL}, the real nodes' free memory, and the kernel reclaims; the
 * scenario's swap devices are replaced by the kernel's active swap). The guest,
 * balancer and hypervisor are the simulator's, unchanged: one code path for both backends.
 */
public final class LinuxBackend implements HostFactory {
    private final HostReclaim reclaim;
    private final RealClock clock;

    /** With this backend's own {@code MADV_PAGEOUT} reclaim ({@link HostReclaim#PAGEOUT}). */
    public LinuxBackend() {
        this(HostReclaim.PAGEOUT);
    }

    /** With the given reclaim: {@link HostReclaim#KERNEL} lets the kernel make the first migrations. */
    public LinuxBackend(HostReclaim reclaim) {
        this(reclaim, RealClock.MEASURED);
    }

    /** With the given reclaim and clock ({@link RealClock#MODELLED}: operations charged the cost model's prices). */
    public LinuxBackend(HostReclaim reclaim, RealClock clock) {
        this.reclaim = reclaim;
        this.clock = clock;
    }

    /** Empty when a run can use this backend here; else one line saying why and what to do. */
    public static Optional<String> unusableReason(Scenario s) {
        return unusableReason(s, HostReclaim.PAGEOUT);
    }

    /** {@link #unusableReason(Scenario)} for a given reclaim ({@link HostReclaim#KERNEL} only in the test VM, as root). */
    public static Optional<String> unusableReason(Scenario s, HostReclaim reclaim) {
        Optional<String> swap = LinuxHost.swapUnusableReason();
        if (swap.isPresent()) {
            return swap;
        }
        if (reclaim == HostReclaim.KERNEL) {
            Optional<String> room = NodeRoom.unusableReason();
            if (room.isPresent()) {
                return room;
            }
        }
        int online = LinuxHost.onlineNodes().length;
        Scenario.Host h = s.host();
        for (int n = 0; n < h.demotionTarget().length; n++) {
            int t = h.demotionTarget()[n];
            if (t >= 0 && online <= Math.max(n, t)) {
                return Optional.of("scenario '" + s.name() + "' demotes node " + n + " to node " + t
                        + " but this host has " + online + " NUMA node" + (online == 1 ? "" : "s")
                        + ": on the Linux backend demotion needs distinct online nodes; run it on the simulated host"
                        + " (--backend simulated) or on a host with " + (Math.max(n, t) + 1) + " nodes");
            }
        }
        if (h.promotion().mode() != Promotion.Mode.OFF) {
            return Optional.of("scenario '" + s.name() + "' sets host.demotion.promotion: " + h.promotion().mode().key()
                    + ", which the Linux backend cannot drive from user space; set it to off or use --backend simulated");
        }
        return Optional.empty();
    }

    @Override
    public HostMemory create(Scenario s, CostModel cost, VmStat stat, Engine engine) {
        LinuxHostMemory.NodeLimit[] limits = new LinuxHostMemory.NodeLimit[s.host().nodes().size()];
        for (int i = 0; i < limits.length; i++) {
            Scenario.Node n = s.host().nodes().get(i);
            limits[i] = new LinuxHostMemory.NodeLimit(n.pages(), n.wmarkMin(), n.wmarkLow(), n.wmarkHigh());
        }
        LinuxHostMemory host = new LinuxHostMemory(limits, s.host().reclaimBatch(), cost, stat, engine,
                MovePrimitive.detect(), reclaim);
        if (clock == RealClock.MODELLED) {
            // the kernel's swap stands for the scenario's devices: its first device's profile prices a read
            Scenario.Swap dev = s.host().swap().isEmpty() ? null : s.host().swap().get(0);
            long read = dev == null ? 0 : dev.readNs();
            long transfer = dev == null || dev.bytesPerSecond() <= 0 ? 0
                    : Math.round(CostModel.PAGE_SIZE * 1e9 / dev.bytesPerSecond());
            host.useModelledClock(read, transfer);
        }
        return host;
    }

    /**
     * What a run on this backend should say once about copyless's primitive: empty with
     * {@code UFFDIO_MOVE}; under the {@code mremap} fallback (kernels before 6.8), that every
     * scattered move splits guest RAM's mapping and {@code vm.max_map_count} bounds them.
     */
    public static String primitiveNote() {
        String n = MovePrimitive.detect().note();
        return n.isEmpty() ? "" : "note: " + n;
    }

    /** What a run on this backend should say once about node placement (empty on a host with enough nodes). */
    public static String placementNote(Scenario s) {
        int online = LinuxHost.onlineNodes().length;
        int n = s.host().nodes().size();
        if (n <= online) {
            return "";
        }
        return online == 1
                ? "note: this host has one NUMA node: every host node of the scenario is node 0 (pages go through every"
                + " path and are verified, but none crosses an interconnect; node-to-node figures are the model's)"
                : "note: this host has " + online + " NUMA nodes for the scenario's " + n + ": scenario node n is online node n mod "
                + online;
    }
}
