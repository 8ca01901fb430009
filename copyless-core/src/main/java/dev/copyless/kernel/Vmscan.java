package dev.copyless.kernel;

import static dev.copyless.mm.PageState.ACCESSED;
import static dev.copyless.mm.PageState.SWAPCACHE;

import dev.copyless.host.GfnLocations;
import dev.copyless.metrics.Counter;
import dev.copyless.mm.Errno;
import dev.copyless.mm.FrameOwner;
import dev.copyless.mm.PageState;

/**
 * Reclaim, as {@code mm/vmscan.c}: {@code shrink_node}'s pass over a node (a clock hand over
 * the frames standing in for the LRU lists: accessed pages get a second chance, cold ones are
 * demoted to the node's demotion target while it has room above its high watermark, else
 * written to swap; a page in the swap cache is dropped without I/O when clean and written back
 * to its own slot when dirty, and an unmapped swap-cache frame is dropped, as
 * {@code shrink_folio_list} does; an accessed swap-cache page frees its slot when less than
 * half of the swap is free, {@code vm_swap_full} on the {@code activate_locked} path), the per-node kswapd agents ({@code wakeup_kswapd}, {@code balance_pgdat}
 * until high), and {@code reclaim_pages} for one page ({@code MADV_PAGEOUT}). Every page it
 * moves is a first migration of claim 1 (claim 11 for swap), made without telling the guest.
 */
final class Vmscan {
    private final Kernel k;
    private final Kswapd[] kswapd;
    /** The writes of the pass in progress ({@code shrink_lruvec}'s plug); passes never nest. */
    private final BlkPlug writePlug = new BlkPlug();

    Vmscan(Kernel k) {
        this.k = k;
        this.kswapd = new Kswapd[k.nodes.length];
        for (int i = 0; i < kswapd.length; i++) {
            kswapd[i] = new Kswapd(this, k.nodes[i]);
        }
    }

    /**
     * One reclaim pass over a node ({@code shrink_folio_list}): takes the first {@code nr}
     * cold guest pages the clock hand finds, never the page {@code isolated}.
     *
     * @return nanoseconds the pass costs (scan, demotion copies, the batch's writes submitted
     *     together to the {@link BlockLayer} at the end of the pass, slow I/O and rewrites)
     */
    long shrinkNode(HostNode n, int nr, boolean direct, long isolated) {
        Op writes = k.enter();
        try {
            reclaim(n, nr, direct, isolated, writes);
            return writes.ns;
        } finally {
            k.exit(writes);
        }
    }

    /** The pass of {@link #shrinkNode}; its time goes to {@code writes}. */
    private void reclaim(HostNode n, int nr, boolean direct, long isolated, Op writes) {
        int frames = n.frames();
        int reclaimed = 0;
        int scanned = 0;
        boolean unmapped = false;
        int target = k.config.demotionTarget()[n.id()];
        BlkPlug plug = writePlug.start();
        while (reclaimed < nr && scanned < 2 * frames) {
            int pfn = n.advanceClockHand();
            scanned++;
            long own = coldOwner(n, pfn, isolated);
            if (own < 0) {
                continue;
            }
            int vm = FrameOwner.vm(own);
            int gfn = FrameOwner.gfn(own);
            GfnLocations loc = k.vm(vm);
            long word = loc.word(gfn);
            unmapped |= PageState.isResident(word); // a mapped page: try_to_unmap defers its flush to the pass's end
            if (PageState.isSwapped(word)) { // an unmapped swap-cache frame (readahead no fault used): dropped, no I/O
                k.swap.dropSwapCacheFrame(vm, gfn, word);
            } else if ((word & SWAPCACHE) != 0 && !(target >= 0 && k.alloc.hasRoomAboveHigh(target))) {
                int r = k.swap.reclaimSwapCachePage(writes, vm, gfn, word); // clean: dropped; dirty: written to its slot
                if (r == SwapState.SWAP_WRITE_FAILED) {
                    loc.setFlags(gfn, loc.word(gfn) | ACCESSED);
                    continue;
                }
                if (r != SwapState.DROPPED_CLEAN) {
                    plug.addWrite(k.swaps[r], n.id());
                }
            } else if (target >= 0 && k.alloc.hasRoomAboveHigh(target)) {
                writes.ns += k.tiers.demoteFrame(vm, gfn, word, target, k.now());
                k.stat.inc(direct ? Counter.PGDEMOTE_DIRECT : Counter.PGDEMOTE_KSWAPD);
            } else {
                int d = k.swap.addToSwap(writes, vm, gfn, word);
                if (d == SwapState.SWAP_FULL) {
                    break; // swap full: nothing more can be reclaimed here
                }
                if (d == SwapState.SWAP_WRITE_FAILED) {
                    loc.setFlags(gfn, loc.word(gfn) | ACCESSED); // the failed folio is activated: the hand passes it once
                    continue;
                }
                plug.addWrite(k.swaps[d], n.id());
            }
            reclaimed++;
            if (n.payBringBackDebt()) {
                k.stat.inc(Counter.EVICTIONS_CAUSED);
            }
        }
        k.stat.add(direct ? Counter.PGSTEAL_DIRECT : Counter.PGSTEAL_KSWAPD, reclaimed);
        writes.ns += scanned * k.cost.reclaimScanNs;
        if (unmapped && reclaimed > 0) { // try_to_unmap_flush: one shootdown for the pass (TTU_BATCH_FLUSH)
            writes.ns += k.cost.tlbShootdownNs;
            k.stat.inc(Counter.HOST_TLB_SHOOTDOWNS);
        }
        writes.ns += plug.finish(k.block, k.now());
    }

    /**
     * One step of a clock hand: the owner of frame {@code pfn} if it holds a guest page that
     * was not accessed since the hand's last visit; otherwise clears the accessed bit (the
     * page gets a second chance) and returns -1. Free, reserved and isolated frames give -1.
     */
    long coldOwner(HostNode n, int pfn, long isolated) {
        long own = n.owner(pfn);
        if (!FrameOwner.isGuestPage(own) || own == isolated) {
            return -1;
        }
        GfnLocations loc = k.vm(FrameOwner.vm(own));
        int gfn = FrameOwner.gfn(own);
        long word = loc.word(gfn);
        if ((word & ACCESSED) != 0) {
            loc.setFlags(gfn, word & ~ACCESSED);
            if ((word & SWAPCACHE) != 0 && PageState.isResident(word) && k.swap.vmSwapFull()) {
                k.swap.freeSwap(FrameOwner.vm(own), gfn, word & ~ACCESSED); // activate_locked: folio_free_swap
            }
            return -1;
        }
        return own;
    }

    /** {@code wakeup_kswapd}: wakes the node's kswapd unless it is awake already. */
    void wakeupKswapd(HostNode n) {
        if (!n.kswapdRunning()) {
            n.setKswapdRunning(true);
            k.stat.inc(Counter.KSWAPD_WAKE);
            k.engine.wake(kswapd[n.id()], k.engine.now());
        }
    }

    /** kswapd's duty cycle for one node: one batch; returns ns spent, or -1 once the node is balanced. */
    long kswapdBatch(HostNode n) {
        if (!n.below(Watermark.HIGH)) {
            n.setKswapdRunning(false);
            return -1;
        }
        int before = n.freeFrames();
        long ns = shrinkNode(n, k.config.reclaimBatch(), false, FrameOwner.FREE);
        if (n.freeFrames() == before) {
            n.setKswapdRunning(false); // nothing reclaimable: sleep until the next wakeup
            return -1;
        }
        return Math.max(ns, 1);
    }

    /**
     * {@code MADV_PAGEOUT} of one resident gfn ({@code reclaim_pages}): written to the first
     * swap device with a free slot.
     *
     * @return the write's nanoseconds, {@code -ENOSPC} when no slot is free, {@code -EIO} when
     *     the write failed (the page stays resident); 0 for a gfn that is not resident
     */
    long pageOut(int vm, int gfn) {
        long word = k.vm(vm).word(gfn);
        if (!PageState.isResident(word)) {
            return 0;
        }
        Op writes = k.enter();
        try {
            writes.ns += k.cost.tlbShootdownNs; // reclaim_pages unmaps the page: one flush
            k.stat.inc(Counter.HOST_TLB_SHOOTDOWNS);
            if ((word & SWAPCACHE) != 0) { // in the swap cache: dropped if clean, written to its own slot if dirty
                int r = k.swap.reclaimSwapCachePage(writes, vm, gfn, word);
                return switch (r) {
                    case SwapState.SWAP_WRITE_FAILED -> -Errno.EIO;
                    case SwapState.DROPPED_CLEAN -> writes.ns;
                    default -> writes.ns + k.block.waitNs(k.swaps[r], true, PageState.nodeOrDevice(word), k.now());
                };
            }
            int d = k.swap.addToSwap(writes, vm, gfn, word);
            return switch (d) {
                case SwapState.SWAP_FULL -> -Errno.ENOSPC;
                case SwapState.SWAP_WRITE_FAILED -> -Errno.EIO;
                default -> writes.ns + k.block.waitNs(k.swaps[d], true, PageState.nodeOrDevice(word), k.now());
            };
        } finally {
            k.exit(writes);
        }
    }
}
