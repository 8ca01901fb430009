package dev.copyless.kernel;

import static dev.copyless.mm.PageState.DIRTY;
import static dev.copyless.mm.PageState.MIGRATE_ON_TOUCH;
import static dev.copyless.mm.PageState.READAHEAD;
import static dev.copyless.mm.PageState.SWAPCACHE;

import dev.copyless.host.GfnLocations;
import dev.copyless.host.MovedFrom;
import dev.copyless.host.MovementAccounting;
import dev.copyless.host.VnodeLayout;
import dev.copyless.metrics.Counter;
import dev.copyless.mm.FrameOwner;
import dev.copyless.mm.PageState;
import dev.copyless.swap.SwapDevice;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Pages going to and coming from swap, and the swap cache, as {@code mm/swap_state.c}:
 *
 * <ul>
 *   <li>{@code add_to_swap}: a slot on the first device with room and the write through
 *       {@link PageIo}; when every device is full, a slot held only by the swap cache of a
 *       mapped page is taken back first ({@code __try_to_reclaim_swap}).</li>
 *   <li>The swap cache: a page read from swap keeps its slot and stays in the swap cache
 *       ({@link PageState#SWAPCACHE}) while it is clean, so reclaim drops it without I/O
 *       ({@code shrink_folio_list}); a write fault or {@code vm_swap_full} (less than half of
 *       the swap free) frees the slot ({@code should_try_to_free_swap}, {@code folio_free_swap},
 *       which marks the folio dirty). A {@code SWP_SYNCHRONOUS_IO} device (zram) skips the swap
 *       cache: the slot is freed at once ({@code do_swap_page}'s skip-swapcache path). The side
 *       tables slot -> cached frame (per device) and frame -> slot (per node) pair a frame with
 *       its slot; the per-gfn word only says {@code SWAPCACHE}.</li>
 *   <li>{@code swapin_readahead}: VMA-based by default ({@code swap_vma_readahead}: the
 *       neighbouring gfns of the faulting gfn in its vNode, the host VMA, within its 2 MiB PMD,
 *       the window placed by the direction of the previous fault), slot-cluster based as an
 *       option ({@code swap_cluster_readahead}); the window from {@code __swapin_nr_pages}
 *       ({@code vm.page-cluster} and the hit history, per vNode for VMA readahead, global for
 *       cluster). Readahead pages go into the swap cache on the faulting VMA's policy node and
 *       stay unmapped ({@code SWAPPED|SWAPCACHE|READAHEAD}) until a fault finds them
 *       ({@code swap_ra_hit}); a swapped page hold-back kept from readahead carries
 *       {@code READAHEAD} alone, so its fault still feeds the window.</li>
 * </ul>
 *
 * Claim 12 lives here too: readahead leaves the moved pages of a VM under hold-back where they are.
 */
final class SwapState {
    /** {@link #addToSwap} results besides a device id. */
    static final int SWAP_FULL = -1;
    static final int SWAP_WRITE_FAILED = -2;
    /** {@link #reclaimSwapCachePage}: a clean page dropped without I/O. */
    static final int DROPPED_CLEAN = -3;
    /** No frame or slot in a side table. */
    static final long NONE = -1L;
    /** {@code SWAP_RA_ORDER_CEILING} (64-bit): the VMA readahead window is at most 32 pages. */
    static final int SWAP_RA_ORDER_CEILING = 5;
    /** {@code SWAP_RA_HITS_MAX}: {@code SWAP_RA_HITS_MASK}, 6 bits of {@code swap_readahead_info}. */
    static final int SWAP_RA_HITS_MAX = 63;
    /** Pages in a PMD (2 MiB): VMA readahead never crosses one ({@code faddr & PMD_MASK}). */
    static final int PMD_PAGES = 512;

    private final Kernel k;
    /**
     * Per device, per slot: the swap-cache frame holding the slot's data, as host-wide frame
     * index + 1 ({@link #frameBase}), or 0 (the swap cache's xarray, indexed by swap entry).
     */
    private final int[][] frameOfSlot;
    /** The other direction, frame -> slot ({@code folio->swap}), for swap-cache frames only. */
    private final SwapCacheIndex slotOfFrame = new SwapCacheIndex();
    /** Host-wide frame index of each node's frame 0, and one past the last node's last frame. */
    private final int[] frameBase;
    /** Host-wide slot index of each device's slot 0, and one past the last device's last slot. */
    private final int[] slotBase;
    /** Where {@link #reclaimCacheOnlySlot} looks next, per device. */
    private final int[] reclaimCursor;
    /** When the last demand read was submitted: its readahead window is submitted with it ({@link #swapinReadahead}). */
    private long demandSubmitted;

    /** Cluster readahead ({@code swapin_nr_pages}): hits since the last window, the last window, the previous offset. */
    private int clusterHits;
    private int lastClusterWindow;
    private int prevOffset;
    /** VMA readahead ({@code vma->swap_readahead_info}), per VM per vNode: previous fault gfn, window, hits. */
    private final List<int[]> raPrev = new ArrayList<>();
    private final List<int[]> raWin = new ArrayList<>();
    private final List<int[]> raHits = new ArrayList<>();

    SwapState(Kernel k) {
        this.k = k;
        this.frameOfSlot = new int[k.swaps.length][];
        this.slotBase = new int[k.swaps.length + 1];
        for (int d = 0; d < k.swaps.length; d++) {
            frameOfSlot[d] = new int[k.swaps[d].slots()];
            slotBase[d + 1] = Math.addExact(slotBase[d], k.swaps[d].slots());
        }
        this.frameBase = new int[k.nodes.length + 1];
        for (int n = 0; n < k.nodes.length; n++) {
            frameBase[n + 1] = Math.addExact(frameBase[n], k.nodes[n].frames());
        }
        this.reclaimCursor = new int[k.swaps.length];
    }

    /** A new VM's readahead state, one per vNode (its host VMA). */
    void addVm(int vnodes) {
        int[] prev = new int[vnodes];
        Arrays.fill(prev, Integer.MIN_VALUE / 2); // no previous fault: next to no gfn
        raPrev.add(prev);
        raWin.add(new int[vnodes]);
        raHits.add(new int[vnodes]);
    }

    // ------------------------------------------------------------------ side tables

    /** The swap-cache frame of a slot ({@code node << 32 | pfn}), or {@link #NONE}. */
    long frameOfSlot(int dev, int slot) {
        int f = frameOfSlot[dev][slot];
        return f == 0 ? NONE : pair(frameBase, f - 1);
    }

    /** The slot a swap-cache frame holds ({@code dev << 32 | slot}), or {@link #NONE}. */
    long slotOfFrame(int node, int pfn) {
        int s = slotOfFrame.get(frameBase[node] + pfn);
        return s == SwapCacheIndex.NONE ? NONE : pair(slotBase, s);
    }

    /** Heap of the frame -> slot index now (its bucket array). */
    long indexBytes() {
        return 16L + 8L * slotOfFrame.capacity();
    }

    /** {@code owner << 32 | index - base[owner]} of a host-wide index: the node or device it falls in. */
    private static long pair(int[] base, int index) {
        int lo = 0;
        int hi = base.length - 2;
        while (lo < hi) { // the last node or device whose first index is at or below index
            int mid = (lo + hi + 1) >>> 1;
            if (base[mid] <= index) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return (long) lo << 32 | (index - base[lo]);
    }

    static int hi(long pair) {
        return (int) (pair >>> 32);
    }

    static int lo(long pair) {
        return (int) pair;
    }

    private void link(int dev, int slot, int node, int pfn) {
        int frame = frameBase[node] + pfn;
        frameOfSlot[dev][slot] = frame + 1;
        slotOfFrame.put(frame, slotBase[dev] + slot);
    }

    private void unlink(int dev, int slot) {
        int f = frameOfSlot[dev][slot];
        frameOfSlot[dev][slot] = 0;
        slotOfFrame.remove(f - 1);
    }

    /** A swap-cache frame's data moved to another frame ({@code migrate_folio} keeps the swap cache). */
    void frameMoved(int fromNode, int fromPfn, int toNode, int toPfn) {
        long s = pair(slotBase, slotOfFrame.remove(frameBase[fromNode] + fromPfn));
        link(hi(s), lo(s), toNode, toPfn);
    }

    /** The slot of a {@code RESIDENT|SWAPCACHE} word ({@code dev << 32 | slot}). */
    long slotOf(long residentWord) {
        return slotOfFrame(PageState.nodeOrDevice(residentWord), PageState.id(residentWord));
    }

    /** The frame of a {@code SWAPPED|SWAPCACHE} word ({@code node << 32 | pfn}). */
    long frameOf(long swappedWord) {
        return frameOfSlot(PageState.nodeOrDevice(swappedWord), PageState.id(swappedWord));
    }

    /**
     * A slot just read into a frame enters the swap cache, both now owned by {@code owner}: the
     * destination read of a copyless migrate-before-map, which keeps the slot as
     * {@code do_swap_page} does. The caller writes the owner's {@code RESIDENT|SWAPCACHE} word.
     */
    void addToSwapCache(SwapDevice d, int slot, long owner, int node, int pfn) {
        d.setOwner(slot, owner);
        link(d.id(), slot, node, pfn);
    }

    /** Hands a swap-cache pair (frame and slot) of a word to another gfn: the remap of map-then-migrate. */
    void reown(long word, long owner) {
        if (PageState.isResident(word)) {
            long s = slotOf(word);
            k.swaps[hi(s)].setOwner(lo(s), owner);
        } else {
            long f = frameOf(word);
            k.nodes[hi(f)].setOwner(lo(f), owner);
        }
    }

    // ------------------------------------------------------------------ writes

    /**
     * Writes a resident page without a slot to the first swap device with a free slot; write
     * faults add to {@code op}.
     *
     * @return the device id, {@link #SWAP_FULL} when every device is full, or
     *     {@link #SWAP_WRITE_FAILED} when the write failed (the page stays resident, the slot is freed)
     */
    int addToSwap(Op op, int vm, int gfn, long word) {
        for (int attempt = 0; attempt < 2; attempt++) {
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
            if (!reclaimCacheOnlySlot()) {
                break;
            }
        }
        return SWAP_FULL;
    }

    /**
     * Reclaim of a mapped swap-cache page ({@code RESIDENT|SWAPCACHE}, {@code shrink_folio_list}):
     * a clean page is dropped without I/O, its slot still holds its data; a dirty one is
     * written back to its own slot ({@code pageout}, one {@code pswpout}). Either way the gfn
     * becomes {@code SWAPPED} on that slot and its frame is freed.
     *
     * @return the device written to, {@link #DROPPED_CLEAN}, or {@link #SWAP_WRITE_FAILED} (the
     *     page stays resident and in the swap cache)
     */
    int reclaimSwapCachePage(Op op, int vm, int gfn, long word) {
        long s = slotOf(word);
        SwapDevice d = k.swaps[hi(s)];
        int slot = lo(s);
        boolean dirty = (word & DIRTY) != 0;
        if (dirty && !k.io.swapWritepage(op, d, slot, word)) {
            return SWAP_WRITE_FAILED;
        }
        unlink(d.id(), slot);
        k.nodes[PageState.nodeOrDevice(word)].free(PageState.id(word));
        k.vm(vm).set(gfn, PageState.swapped(d.id(), slot) | (word & MIGRATE_ON_TOUCH));
        if (dirty) {
            k.stat.inc(Counter.PSWPOUT);
        }
        return dirty ? d.id() : DROPPED_CLEAN;
    }

    /**
     * Drops an unmapped swap-cache frame ({@code SWAPPED|SWAPCACHE}: readahead that no fault
     * used, or a remapped entry) without I/O: the slot keeps the data.
     */
    void dropSwapCacheFrame(int vm, int gfn, long word) {
        long f = frameOf(word);
        unlink(PageState.nodeOrDevice(word), PageState.id(word));
        k.nodes[hi(f)].free(lo(f));
        k.vm(vm).setFlags(gfn, word & ~(SWAPCACHE | READAHEAD));
    }

    /**
     * {@code folio_free_swap} of a mapped swap-cache page: the slot is freed, the page stays
     * resident and is dirty from now on (its only copy is in memory).
     *
     * @return the new word
     */
    long freeSwap(int vm, int gfn, long word) {
        long s = slotOf(word);
        unlink(hi(s), lo(s));
        k.swaps[hi(s)].free(lo(s));
        long w = (word & ~SWAPCACHE) | DIRTY;
        k.vm(vm).setFlags(gfn, w);
        return w;
    }

    /** Zaps (frees) both halves of a swap-cache pair of a word, the gfn's data is dead. */
    void zapSwapCache(long word) {
        if (PageState.isResident(word)) {
            long s = slotOf(word);
            unlink(hi(s), lo(s));
            k.swaps[hi(s)].free(lo(s));
            k.nodes[PageState.nodeOrDevice(word)].free(PageState.id(word));
        } else {
            long f = frameOf(word);
            unlink(PageState.nodeOrDevice(word), PageState.id(word));
            k.nodes[hi(f)].free(lo(f));
            k.swaps[PageState.nodeOrDevice(word)].free(PageState.id(word));
        }
    }

    /**
     * A {@code SWAPPED|SWAPCACHE} word's data went to a migration's destination: its slot is
     * freed, and its cached frame too unless {@code keepFrame} (the frame became the
     * destination's). The caller rewrites the word.
     */
    void releaseSwapped(long word, boolean keepFrame) {
        long f = frameOf(word);
        unlink(PageState.nodeOrDevice(word), PageState.id(word));
        k.swaps[PageState.nodeOrDevice(word)].free(PageState.id(word));
        if (!keepFrame) {
            k.nodes[hi(f)].free(lo(f));
        }
    }

    /** {@code vm_swap_full}: less than half of the swap space is free ({@code nr_swap_pages * 2 < total_swap_pages}). */
    boolean vmSwapFull() {
        long free = 0;
        long total = 0;
        for (SwapDevice d : k.swaps) {
            free += d.freeSlots();
            total += d.slots();
        }
        return free * 2 < total;
    }

    /**
     * With every device full, frees one slot whose page is mapped from the swap cache (its data
     * is in memory: the slot only caches it), as the allocator's {@code __try_to_reclaim_swap}
     * does. The page becomes dirty.
     *
     * @return true when a slot was freed
     */
    private boolean reclaimCacheOnlySlot() {
        for (SwapDevice d : k.swaps) {
            int slots = d.slots();
            int s = reclaimCursor[d.id()];
            for (int i = 0; i < slots; i++, s = s + 1 == slots ? 0 : s + 1) {
                if (frameOfSlot[d.id()][s] == 0) {
                    continue;
                }
                long own = d.owner(s);
                GfnLocations loc = k.vm(FrameOwner.vm(own));
                long w = loc.word(FrameOwner.gfn(own));
                if (PageState.isResident(w)) {
                    freeSwap(FrameOwner.vm(own), FrameOwner.gfn(own), w);
                    reclaimCursor[d.id()] = s;
                    return true;
                }
            }
        }
        return false;
    }

    // ------------------------------------------------------------------ reads

    /**
     * Reads a swapped gfn (not in the swap cache) into a new frame on {@code nodeId}: the
     * demand read of {@code do_swap_page}. On a block device the page enters the swap cache
     * with its slot kept and clean ({@code RESIDENT|SWAPCACHE}); on a {@code SWP_SYNCHRONOUS_IO}
     * device the slot is freed. A read that fails for good poisons the gfn.
     *
     * @param bringBack the page is coming back to its source node (bring-back accounting)
     * @param moved     whether this read completes the balancing migration of a moved page
     * @return {@link PageIo#IO_OK}, {@link PageIo#IO_NO_FRAME} (state unchanged), or
     *     {@link PageIo#IO_ERROR} / {@link PageIo#IO_BAD_CHECKSUM} (poisoned)
     */
    int swapIn(Op op, int vm, int gfn, long word, int nodeId, boolean bringBack, MovedFrom moved) {
        if ((word & READAHEAD) != 0) {
            readaheadHit(vm, gfn); // hold-back kept this page from readahead: the hit Linux would have had
        }
        int pfn = k.alloc.allocFrame(op, nodeId, vm, gfn, bringBack);
        if (pfn < 0) {
            return PageIo.IO_NO_FRAME;
        }
        SwapDevice d = k.swaps[PageState.nodeOrDevice(word)];
        int slot = PageState.id(word);
        int io = k.io.swapReadFolio(op, d, slot, nodeId, pfn, false);
        if (io != PageIo.IO_OK) {
            k.nodes[nodeId].free(pfn);
            k.failure.poison(vm, gfn, word, io);
            return io;
        }
        if (d.profile().synchronousIo()) {
            d.free(slot);
            k.vm(vm).set(gfn, PageState.resident(nodeId, pfn));
        } else {
            link(d.id(), slot, nodeId, pfn);
            k.vm(vm).set(gfn, PageState.resident(nodeId, pfn) | SWAPCACHE);
        }
        k.stat.inc(Counter.PSWPIN);
        MovementAccounting.swapRead(k.stat, moved);
        demandSubmitted = k.now();
        op.ns += k.block.waitNs(d, false, nodeId, demandSubmitted);
        return PageIo.IO_OK;
    }

    /**
     * A fault found the gfn's data in the swap cache ({@code swap_cache_get_folio}): a minor
     * fault, no device read. The cached frame is mapped where it is ({@code RESIDENT|SWAPCACHE},
     * clean), its slot kept. A readahead page counts {@code swap_ra_hit} and feeds the window.
     *
     * @return the new word (migrate-on-touch kept for the caller)
     */
    long mapSwapCache(int vm, int gfn, long word) {
        long f = frameOf(word);
        k.stat.inc(Counter.SWAP_CACHE_HITS);
        if ((word & READAHEAD) != 0) {
            k.stat.inc(Counter.SWAP_RA_HIT);
            readaheadHit(vm, gfn);
        }
        long w = PageState.resident(hi(f), lo(f)) | SWAPCACHE | (word & MIGRATE_ON_TOUCH);
        k.vm(vm).set(gfn, w);
        return w;
    }

    /** {@code swap_cache_get_folio}'s readahead accounting: per vNode for VMA readahead, global for cluster. */
    private void readaheadHit(int vm, int gfn) {
        if (k.config.vmaReadahead()) {
            int v = k.vm(vm).layout().vnodeOf(gfn);
            int[] hits = raHits.get(vm);
            hits[v] = Math.min(hits[v] + 1, SWAP_RA_HITS_MAX);
            raPrev.get(vm)[v] = gfn; // SWAP_RA_VAL(addr, win, hits): the address is updated too
        } else {
            clusterHits++;
        }
    }

    /**
     * {@code swapin_readahead} after a demand read of the swapped {@code word} at (vm, gfn):
     * reads the window's other swapped pages into the swap cache on {@code policyNode} (the
     * faulting VMA's node), unmapped, without direct reclaim. Pages of VMs under hold-back
     * stay where they are (claim 12). Asynchronous: the faulting vCPU does not wait for it, but
     * its reads are submitted to the {@link BlockLayer} together with the demand read (after it)
     * and take the device's slots and bandwidth from whatever comes next.
     */
    void swapinReadahead(Op fault, int vm, int gfn, long word, int policyNode) {
        Op async = k.enter(fault.isolated, null); // nobody waits for it
        try {
            if (k.config.vmaReadahead()) {
                vmaReadahead(async, vm, gfn, policyNode);
            } else {
                clusterReadahead(async, k.swaps[PageState.nodeOrDevice(word)], PageState.id(word), policyNode);
            }
        } finally {
            k.exit(async);
        }
    }

    /** {@code swap_vma_readahead} with {@code swap_vma_ra_win}. */
    private void vmaReadahead(Op async, int vm, int gfn, int policyNode) {
        int maxWin = 1 << Math.min(k.config.pageCluster(), SWAP_RA_ORDER_CEILING);
        if (maxWin == 1) {
            return;
        }
        VnodeLayout layout = k.vm(vm).layout();
        int v = layout.vnodeOf(gfn);
        int[] prevs = raPrev.get(vm);
        int[] wins = raWin.get(vm);
        int[] hitss = raHits.get(vm);
        int prev = prevs[v];
        int win = swapinNrPages(prev, gfn, hitss[v], maxWin, wins[v]);
        prevs[v] = gfn;
        wins[v] = win;
        hitss[v] = 0;
        if (win == 1) {
            return;
        }
        int left;
        if (gfn == prev + 1) {
            left = gfn;
        } else if (prev == gfn + 1) {
            left = gfn - win + 1;
        } else {
            left = gfn - (win - 1) / 2;
        }
        int right = left + win;
        int pmd = gfn & -PMD_PAGES;
        int start = Math.max(Math.max(left, layout.start(v)), pmd);
        int end = Math.min(Math.min(right, layout.end(v)), pmd + PMD_PAGES);
        GfnLocations loc = k.vm(vm);
        for (int g = start; g < end; g++) {
            if (g != gfn && !readaheadOne(async, vm, g, loc.word(g), policyNode)) {
                break;
            }
        }
    }

    /** {@code swap_cluster_readahead} with {@code swapin_nr_pages}: the aligned window of slots around {@code slot}. */
    private void clusterReadahead(Op async, SwapDevice d, int slot, int policyNode) {
        int maxPages = 1 << k.config.pageCluster();
        if (maxPages <= 1) {
            return;
        }
        int hits = clusterHits;
        clusterHits = 0;
        int window = swapinNrPages(prevOffset, slot, hits, maxPages, lastClusterWindow);
        if (hits == 0) {
            prevOffset = slot;
        }
        lastClusterWindow = window;
        if (window <= 1) {
            return;
        }
        int start = slot & -window;
        int end = Math.min(start + window, d.slots());
        for (int s = start; s < end; s++) {
            long own = d.owner(s);
            if (s == slot || !FrameOwner.isGuestPage(own)) {
                continue;
            }
            int vm = FrameOwner.vm(own);
            int gfn = FrameOwner.gfn(own);
            if (!readaheadOne(async, vm, gfn, k.vm(vm).word(gfn), policyNode)) {
                break;
            }
        }
    }

    /**
     * Reads one swapped page into the swap cache on {@code node} for readahead
     * ({@code __read_swap_cache_async}), unless it is not a plain swap entry, is in the swap
     * cache already, is a map-then-migrate destination (its first touch reads it), or belongs to
     * a VM under hold-back (claim 12).
     *
     * @return false when the node is at its min watermark (readahead stops)
     */
    private boolean readaheadOne(Op async, int vm, int gfn, long word, int node) {
        if (!PageState.isSwapped(word) || (word & (SWAPCACHE | MIGRATE_ON_TOUCH)) != 0) {
            return true;
        }
        if (k.holdBack(vm)) {
            // claim 12: the read is suppressed, and counted; the page is marked so that a later
            // fault on it counts the readahead hit Linux would have had, and the window evolves
            // as it would have (otherwise it would stay at one page and hide the reads it suppresses)
            if ((word & READAHEAD) == 0) {
                k.stat.inc(Counter.HOLDBACK_SKIPPED);
                k.vm(vm).setFlags(gfn, word | READAHEAD);
            }
            return true;
        }
        HostNode n = k.nodes[node];
        if (n.freeFrames() <= n.wmark(Watermark.MIN)) {
            return false;
        }
        boolean bringBack = node == k.vm(vm).pinnedNode(gfn);
        int pfn = k.alloc.allocFrame(async, node, vm, gfn, bringBack);
        if (pfn < 0) {
            return false;
        }
        SwapDevice d = k.swaps[PageState.nodeOrDevice(word)];
        int slot = PageState.id(word);
        if (k.io.swapReadFolio(async, d, slot, node, pfn, true) != PageIo.IO_OK) {
            k.nodes[node].free(pfn); // a failed readahead leaves the entry; its own fault will try again
            return true;
        }
        link(d.id(), slot, node, pfn);
        k.vm(vm).setFlags(gfn, word | SWAPCACHE | READAHEAD);
        k.block.submitBio(d, false, node, demandSubmitted); // nobody waits for it
        k.stat.inc(Counter.PSWPIN);
        k.stat.inc(Counter.SWAP_RA);
        if (bringBack) {
            k.stat.inc(Counter.PAGES_BROUGHT_BACK);
        }
        return true;
    }

    /**
     * {@code __swapin_nr_pages}: the readahead window grows with recent readahead hits
     * (rounded up to a power of two, at most {@code maxPages}), falls to one page after a miss
     * unless the fault is next to the previous one, and never shrinks by more than half at a time.
     */
    static int swapinNrPages(int prevOffset, int offset, int hits, int maxPages, int prevWin) {
        int pages = hits + 2;
        if (pages == 2) {
            if (offset != prevOffset + 1 && offset != prevOffset - 1) {
                pages = 1;
            }
        } else {
            int roundup = 4;
            while (roundup < pages) {
                roundup <<= 1;
            }
            pages = roundup;
        }
        pages = Math.min(pages, maxPages);
        return Math.max(pages, prevWin / 2);
    }
}
