package dev.copyless.kernel;

import static dev.copyless.mm.PageState.MIGRATE_ON_TOUCH;
import static dev.copyless.mm.PageState.READAHEAD;

import dev.copyless.host.GfnLocations;
import dev.copyless.host.MovedFrom;
import dev.copyless.host.MovementAccounting;
import dev.copyless.metrics.Counter;
import dev.copyless.mm.FrameOwner;
import dev.copyless.mm.PageState;
import dev.copyless.swap.SwapDevice;

/**
 * Pages going to and coming from swap, as {@code mm/swap_state.c}: {@code add_to_swap} (a slot
 * on the first device with room, the write through {@link PageIo}), the read of a swapped page
 * back into a frame (the I/O half of {@code do_swap_page}), and {@code swapin_readahead} with
 * its window ({@code __swapin_nr_pages}, from {@code vm.page-cluster} and the readahead hit
 * history). The slot is freed as soon as its page is read: no swap cache is modelled. Claim 12
 * lives here too: readahead leaves the moved pages of a VM under hold-back where they are.
 */
final class SwapState {
    /** {@link #addToSwap} results besides a device id. */
    static final int SWAP_FULL = -1;
    static final int SWAP_WRITE_FAILED = -2;

    private final Kernel k;
    /** Readahead pages touched since the last window computation ({@code swapin_readahead_hits}). */
    private int readaheadHits;
    /** Previous readahead window and the slot it was computed for ({@code __swapin_nr_pages} state). */
    private int lastReadaheadWindow = 1;
    private int prevReadaheadSlot = -2;

    SwapState(Kernel k) {
        this.k = k;
    }

    /**
     * Writes a resident page to the first swap device with a free slot; write faults add to {@code op}.
     *
     * @return the device id, {@link #SWAP_FULL} when every device is full, or
     *     {@link #SWAP_WRITE_FAILED} when the write failed (the page stays resident, the slot is freed)
     */
    int addToSwap(Op op, int vm, int gfn, long word) {
        for (SwapDevice d : k.swaps) {
            int slot = d.allocate(FrameOwner.of(vm, gfn));
            if (slot >= 0) {
                if (!k.io.swapWritepage(op, d, slot, word)) {
                    d.free(slot);
                    return SWAP_WRITE_FAILED;
                }
                k.nodes[PageState.nodeOrDevice(word)].free(PageState.id(word));
                k.vm(vm).set(gfn, PageState.swapped(d.id(), slot) | (word & MIGRATE_ON_TOUCH));
                k.stat.inc(Counter.PSWPOUT);
                return d.id();
            }
        }
        return SWAP_FULL;
    }

    /**
     * Reads a swapped gfn into a new frame on {@code nodeId} and frees its slot. A read that
     * fails for good loses the page: for a demand read the gfn becomes poisoned; for readahead
     * ({@code async}) it stays swapped, and its own fault will try again.
     *
     * @param bringBack the page is coming back to its source node (bring-back accounting)
     * @param moved     whether this read completes the balancing migration of a moved page
     * @return {@link PageIo#IO_OK}, {@link PageIo#IO_NO_FRAME} (state unchanged), or
     *     {@link PageIo#IO_ERROR} / {@link PageIo#IO_BAD_CHECKSUM} (poisoned, or unchanged if async)
     */
    int swapIn(Op op, int vm, int gfn, long word, int nodeId, boolean bringBack, long extraFlags, boolean async,
               MovedFrom moved) {
        int pfn = k.alloc.allocFrame(op, nodeId, vm, gfn, bringBack);
        if (pfn < 0) {
            return PageIo.IO_NO_FRAME;
        }
        SwapDevice d = k.swaps[PageState.nodeOrDevice(word)];
        int io = k.io.swapReadFolio(op, d, PageState.id(word), nodeId, pfn, async);
        if (io != PageIo.IO_OK) {
            k.nodes[nodeId].free(pfn);
            if (!async) {
                k.failure.poison(vm, gfn, word, io);
            }
            return io;
        }
        d.free(PageState.id(word));
        k.vm(vm).set(gfn, PageState.resident(nodeId, pfn) | extraFlags);
        k.stat.inc(Counter.PSWPIN);
        MovementAccounting.swapRead(k.stat, moved);
        op.ns += d.profile().pageReadNs();
        return PageIo.IO_OK;
    }

    /** A page brought in by readahead was touched ({@code swap_ra_hit}): the window may grow. */
    void readaheadHit() {
        k.stat.inc(Counter.SWAP_RA_HIT);
        readaheadHits++;
    }

    /**
     * {@code swapin_readahead}: after a demand swap-in of {@code slot}, reads the other used
     * slots of its aligned window back into their owners' pinned nodes, without direct reclaim.
     * Pages of VMs under hold-back stay where they are (claim 12). Asynchronous: costs the
     * faulting vCPU nothing ({@code fault}'s time is not charged).
     */
    void swapinReadahead(Op fault, SwapDevice d, int slot) {
        int window = swapinNrPages(slot);
        if (window <= 1) {
            return;
        }
        int start = slot & -window;
        int end = Math.min(start + window, d.slots());
        Op async = k.enter(fault.isolated, null); // nobody waits for it
        try {
            readAround(async, d, slot, start, end);
        } finally {
            k.exit(async);
        }
    }

    /** Reads the used slots of {@code [start, end)} but {@code slot} into their owners' pinned nodes. */
    private void readAround(Op async, SwapDevice d, int slot, int start, int end) {
        for (int s = start; s < end; s++) {
            long own = d.owner(s);
            if (s == slot || !FrameOwner.isGuestPage(own)) {
                continue;
            }
            int vm = FrameOwner.vm(own);
            int gfn = FrameOwner.gfn(own);
            GfnLocations loc = k.vm(vm);
            long word = loc.word(gfn);
            if ((word & MIGRATE_ON_TOUCH) != 0) {
                continue; // the data's destination is decided: its first touch will read it
            }
            if (k.holdBack(vm)) {
                k.stat.inc(Counter.HOLDBACK_SKIPPED);
                continue;
            }
            HostNode n = k.nodes[loc.pinnedNode(gfn)];
            if (n.freeFrames() <= n.wmark(Watermark.MIN)) {
                break;
            }
            if (swapIn(async, vm, gfn, word, n.id(), true, READAHEAD, true, MovedFrom.NOT_MOVED) == PageIo.IO_OK) {
                k.stat.inc(Counter.SWAP_RA);
                k.stat.inc(Counter.PAGES_BROUGHT_BACK);
            }
        }
    }

    /**
     * {@code __swapin_nr_pages}: the readahead window grows with recent readahead hits
     * (rounded up to a power of two, at most {@code 1 << page-cluster}), falls to one page
     * after a miss unless the fault is next to the previous one, and never shrinks by more
     * than half at a time.
     */
    private int swapinNrPages(int slot) {
        int hits = readaheadHits;
        readaheadHits = 0;
        int pages = hits + 2;
        if (pages == 2) {
            if (slot != prevReadaheadSlot + 1 && slot != prevReadaheadSlot - 1) {
                pages = 1;
            }
        } else {
            int roundup = 4;
            while (roundup < pages) {
                roundup <<= 1;
            }
            pages = roundup;
        }
        pages = Math.min(pages, 1 << k.config.pageCluster());
        pages = Math.max(pages, lastReadaheadWindow / 2);
        lastReadaheadWindow = pages;
        prevReadaheadSlot = slot;
        return pages;
    }
}
