package dev.copyless.kernel;

import static dev.copyless.mm.PageState.DIRTY;
import static dev.copyless.mm.PageState.MIGRATE_ON_TOUCH;
import static dev.copyless.mm.PageState.EPT_UNMAPPED;
import static dev.copyless.mm.PageState.PROMOTE_ON_TOUCH;
import static dev.copyless.mm.PageState.SWAPCACHE;

import dev.copyless.clock.CostModel;
import dev.copyless.host.GfnLocations;
import dev.copyless.host.MovedFrom;
import dev.copyless.host.MovementAccounting;
import dev.copyless.metrics.Counter;
import dev.copyless.mm.Errno;
import dev.copyless.mm.FrameOwner;
import dev.copyless.mm.PageState;
import dev.copyless.mm.Promotion;

/**
 * Demotion to a lower memory tier, as {@code mm/memory-tiers.c} orders the nodes and
 * {@code demote_folio_list} moves pages: reclaim demotes instead of swapping while the node's
 * demotion target has room above its high watermark, and a proactive agent
 * ({@link DemotionAgent}, DAMOS {@code migrate_cold}) demotes cold pages each period. A
 * demoted page's new source location is a physical memory node (claim 1). With
 * {@code host.demotion.promotion: on-touch} a demoted page is marked to be promoted back on its
 * next touch ({@link Memory} does the promotion, unless claim 12 holds it back); in tiering mode
 * the host scanner marks demoted pages instead ({@link NumaTiering}).
 */
final class MemoryTiers {
    private final Kernel k;

    MemoryTiers(Kernel k) {
        this.k = k;
    }

    /**
     * Moves a resident page's data to a frame on {@code target}; the caller checked there is
     * room. Never part of a balancing migration. The copy asks for the link at {@code t}.
     *
     * @return nanoseconds of the copy, with its wait for the link
     */
    long demoteFrame(int vm, int gfn, long word, int target, long t) {
        GfnLocations loc = k.vm(vm);
        int from = PageState.nodeOrDevice(word);
        int pfn = k.nodes[target].allocate(FrameOwner.of(vm, gfn));
        k.nodes[from].free(PageState.id(word));
        if (k.nodes[target].below(Watermark.LOW)) {
            k.vmscan.wakeupKswapd(k.nodes[target]);
        }
        int pinned = loc.pinnedNode(gfn);
        // a map-then-migrate page moved into its destination node has nothing left to migrate
        long flags = target == pinned ? 0 : word & MIGRATE_ON_TOUCH;
        if (k.config.promotion().mode() == Promotion.Mode.ON_TOUCH && target != pinned) {
            flags |= PROMOTE_ON_TOUCH;
        }
        k.store.copyFrame(from, PageState.id(word), target, pfn);
        if ((word & SWAPCACHE) != 0) {
            k.swap.frameMoved(from, PageState.id(word), target, pfn); // migration keeps the swap cache
            flags |= word & (SWAPCACHE | DIRTY);
        }
        loc.set(gfn, PageState.resident(target, pfn) | flags | EPT_UNMAPPED); // the guest's next touch maps it again
        k.stat.inc(Counter.PGMIGRATE_SUCCESS);
        k.stat.inc(Counter.HOST_PAGE_COPIES);
        MovementAccounting.pageCopy(k.stat, from, target, MovedFrom.NOT_MOVED);
        return k.links.transfer(from, target, t, CostModel.PAGE_SIZE) + k.cost.copyNs(from, target);
    }

    /**
     * Demotes one resident gfn to {@code node} on request (a first migration the caller chooses).
     *
     * @return nanoseconds, 0 if the gfn is not resident or already there, {@code -ENOMEM} if
     *     the node has no free frame
     */
    long demote(int vm, int gfn, int node) {
        long word = k.vm(vm).word(gfn);
        if (!PageState.isResident(word) || PageState.nodeOrDevice(word) == node) {
            return 0;
        }
        if (k.nodes[node].freeFrames() == 0) {
            return -Errno.ENOMEM;
        }
        k.stat.inc(Counter.PGDEMOTE_KSWAPD);
        return demoteFrame(vm, gfn, word, node, k.now());
    }

    /**
     * The demotion agent's pass over one node: the tier hand visits {@code batch} frames,
     * ages accessed pages and demotes cold ones to the node's target while the target stays
     * above its high watermark.
     *
     * @return pages demoted
     */
    int demotionPass(HostNode n, int batch) {
        int target = k.config.demotionTarget()[n.id()];
        if (target < 0) {
            return 0;
        }
        int demoted = 0;
        long t = k.now(); // the agent's copies run one after the other
        for (int i = 0; i < batch; i++) {
            if (!k.alloc.hasRoomAboveHigh(target)) {
                break;
            }
            int pfn = n.advanceTierHand();
            long own = k.vmscan.coldOwner(n, pfn, FrameOwner.FREE);
            if (own < 0) {
                continue;
            }
            int vm = FrameOwner.vm(own);
            int gfn = FrameOwner.gfn(own);
            long word = k.vm(vm).word(gfn);
            if (!PageState.isResident(word)) {
                continue; // an unmapped swap-cache frame: reclaim drops it, demotion leaves it
            }
            t += demoteFrame(vm, gfn, word, target, t);
            k.stat.inc(Counter.PGDEMOTE_KSWAPD);
            demoted++;
        }
        return demoted;
    }

    /** One period of the demotion agent: a pass over every node. */
    void demotionPeriod() {
        for (HostNode n : k.nodes) {
            demotionPass(n, k.config.demotionBatch());
        }
    }
}
