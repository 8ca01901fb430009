package dev.copyless.kernel;

import static dev.copyless.mm.PageState.ACCESSED;
import static dev.copyless.mm.PageState.DIRTY;
import static dev.copyless.mm.PageState.EPT_UNMAPPED;
import static dev.copyless.mm.PageState.MIGRATE_ON_TOUCH;
import static dev.copyless.mm.PageState.SWAPCACHE;

import dev.copyless.clock.CostModel;
import dev.copyless.host.GfnLocations;
import dev.copyless.host.MovedFrom;
import dev.copyless.host.MovementAccounting;
import dev.copyless.metrics.Counter;
import dev.copyless.mm.Errno;
import dev.copyless.mm.FrameOwner;
import dev.copyless.mm.MigrationOrder;
import dev.copyless.mm.PageState;
import dev.copyless.swap.SwapDevice;

/**
 * Page migration, as {@code mm/migrate.c}: a resident page's frame moved to another node
 * ({@code migrate_pages} for promotion and migrate-on-touch), and the host half of the
 * copyless path: a page the host had moved to a new source location (a swap slot or another
 * node) migrated straight to the node backing the destination vNode, in either order
 * (claims 1-8, 15-19), one page or a hypercall's batch with its swap reads plugged together.
 * No byte of a requested migration passes through the source gfn's pinned node.
 */
final class Migrate {
    private final Kernel k;
    /** The plug of the batch in progress ({@link #migratePages}). */
    private final BlkPlug plug = new BlkPlug();

    Migrate(Kernel k) {
        this.k = k;
    }

    /**
     * Moves a resident gfn's frame to {@code nodeId} (promotion, migrate-on-touch); the copy's
     * time is added to {@code op}.
     *
     * @param moved whether the copy completes the balancing migration of a moved page
     * @return false when {@code nodeId} has no frame (nothing changed)
     */
    boolean moveFrame(Op op, int vm, int gfn, long word, int nodeId, boolean bringBack, long extraFlags,
                      MovedFrom moved) {
        int from = PageState.nodeOrDevice(word);
        int pfn = k.alloc.allocFrame(op, nodeId, vm, gfn, bringBack);
        if (pfn < 0) {
            return false;
        }
        k.store.copyFrame(from, PageState.id(word), nodeId, pfn);
        if ((word & SWAPCACHE) != 0) {
            k.swap.frameMoved(from, PageState.id(word), nodeId, pfn); // migrate_folio keeps the swap cache
            extraFlags |= word & (SWAPCACHE | DIRTY);
        }
        k.nodes[from].free(PageState.id(word));
        k.vm(vm).set(gfn, PageState.resident(nodeId, pfn) | extraFlags);
        k.stat.inc(Counter.HOST_PAGE_COPIES);
        MovementAccounting.pageCopy(k.stat, from, nodeId, moved);
        op.ns += k.links.transfer(from, nodeId, k.now(), CostModel.PAGE_SIZE) + k.cost.copyNs(from, nodeId)
                + k.cost.tlbShootdownNs; // try_to_unmap of the old frame: a flush
        k.stat.inc(Counter.HOST_TLB_SHOOTDOWNS);
        return true;
    }

    /**
     * Claim 1's host-side migration of {@code srcGfn} (moved) to {@code dstGfn}'s pinned node,
     * see {@link dev.copyless.host.HostMemory#migrate}. Migrate-before-map (claims 6-8) reads
     * and writes the data into the destination node, then maps it; map-then-migrate (claims
     * 2-5) maps the new source location to the destination gfn and leaves the data to move on
     * its first touch. Swap reads of a batch go under {@code plug}.
     */
    long migrate(int vm, int srcGfn, int dstGfn, MigrationOrder order, BlkPlug plug) {
        GfnLocations loc = k.vm(vm);
        long src = loc.word(srcGfn);
        if (!loc.isMoved(srcGfn, src)) {
            return -Errno.EAGAIN;
        }
        Op op = k.enter(FrameOwner.of(vm, srcGfn), plug); // the source is isolated from the destination's direct reclaim
        try {
            return migrate(op, vm, srcGfn, dstGfn, src, order);
        } finally {
            k.exit(op);
        }
    }

    private long migrate(Op op, int vm, int srcGfn, int dstGfn, long src, MigrationOrder order) {
        GfnLocations loc = k.vm(vm);
        int dstNode = loc.pinnedNode(dstGfn);
        boolean fromSwap = PageState.isSwapped(src);
        int srcNode = fromSwap ? -1 : PageState.nodeOrDevice(src);
        long token = k.shadow.expected(vm, srcGfn);
        op.ns += k.cost.remapPageNs; // the host moves the entry from the source gfn to the destination gfn (UFFDIO_MOVE)
        if (!fromSwap) { // a present page's entry is cleared with a flush (ptep_clear_flush)
            op.ns += k.cost.tlbShootdownNs;
            k.stat.inc(Counter.HOST_TLB_SHOOTDOWNS);
        }
        if (order == MigrationOrder.MIGRATE_BEFORE_MAP && srcNode != dstNode) {
            long r = migrateBeforeMap(op, vm, srcGfn, dstGfn, src, dstNode, fromSwap, srcNode);
            if (r < 0) {
                return r;
            }
        } else {
            mapThenMigrate(vm, srcGfn, dstGfn, src, dstNode, fromSwap, srcNode);
        }
        k.shadow.expect(vm, srcGfn, 0); // the data's expected token follows its new owner
        k.shadow.expect(vm, dstGfn, token);
        return op.ns;
    }

    /**
     * Claims 6-8: read from the new source location and write into the destination node, then
     * map. A swapped source read from the device lands in the swap cache on the destination node,
     * clean, with its slot kept (what {@code MADV_POPULATE_READ} of the moved entry does through
     * {@code do_swap_page}, and what a naive swap-in does): reclaim drops it without a write. A
     * swapped source whose data is still in the swap cache is copied from its cached frame (one
     * movement, no device read), or, when that frame already is on the destination node, handed
     * over as it is (none); either way its slot is freed.
     */
    private long migrateBeforeMap(Op op, int vm, int srcGfn, int dstGfn, long src, int dstNode, boolean fromSwap,
                                  int srcNode) {
        GfnLocations loc = k.vm(vm);
        long dstWord = loc.word(dstGfn);
        boolean cached = fromSwap && (src & SWAPCACHE) != 0;
        long cachedFrame = cached ? k.swap.frameOf(src) : SwapState.NONE;
        int pfn;
        boolean reused = PageState.isResident(dstWord) && PageState.nodeOrDevice(dstWord) == dstNode
                && (dstWord & SWAPCACHE) == 0;
        boolean takeCached = cached && !reused && SwapState.hi(cachedFrame) == dstNode;
        if (reused) {
            pfn = PageState.id(dstWord); // a freed gfn still backed there: its frame takes the data
        } else if (takeCached) {
            pfn = SwapState.lo(cachedFrame); // the swap cache already holds the data on the destination node
        } else {
            pfn = k.alloc.allocFrame(op, dstNode, vm, dstGfn, false);
            if (pfn < 0) {
                return -Errno.ENOMEM;
            }
        }
        if (fromSwap && !cached) {
            SwapDevice d = k.swaps[PageState.nodeOrDevice(src)];
            int io = k.io.swapReadFolio(op, d, PageState.id(src), dstNode, pfn, false);
            if (io != PageIo.IO_OK) { // the page is lost: the source gfn is poisoned, the destination stays free
                if (reused) {
                    k.memory.zap(vm, dstGfn, loc.word(dstGfn));
                } else {
                    k.nodes[dstNode].free(pfn);
                }
                k.failure.poison(vm, srcGfn, src, io);
                return -Errno.EIO;
            }
        } else if (cached) {
            if (!takeCached) {
                k.store.copyFrame(SwapState.hi(cachedFrame), SwapState.lo(cachedFrame), dstNode, pfn);
            }
        } else {
            k.store.copyFrame(srcNode, PageState.id(src), dstNode, pfn);
        }
        if (!reused) {
            k.memory.zap(vm, dstGfn, loc.word(dstGfn));
        }
        k.nodes[dstNode].setOwner(pfn, FrameOwner.of(vm, dstGfn));
        if (fromSwap && !cached) {
            SwapDevice d = k.swaps[PageState.nodeOrDevice(src)];
            k.stat.inc(Counter.PSWPIN);
            MovementAccounting.swapRead(k.stat, MovedFrom.SWAP);
            if (op.plug != null && !d.profile().synchronousIo()) { // a block device takes the batch's reads at once
                op.plug.addRead(d, dstNode);
            } else { // zram decompresses page by page on the CPU
                op.ns += k.block.waitNs(d, false, dstNode, k.now());
            }
        } else if (cached) {
            k.stat.inc(Counter.SWAP_CACHE_HITS);
            k.swap.releaseSwapped(src, takeCached); // the slot goes, and the cached frame unless it is the destination's now
            if (!takeCached) {
                int cn = SwapState.hi(cachedFrame);
                k.stat.inc(Counter.HOST_PAGE_COPIES);
                MovementAccounting.pageCopy(k.stat, cn, dstNode, MovedFrom.SWAPCACHE);
                op.ns += k.links.transfer(cn, dstNode, k.now(), CostModel.PAGE_SIZE) + k.cost.copyNs(cn, dstNode);
            }
        } else {
            if ((src & SWAPCACHE) != 0) {
                k.swap.zapSwapCache(src); // the source frame and the slot that cached it both go
            } else {
                k.nodes[srcNode].free(PageState.id(src));
            }
            k.stat.inc(Counter.HOST_PAGE_COPIES);
            MovementAccounting.pageCopy(k.stat, srcNode, dstNode, MovedFrom.NODE);
            op.ns += k.links.transfer(srcNode, dstNode, k.now(), CostModel.PAGE_SIZE) + k.cost.copyNs(srcNode, dstNode);
        }
        loc.set(srcGfn, PageState.UNBACKED_WORD);
        // migrated pages keep their young bit (folio_migrate_flags), as the guest's copy leaves its destination young
        // the destination's EPT entry is made at the guest's first touch (an EPT violation, as a naive copy's destination)
        if (fromSwap && !cached && k.swaps[PageState.nodeOrDevice(src)].profile().synchronousIo()) {
            // zram (SWP_SYNCHRONOUS_IO): do_swap_page skips the swap cache and the slot is freed, as a naive swap-in's
            k.swaps[PageState.nodeOrDevice(src)].free(PageState.id(src));
            loc.set(dstGfn, PageState.resident(dstNode, pfn) | ACCESSED | EPT_UNMAPPED);
        } else if (fromSwap && !cached) {
            // the read at the destination is do_swap_page's (MADV_POPULATE_READ, a read fault): the page enters the
            // swap cache clean and keeps its slot, and should_try_to_free_swap frees the slot only when swap is full
            SwapDevice d = k.swaps[PageState.nodeOrDevice(src)];
            k.swap.addToSwapCache(d, PageState.id(src), FrameOwner.of(vm, dstGfn), dstNode, pfn);
            loc.set(dstGfn, PageState.resident(dstNode, pfn) | SWAPCACHE | ACCESSED | EPT_UNMAPPED);
            if (k.swap.vmSwapFull()) {
                k.swap.freeSwap(vm, dstGfn, loc.word(dstGfn));
            }
        } else {
            loc.set(dstGfn, PageState.resident(dstNode, pfn) | ACCESSED | DIRTY | EPT_UNMAPPED);
        }
        return 0;
    }

    /**
     * Claims 2-5: remove the source mapping and map the new source location to the
     * destination; the data moves into the destination node on first touch (or never moves,
     * when it already is there). No byte moves now.
     */
    private void mapThenMigrate(int vm, int srcGfn, int dstGfn, long src, int dstNode, boolean fromSwap,
                                int srcNode) {
        GfnLocations loc = k.vm(vm);
        k.memory.zap(vm, dstGfn, loc.word(dstGfn));
        long flags = srcNode == dstNode ? 0 : MIGRATE_ON_TOUCH;
        long owner = FrameOwner.of(vm, dstGfn);
        if (fromSwap) {
            k.swaps[PageState.nodeOrDevice(src)].setOwner(PageState.id(src), owner);
        } else {
            k.nodes[srcNode].setOwner(PageState.id(src), owner);
        }
        if ((src & SWAPCACHE) != 0) {
            k.swap.reown(src, owner); // the swap-cache pair moves with the entry: its frame or slot too
            flags |= src & (SWAPCACHE | DIRTY);
        }
        loc.set(srcGfn, PageState.UNBACKED_WORD);
        if (!fromSwap && flags == 0) {
            flags = EPT_UNMAPPED; // already on the destination node: no migration on touch, but the EPT entry is new
        }
        loc.set(dstGfn, PageState.locationOnly(src) | flags | (fromSwap ? 0 : ACCESSED));
    }

    /**
     * A hypercall's batch ({@link dev.copyless.host.HostMemory#migratePages}): entries already
     * refused keep their status, the others are migrated one by one with their swap reads
     * plugged: submitted to the {@link BlockLayer} together when the batch is done, so a block
     * device serves them in flight together up to its queue depth, sharing its bandwidth.
     */
    long migratePages(int vm, int[] srcGfn, int[] dstGfn, int count, MigrationOrder order, int[] status) {
        BlkPlug plug = this.plug.start();
        long ns = 0;
        for (int i = 0; i < count; i++) {
            if (status[i] != Errno.OK) {
                continue;
            }
            long r = migrate(vm, srcGfn[i], dstGfn[i], order, plug);
            if (r < 0) {
                status[i] = (int) r;
            } else {
                ns += r;
            }
        }
        return ns + plug.finish(k.block, k.now());
    }
}
