package dev.copyless.host;

import java.util.Arrays;

/**
 * A VM's guest RAM cut into vNodes: vNode {@code v} owns the gfns from {@code start(v)} up to
 * {@code start(v + 1)} (or the end of guest RAM) and is bound with {@code MPOL_BIND} to host
 * node {@code node(v)} (QEMU's {@code memory-backend ... host-nodes=N,policy=bind}). One
 * layout per VM, shared by everyone who asks "which vNode, which host node?" of a gfn: the
 * guest, the hypervisor and both host backends. Immutable.
 */
public final class VnodeLayout {
    private final int gfns;
    private final int[] start;
    private final int[] node;

    /**
     * @param gfns  frames of guest RAM
     * @param start first gfn of each vNode, ascending, {@code start[0] == 0}
     * @param node  host node each vNode is bound to
     */
    public VnodeLayout(int gfns, int[] start, int[] node) {
        if (start.length == 0 || start.length != node.length || start[0] != 0) {
            throw new IllegalArgumentException("a layout needs one start (the first 0) and one node per vNode");
        }
        for (int v = 1; v < start.length; v++) {
            if (start[v] < start[v - 1] || start[v] > gfns) {
                throw new IllegalArgumentException("vNode starts must ascend within guest RAM: " + Arrays.toString(start));
            }
        }
        this.gfns = gfns;
        this.start = start.clone();
        this.node = node.clone();
    }

    /** Frames of guest RAM. */
    public int gfns() {
        return gfns;
    }

    /** Number of vNodes. */
    public int vnodes() {
        return start.length;
    }

    /** First gfn of vNode {@code v}. */
    public int start(int v) {
        return start[v];
    }

    /** One past the last gfn of vNode {@code v}. */
    public int end(int v) {
        return v + 1 < start.length ? start[v + 1] : gfns;
    }

    /** Host node vNode {@code v} is bound to. */
    public int node(int v) {
        return node[v];
    }

    /** The vNode owning {@code gfn} (a short backward scan: guests have a handful of vNodes). */
    public int vnodeOf(int gfn) {
        int v = start.length - 1;
        while (start[v] > gfn) {
            v--;
        }
        return v;
    }

    /** The host node {@code gfn} is bound to: its pinned node. */
    public int pinnedNode(int gfn) {
        return node[vnodeOf(gfn)];
    }

    /** A copy of the vNode starts. */
    public int[] starts() {
        return start.clone();
    }

    /** A copy of the vNode -> host node binding. */
    public int[] nodes() {
        return node.clone();
    }
}
