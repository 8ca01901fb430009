package dev.copyless;

import static org.assertj.core.api.Assertions.assertThat;

import dev.copyless.guest.GuestVm;
import dev.copyless.host.HostConfig;
import dev.copyless.host.HostNode;
import dev.copyless.host.SimulatedHost;
import dev.copyless.hypervisor.AbiError;
import dev.copyless.hypervisor.HypercallAbi;
import dev.copyless.hypervisor.HypercallConfig;
import dev.copyless.hypervisor.Hypervisor;
import dev.copyless.metrics.Counter;
import dev.copyless.metrics.VmStat;
import dev.copyless.mm.MigrationOrder;
import dev.copyless.sim.CostModel;
import dev.copyless.sim.Engine;
import dev.copyless.sim.Invariants;
import dev.copyless.swap.SwapDevice;
import dev.copyless.swap.SwapProfile;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * Two VMs on one simulated host, driven at the hypervisor's binary entry point with no guest
 * kernel in between, for the hypercall ABI tests: VM 0 has 2 vNodes of 16 gfns (on host nodes 0
 * and 1), VM 1 has 2 vNodes of 8 gfns (on host nodes 1 and 2), so VM 1's gfns 16..31 are numbers
 * that exist only in VM 0. Every gfn is populated and every other one swapped out, so both VMs
 * have moved pages. {@link #snapshot()} captures all host state a hypercall could change.
 */
final class HypercallWorld {
    static final int[][] VNODE_PAGES = {{16, 16}, {8, 8}};
    static final int[][] VNODE_NODES = {{0, 1}, {1, 2}};

    final Engine engine = new Engine();
    final VmStat stat = new VmStat();
    final SimulatedHost host;
    final Hypervisor hv;
    final List<GuestVm> vms;
    /** Per VM, the last sequence number this world's caller used. */
    final long[] seq = new long[2];

    HypercallWorld() {
        this(HypercallConfig.DEFAULT);
    }

    HypercallWorld(HypercallConfig config) {
        HostNode[] nodes = {new HostNode(0, 64, 0, 0, 0), new HostNode(1, 64, 0, 0, 0), new HostNode(2, 64, 0, 0, 0)};
        SwapDevice[] swaps = {new SwapDevice(0, "nvme0", SwapProfile.NVME, 128)};
        int[][] distance = {{10, 21, 21}, {21, 10, 21}, {21, 21, 10}};
        CostModel cost = CostModel.defaults(distance);
        host = new SimulatedHost(nodes, swaps, cost, stat, engine, new HostConfig(32, 0, Rig.filled(3, -1), false, 0, 64));
        hv = new Hypervisor(host, cost, stat, engine::now, config);
        GuestVm a = new GuestVm(0, "vm0", VNODE_PAGES[0], VNODE_NODES[0], 0);
        GuestVm b = new GuestVm(1, "vm1", VNODE_PAGES[1], VNODE_NODES[1], 0);
        vms = List.of(a, b);
        for (GuestVm vm : vms) {
            int id = hv.createVm(vm.gfns(), vm.vnodeStarts(), VNODE_NODES[vm.id()], true);
            assertThat(id).isEqualTo(vm.id());
            for (int g = 0; g < vm.gfns(); g++) {
                host.populate(vm.id(), g);
                if (g % 2 == 1) {
                    host.pageOut(vm.id(), g);
                }
            }
        }
        checkInvariants();
    }

    GuestVm vm(int v) {
        return vms.get(v);
    }

    void checkInvariants() {
        Invariants.check(host, hv, vms);
    }

    /** A swapped (moved) gfn of VM {@code v} on vNode {@code vnode}. */
    int movedGfn(int v, int vnode) {
        GuestVm vm = vm(v);
        for (int g = vm.vnodeStart(vnode); g < vm.vnodeStart(vnode) + VNODE_PAGES[v][vnode]; g++) {
            if (hv.movedPageList(v).isMoved(g)) {
                return g;
            }
        }
        throw new IllegalStateException("no moved gfn on vm" + v + " vNode " + vnode);
    }

    /** A fresh request block (its own segment) of VM {@code v}: sources, destinations on {@code dstVnode}. */
    MemorySegment request(int v, int dstVnode, int[] src, int[] dst) {
        MemorySegment block = MemorySegment.ofArray(new byte[(int) HypercallAbi.requestLength(src.length)]);
        HypercallAbi.encodeRequest(block, ++seq[v], dstVnode, VNODE_NODES[v][dstVnode], MigrationOrder.MIGRATE_BEFORE_MAP,
                src, dst, src.length);
        return block;
    }

    /** A valid one-entry request of VM {@code v}: a moved page of vNode 0 to a gfn of vNode 1. */
    MemorySegment validRequest(int v) {
        int src = movedGfn(v, 0);
        int dst = vm(v).vnodeStart(1) + 3;
        return request(v, 1, new int[] {src}, new int[] {dst});
    }

    static MemorySegment reply() {
        return MemorySegment.ofArray(new byte[HypercallAbi.REPLY_AREA]);
    }

    /** Everything a hypercall could change on the host side. */
    record Snapshot(long[][] states, byte[][] lists, long[] counters, int[] freeFrames, int freeSlots, long[] lastSeq) {
        /** The counters without the refusal counters, which a refusal does change. */
        long[] countersButRefusals() {
            long[] c = counters.clone();
            c[Counter.HYPERCALL_REFUSED.ordinal()] = 0;
            c[Counter.HYPERCALL_REPLAYS_REFUSED.ordinal()] = 0;
            c[Counter.HYPERCALL_THROTTLED.ordinal()] = 0;
            return c;
        }
    }

    Snapshot snapshot() {
        long[][] states = new long[2][];
        byte[][] lists = new byte[2][];
        long[] last = new long[2];
        for (int v = 0; v < 2; v++) {
            states[v] = new long[vm(v).gfns()];
            for (int g = 0; g < states[v].length; g++) {
                states[v][g] = host.locate(v, g);
            }
            lists[v] = hv.exportMovedPageList(v).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
            last[v] = hv.lastSequence(v);
        }
        int[] free = new int[host.nodeCount()];
        for (int n = 0; n < free.length; n++) {
            free[n] = host.node(n).freeFrames();
        }
        return new Snapshot(states, lists, stat.snapshot(), free, host.swapDevice(0).freeSlots(), last);
    }

    /**
     * Asserts that nothing but the refusal counters changed since {@code before}, and that the
     * calling VM's last sequence number moved to {@code seq} only if the refusal consumes it.
     */
    void assertUnchangedBy(Snapshot before, AbiError refusal, int vm, long seq) {
        Snapshot now = snapshot();
        for (int v = 0; v < 2; v++) {
            assertThat(now.states()[v]).as("host locations of vm" + v).isEqualTo(before.states()[v]);
            assertThat(now.lists()[v]).as("moved-page list of vm" + v).isEqualTo(before.lists()[v]);
        }
        assertThat(now.countersButRefusals()).as("counters other than refusals").isEqualTo(before.countersButRefusals());
        assertThat(now.counters()[Counter.HYPERCALL_REFUSED.ordinal()])
                .isEqualTo(before.counters()[Counter.HYPERCALL_REFUSED.ordinal()] + 1);
        assertThat(now.freeFrames()).isEqualTo(before.freeFrames());
        assertThat(now.freeSlots()).isEqualTo(before.freeSlots());
        long[] expectedSeq = before.lastSeq().clone();
        if (!refusal.structural() && refusal != AbiError.REPLAY) {
            expectedSeq[vm] = seq;
        }
        assertThat(now.lastSeq()).as("last sequence numbers (%s %s)", refusal,
                refusal.structural() ? "does not consume" : "consumes").isEqualTo(expectedSeq);
        checkInvariants();
    }
}
