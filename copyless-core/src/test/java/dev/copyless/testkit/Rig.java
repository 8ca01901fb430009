package dev.copyless.testkit;

import dev.copyless.balancer.BalancingPolicy;
import dev.copyless.balancer.NumaBalancer;
import dev.copyless.clock.CostModel;
import dev.copyless.clock.Engine;
import dev.copyless.guest.GuestPte;
import dev.copyless.guest.GuestVm;
import dev.copyless.guest.Task;
import dev.copyless.guest.Vcpu;
import dev.copyless.hypervisor.HypercallConfig;
import dev.copyless.hypervisor.Hypervisor;
import dev.copyless.hypervisor.MovedPageList;
import dev.copyless.kernel.HostConfig;
import dev.copyless.kernel.HostNode;
import dev.copyless.kernel.ModelPageStore;
import dev.copyless.kernel.OffHeapPageStore;
import dev.copyless.kernel.PageStore;
import dev.copyless.kernel.SimulatedHost;
import dev.copyless.metrics.Counter;
import dev.copyless.metrics.RunMetrics;
import dev.copyless.metrics.VmStat;
import dev.copyless.mm.MigrationOrder;
import dev.copyless.mm.PageState;
import dev.copyless.mm.Promotion;
import dev.copyless.sim.Invariants;
import dev.copyless.swap.FaultConfig;
import dev.copyless.swap.SwapDevice;
import dev.copyless.swap.SwapFaults;
import dev.copyless.swap.SwapProfile;
import dev.copyless.workload.UniformWorkload;
import java.util.Arrays;
import java.util.List;

/**
 * A small, fully wired host + hypervisor + guest built by hand: host nodes, swap devices, the
 * simulated host behind a {@link RecordingHost}, the hypervisor, one guest VM with a NUMA
 * balancer, one vCPU per vNode and one task. Watermarks default to zero so that nothing happens
 * behind a test's back (no kswapd) unless the test asks for it. With {@code realBytes()} the host
 * moves real bytes (close the rig when done).
 */
public final class Rig implements AutoCloseable {
    public static final int VM = 0;

    public final Engine engine = new Engine();
    public final RunMetrics metrics = new RunMetrics(1_000_000_000L, 10);
    public final VmStat stat = metrics.stat;
    public final CostModel cost;
    public final SimulatedHost host;
    public final RecordingHost recorder;
    public final Hypervisor hv;
    public final GuestVm vm;
    public final NumaBalancer balancer;
    public final Vcpu[] cpus;
    public final Task task;

    private Rig(Builder b) {
        int n = b.nodeFrames.length;
        HostNode[] nodes = new HostNode[n];
        for (int i = 0; i < n; i++) {
            nodes[i] = new HostNode(i, b.nodeFrames[i], b.wmarkMin, b.wmarkLow, b.wmarkHigh);
        }
        SwapDevice[] swaps = new SwapDevice[b.swapSlots.length];
        for (int i = 0; i < swaps.length; i++) {
            swaps[i] = new SwapDevice(i, "swap" + i, b.swapProfile, b.swapSlots[i]);
        }
        int[][] distance = new int[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                distance[i][j] = i == j ? 10 : 21;
            }
        }
        cost = CostModel.defaults(distance);
        int[] targets = b.demotionTarget != null ? b.demotionTarget : filled(n, -1);
        HostConfig config = new HostConfig(32, b.pageCluster, targets, b.promotion, 0, 64, b.vmaReadahead);
        PageStore store = b.realBytes ? new OffHeapPageStore(b.nodeFrames, b.swapSlots)
                : new ModelPageStore();
        host = new SimulatedHost(nodes, swaps, cost, stat, engine, config, store, new SwapFaults(b.faults));
        recorder = new RecordingHost(host, stat);
        hv = new Hypervisor(recorder, cost, stat, engine::now, b.hypercall);
        int total = 0;
        for (int p : b.vnodePages) {
            total += p;
        }
        GuestVm guest = new GuestVm(VM, "vm0", b.vnodePages, b.vnodeNodes, b.virtualPages);
        int id = hv.createVm(total, guest.vnodeStarts(), b.vnodeNodes, b.policy.holdBack());
        if (id != VM) {
            throw new IllegalStateException("unexpected VM id " + id);
        }
        vm = guest;
        balancer = new NumaBalancer(vm, hv, b.policy, cost, metrics, 1_000_000, 1 << 20, b.faultAround);
        cpus = new Vcpu[b.vnodePages.length];
        for (int v = 0; v < cpus.length; v++) {
            cpus[v] = new Vcpu(v, v, vm, host, balancer, cost, metrics, engine, 100_000);
            vm.vcpus().add(cpus[v]);
        }
        task = new Task(0, "task0", 0, new UniformWorkload(b.virtualPages), 500, b.vnodePages.length, 1);
        vm.tasks().add(task);
        cpus[0].enqueue(task);
    }

    public static Builder builder() {
        return new Builder();
    }

    public static int[] filled(int n, int value) {
        int[] a = new int[n];
        Arrays.fill(a, value);
        return a;
    }

    public static BalancingPolicy copyless(MigrationOrder order) {
        return BalancingPolicy.of("copyless-holdback", order, 16);
    }

    // ------------------------------------------------------------------ guest-side helpers

    /** A first touch of {@code gvpn} by the guest on {@code vnode}: allocate a gfn there, map it, fault it in. */
    public int fault(int gvpn, int vnode) {
        int gfn = vm.allocGfn(vnode);
        if (gfn == GuestVm.NO_GFN) {
            throw new IllegalStateException("vNode " + vnode + " has no free gfn");
        }
        vm.map(gvpn, gfn);
        host.touch(VM, gfn, vm.hostNodeOf(vnode));
        return gfn;
    }

    /** The gfn {@code gvpn} maps. */
    public int gfnOf(int gvpn) {
        return GuestPte.gfn(vm.pageTable()[gvpn]);
    }

    /** A guest access to {@code gvpn} from a vCPU on {@code vnode} (the host side of it). */
    public long touch(int gvpn, int vnode) {
        return host.touch(VM, gfnOf(gvpn), vm.hostNodeOf(vnode));
    }

    /**
     * One NUMA balancing attempt: the scanner made {@code gvpn} PROT_NONE and the task, now running
     * on {@code cpuVnode}, takes the hinting fault.
     */
    public long balanceFrom(int gvpn, int cpuVnode) {
        int[] pt = vm.pageTable();
        pt[gvpn] = GuestPte.gfn(pt[gvpn]) | GuestPte.PROT_NONE;
        cpus[cpuVnode].enqueue(task);
        return balancer.doNumaPage(cpus[cpuVnode], task, gvpn);
    }

    public long word(int gfn) {
        return host.locate(VM, gfn);
    }

    public int kind(int gfn) {
        return PageState.kind(word(gfn));
    }

    public int nodeOf(int gfn) {
        return PageState.nodeOrDevice(word(gfn));
    }

    public MovedPageList list() {
        return hv.movedPageList(VM);
    }

    public long count(Counter c) {
        return stat.get(c);
    }

    public int free(int node) {
        return host.node(node).freeFrames();
    }

    public void checkInvariants() {
        Invariants.check(host, hv, List.of(vm));
    }

    @Override
    public void close() {
        host.close();
    }

    public static final class Builder {
        private int[] nodeFrames = {16, 16, 16};
        private int wmarkMin;
        private int wmarkLow;
        private int wmarkHigh;
        private int[] swapSlots = {32};
        private SwapProfile swapProfile = SwapProfile.NVME;
        private int pageCluster;
        private boolean vmaReadahead = true;
        private int[] demotionTarget;
        private Promotion promotion = Promotion.OFF;
        private int[] vnodePages = {8, 8};
        private int[] vnodeNodes = {0, 1};
        private int virtualPages = 16;
        private int faultAround = 1;
        private BalancingPolicy policy = copyless(MigrationOrder.MIGRATE_BEFORE_MAP);
        private HypercallConfig hypercall = HypercallConfig.DEFAULT;
        private boolean realBytes;
        private FaultConfig faults = FaultConfig.NONE;

        /** Off-heap frames and a real swap file: every data movement moves 4 KiB. */
        public Builder realBytes() {
            realBytes = true;
            return this;
        }

        public Builder faults(FaultConfig f) {
            faults = f;
            return this;
        }

        public Builder nodes(int... frames) {
            nodeFrames = frames;
            return this;
        }

        public Builder watermarks(int min, int low, int high) {
            wmarkMin = min;
            wmarkLow = low;
            wmarkHigh = high;
            return this;
        }

        public Builder swap(int... slots) {
            swapSlots = slots;
            return this;
        }

        /** Swap readahead by slot cluster ({@code swap_cluster_readahead}) instead of by VMA. */
        public Builder clusterReadahead() {
            vmaReadahead = false;
            return this;
        }

        public Builder swapProfile(SwapProfile p) {
            swapProfile = p;
            return this;
        }

        public Builder pageCluster(int c) {
            pageCluster = c;
            return this;
        }

        public Builder demotionTargets(int... targets) {
            demotionTarget = targets;
            return this;
        }

        /** Promotion on first touch ({@code on-touch}) when {@code on}, else none. */
        public Builder promoteOnTouch(boolean on) {
            promotion = on ? Promotion.ON_TOUCH : Promotion.OFF;
            return this;
        }

        /** How demoted pages come back ({@code host.demotion.promotion}). */
        public Builder promotion(Promotion p) {
            promotion = p;
            return this;
        }

        public Builder vnodes(int[] pages, int[] hostNodes) {
            vnodePages = pages;
            vnodeNodes = hostNodes;
            return this;
        }

        public Builder virtualPages(int n) {
            virtualPages = n;
            return this;
        }

        public Builder faultAround(int n) {
            faultAround = n;
            return this;
        }

        public Builder policy(BalancingPolicy p) {
            policy = p;
            return this;
        }

        /** Rate limits (in the engine's virtual time) and request channel faults. */
        public Builder hypercall(HypercallConfig c) {
            hypercall = c;
            return this;
        }

        public Rig build() {
            return new Rig(this);
        }
    }
}
