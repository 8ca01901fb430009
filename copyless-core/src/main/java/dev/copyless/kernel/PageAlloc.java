package dev.copyless.kernel;

import dev.copyless.host.HostOutOfMemoryException;
import dev.copyless.mm.FrameOwner;
import dev.copyless.swap.SwapDevice;

/**
 * Frame allocation against the watermarks, as {@code mm/page_alloc.c}'s slow path does it: an
 * allocation that finds its node at the min watermark reclaims directly first
 * ({@code __alloc_pages_direct_reclaim}), one that leaves it below low wakes kswapd
 * ({@code wake_all_kswapds}), and a page coming back to its source node that leaves the node
 * below high is remembered as a debt that the next reclaimed page pays
 * ({@code evictions_caused}: the eviction a bring-back causes, which claim 12 and the copyless
 * path avoid).
 */
final class PageAlloc {
    private final Kernel k;

    PageAlloc(Kernel k) {
        this.k = k;
    }

    /**
     * Allocates a frame on {@code nodeId} for (vm, gfn); the direct reclaim's time is added to
     * {@code op}, and it never takes the page {@code op} holds isolated.
     *
     * @param bringBack true when the page is coming back to its source node
     * @return the pfn, or -1 when the node has no frame even after direct reclaim
     */
    int allocFrame(Op op, int nodeId, int vm, int gfn, boolean bringBack) {
        HostNode n = k.nodes[nodeId];
        if (n.freeFrames() <= n.wmark(Watermark.MIN)) {
            op.ns += k.vmscan.shrinkNode(n, k.config.reclaimBatch(), true, op.isolated);
        }
        int pfn = n.allocate(FrameOwner.of(vm, gfn));
        if (pfn < 0) {
            return -1;
        }
        if (n.below(Watermark.LOW)) {
            k.vmscan.wakeupKswapd(n);
        }
        if (bringBack && n.below(Watermark.HIGH)) {
            n.addBringBackDebt();
        }
        return pfn;
    }

    /** Whether a node can take a page and stay at or above its high watermark. */
    boolean hasRoomAboveHigh(int node) {
        return !k.nodes[node].below(Watermark.HIGH) && k.nodes[node].freeFrames() > 0;
    }

    /** The user error of a node that has no frame even after reclaim, with what to change. */
    HostOutOfMemoryException oom(int nodeId, String what) {
        HostNode n = k.nodes[nodeId];
        int freeSlots = 0;
        for (SwapDevice d : k.swaps) {
            freeSlots += d.freeSlots();
        }
        return new HostOutOfMemoryException("host node " + nodeId + " is out of memory while " + what + " ("
                + n.frames() + " frames, " + n.freeFrames() + " free, " + freeSlots
                + " free swap slots): give the node more memory or the host more swap, or shrink the workload");
    }
}
