package dev.copyless.reliability;

import dev.copyless.clock.CostModel;
import dev.copyless.clock.Engine;
import dev.copyless.guest.GuestVm;
import dev.copyless.hypervisor.AbiError;
import dev.copyless.hypervisor.HypercallAbi;
import dev.copyless.hypervisor.HypercallConfig;
import dev.copyless.hypervisor.Hypervisor;
import dev.copyless.kernel.HostConfig;
import dev.copyless.kernel.HostNode;
import dev.copyless.kernel.SimulatedHost;
import dev.copyless.metrics.Counter;
import dev.copyless.metrics.VmStat;
import dev.copyless.mm.MigrationOrder;
import dev.copyless.mm.Promotion;
import dev.copyless.sim.Invariants;
import dev.copyless.swap.SwapDevice;
import dev.copyless.swap.SwapProfile;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Two VMs on one simulated host, driven at the hypervisor's binary entry point with no guest
 * kernel in between: VM 0 has 2 vNodes of 16 gfns (on host nodes 0 and 1), VM 1 has 2 vNodes
 * of 8 gfns (on host nodes 1 and 2), so VM 1's gfns 16..31 are numbers that exist only in
 * VM 0. Three host nodes of 64 frames and one NVMe swap device of 128 slots. Every gfn is
 * populated and every other one swapped out, so both VMs have moved pages.
 * {@link #snapshot()} captures all host state a hypercall could change, and
 * {@link #refusalChanges} says what a refusal changed that it must not. The hypercall ABI
 * tests build on it.
 */
public class HypercallWorld {
    private static final int[][] VNODE_PAGES = {{16, 16}, {8, 8}};
    private static final int[][] VNODE_NODES = {{0, 1}, {1, 2}};

    /** Virtual time; the rate limits read it. */
    private final Engine engine = new Engine();
    private final VmStat stat = new VmStat();
    private final SimulatedHost host;
    private final Hypervisor hv;
    private final List<GuestVm> vms;
    /** Per VM, the last sequence number this world's caller used ({@link #request}). */
    private final long[] seq = new long[2];

    /**
     * How to build a world: only the hypervisor's configuration varies. Immutable: each
     * setting returns a new builder.
     */
    public record Builder(HypercallConfig config) {
        /** The same world with the hypervisor's rate limits and channel faults {@code c}. */
        public Builder config(HypercallConfig c) {
            return new Builder(c);
        }

        public HypercallWorld build() {
            return new HypercallWorld(config);
        }
    }

    /** A builder of the default world: no rate limit, a fault-free channel. */
    public static Builder builder() {
        return new Builder(HypercallConfig.DEFAULT);
    }

    private HypercallWorld(HypercallConfig config) {
        HostNode[] nodes = {new HostNode(0, 64, 0, 0, 0), new HostNode(1, 64, 0, 0, 0), new HostNode(2, 64, 0, 0, 0)};
        SwapDevice[] swaps = {new SwapDevice(0, "nvme0", SwapProfile.NVME, 128)};
        int[][] distance = {{10, 21, 21}, {21, 10, 21}, {21, 21, 10}};
        CostModel cost = CostModel.defaults(distance);
        host = new SimulatedHost(nodes, swaps, cost, stat, engine, new HostConfig(32, 0, new int[] {-1, -1, -1}, Promotion.OFF, 0, 64));
        hv = new Hypervisor(host, cost, stat, engine::now, config);
        vms = List.of(new GuestVm(0, "vm0", VNODE_PAGES[0], VNODE_NODES[0], 0),
                new GuestVm(1, "vm1", VNODE_PAGES[1], VNODE_NODES[1], 0));
        for (GuestVm vm : vms) {
            int id = hv.createVm(vm.gfns(), vm.vnodeStarts(), vm.vnodeHostNodes(), true);
            if (id != vm.id()) {
                throw new IllegalStateException("hypervisor gave vm" + vm.id() + " id " + id);
            }
            for (int g = 0; g < vm.gfns(); g++) {
                host.populate(vm.id(), g);
                if (g % 2 == 1) {
                    host.pageOut(vm.id(), g);
                }
            }
        }
        checkInvariants();
    }

    /** Per VM and vNode, its gfn count (a fresh copy). */
    public static int[][] vnodePages() {
        return new int[][] {VNODE_PAGES[0].clone(), VNODE_PAGES[1].clone()};
    }

    /** Per VM and vNode, the host node it is bound to (a fresh copy). */
    public static int[][] vnodeNodes() {
        return new int[][] {VNODE_NODES[0].clone(), VNODE_NODES[1].clone()};
    }

    public Engine engine() {
        return engine;
    }

    public VmStat stat() {
        return stat;
    }

    public SimulatedHost host() {
        return host;
    }

    public Hypervisor hv() {
        return hv;
    }

    public List<GuestVm> vms() {
        return vms;
    }

    public GuestVm vm(int v) {
        return vms.get(v);
    }

    /** Throws {@link IllegalStateException} if a model invariant is broken. */
    public void checkInvariants() {
        Invariants.check(host, hv, vms);
    }

    /** The broken invariant, or null. */
    String invariantViolation() {
        try {
            checkInvariants();
            return null;
        } catch (RuntimeException e) {
            return e.getMessage();
        }
    }

    /** Everything a hypercall could change on the host side. */
    public record Snapshot(long[][] states, byte[][] lists, long[] counters, int[] freeFrames, int freeSlots,
                           long[] lastSeq) {
        /** The counters without the refusal counters, which a refusal does change. */
        public long[] countersButRefusals() {
            long[] c = counters.clone();
            c[Counter.HYPERCALL_REFUSED.ordinal()] = 0;
            c[Counter.HYPERCALL_REPLAYS_REFUSED.ordinal()] = 0;
            c[Counter.HYPERCALL_THROTTLED.ordinal()] = 0;
            return c;
        }
    }

    public Snapshot snapshot() {
        long[][] states = new long[2][];
        byte[][] lists = new byte[2][];
        long[] last = new long[2];
        for (int v = 0; v < 2; v++) {
            states[v] = new long[vm(v).gfns()];
            for (int g = 0; g < states[v].length; g++) {
                states[v][g] = host.locate(v, g);
            }
            lists[v] = hv.exportMovedPageList(v).toArray(ValueLayout.JAVA_BYTE);
            last[v] = hv.lastSequence(v);
        }
        int[] free = new int[host.nodeCount()];
        for (int n = 0; n < free.length; n++) {
            free[n] = host.node(n).freeFrames();
        }
        return new Snapshot(states, lists, stat.snapshot(), free, host.swapDevice(0).freeSlots(), last);
    }

    /**
     * What changed since {@code before} that {@code refusal} of VM {@code vm}'s call with
     * sequence number {@code seq} must not have changed (empty if nothing): anything but the
     * refusal counters (the refusal counted once), and the calling VM's last sequence number
     * unless the refusal consumes it ({@link AbiError#structural()} ones and replays do not).
     */
    public List<String> refusalChanges(Snapshot before, AbiError refusal, int vm, long seq) {
        Snapshot now = snapshot();
        List<String> changes = new ArrayList<>();
        for (int v = 0; v < 2; v++) {
            if (!Arrays.equals(now.states()[v], before.states()[v])) {
                changes.add(refusal + " changed the host locations of vm" + v);
            }
            if (!Arrays.equals(now.lists()[v], before.lists()[v])) {
                changes.add(refusal + " changed the moved-page list of vm" + v);
            }
        }
        if (!Arrays.equals(now.countersButRefusals(), before.countersButRefusals())) {
            changes.add(refusal + " changed counters other than refusals");
        }
        long refusals = now.counters()[Counter.HYPERCALL_REFUSED.ordinal()]
                - before.counters()[Counter.HYPERCALL_REFUSED.ordinal()];
        if (refusals != 1) {
            changes.add(refusal + " counted " + refusals + " refusals, not 1");
        }
        if (!Arrays.equals(now.freeFrames(), before.freeFrames()) || now.freeSlots() != before.freeSlots()) {
            changes.add(refusal + " changed free frames or slots");
        }
        long[] expected = before.lastSeq().clone();
        if (!refusal.structural() && refusal != AbiError.REPLAY) {
            expected[vm] = seq;
        }
        if (!Arrays.equals(now.lastSeq(), expected)) {
            changes.add(refusal + " (" + (refusal.structural() ? "does not consume" : "consumes") + "): sequence numbers "
                    + Arrays.toString(now.lastSeq()) + ", expected " + Arrays.toString(expected));
        }
        return changes;
    }

    // ------------------------------------------------------------------ the caller's side

    /** A swapped (moved) gfn of VM {@code v} on vNode {@code vnode}. */
    public int movedGfn(int v, int vnode) {
        for (int g = vm(v).vnodeStart(vnode); g < vm(v).vnodeStart(vnode) + VNODE_PAGES[v][vnode]; g++) {
            if (hv.movedPageList(v).isMoved(g)) {
                return g;
            }
        }
        throw new IllegalStateException("no moved gfn on vm" + v + " vNode " + vnode);
    }

    /** A fresh request block (its own segment) of VM {@code v} with its next sequence number: sources, destinations on {@code dstVnode}. */
    public MemorySegment request(int v, int dstVnode, int[] src, int[] dst) {
        MemorySegment block = MemorySegment.ofArray(new byte[(int) HypercallAbi.requestLength(src.length)]);
        HypercallAbi.encodeRequest(block, ++seq[v], dstVnode, VNODE_NODES[v][dstVnode], MigrationOrder.MIGRATE_BEFORE_MAP,
                src, dst, src.length);
        return block;
    }

    /** The last sequence number this world's caller used for VM {@code v}. */
    public long lastCallerSeq(int v) {
        return seq[v];
    }

    /** A valid one-entry request of VM {@code v}: a moved page of vNode 0 to a gfn of vNode 1. */
    public MemorySegment validRequest(int v) {
        int src = movedGfn(v, 0);
        int dst = vm(v).vnodeStart(1) + 3;
        return request(v, 1, new int[] {src}, new int[] {dst});
    }

    /** An empty reply area. */
    public static MemorySegment reply() {
        return MemorySegment.ofArray(new byte[HypercallAbi.REPLY_AREA]);
    }
}
