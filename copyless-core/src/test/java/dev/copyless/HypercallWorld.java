package dev.copyless;

import static org.assertj.core.api.Assertions.assertThat;

import dev.copyless.hypervisor.AbiError;
import dev.copyless.hypervisor.HypercallAbi;
import dev.copyless.hypervisor.HypercallConfig;
import dev.copyless.hypervisor.HypercallFuzzer;
import dev.copyless.mm.MigrationOrder;
import java.lang.foreign.MemorySegment;

/**
 * The hypercall fuzzer's two-VM world ({@link HypercallFuzzer.World}: VM 0 has 2 vNodes of 16
 * gfns on host nodes 0 and 1, VM 1 has 2 vNodes of 8 gfns on host nodes 1 and 2, every other gfn
 * swapped out), with what the hypercall ABI tests add: a caller's sequence numbers, request
 * builders and an assertion that a refusal changed nothing.
 */
final class HypercallWorld extends HypercallFuzzer.World {
    static final int[][] VNODE_PAGES = vnodePages();
    static final int[][] VNODE_NODES = vnodeNodes();

    /** Per VM, the last sequence number this world's caller used. */
    final long[] seq = new long[2];

    HypercallWorld() {
        this(HypercallConfig.DEFAULT);
    }

    HypercallWorld(HypercallConfig config) {
        super(config);
    }

    /** A swapped (moved) gfn of VM {@code v} on vNode {@code vnode}. */
    int movedGfn(int v, int vnode) {
        for (int g = vm(v).vnodeStart(vnode); g < vm(v).vnodeStart(vnode) + VNODE_PAGES[v][vnode]; g++) {
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

    /**
     * Asserts that nothing but the refusal counters changed since {@code before}, and that the
     * calling VM's last sequence number moved to {@code seq} only if the refusal consumes it.
     */
    void assertUnchangedBy(Snapshot before, AbiError refusal, int vm, long seq) {
        assertThat(refusalChanges(before, refusal, vm, seq)).as("what %s changed", refusal).isEmpty();
        checkInvariants();
    }
}
