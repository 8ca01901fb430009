package dev.copyless.kernel;

import static dev.copyless.mm.PageState.ACCESSED;
import static dev.copyless.mm.PageState.DIRTY;
import static dev.copyless.mm.PageState.EPT_UNMAPPED;
import static dev.copyless.mm.PageState.MIGRATE_ON_TOUCH;
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
import dev.copyless.swap.SwapDevice;

/**
 * The fault paths and what a guest does to its memory, as {@code mm/memory.c}: a guest access
 * that misses the EPT ({@code handle_mm_fault}: {@code do_anonymous_page} for a first touch,
 * {@code do_swap_page} for a swapped page (a minor fault when the swap cache has it), the
 * deferred migration of a map-then-migrate
 * destination, the promotion of a demoted page ({@link Promotion}) unless claim 12 holds it back),
 * the guest's page copy of a naive balancing migration (whose read of a moved source brings it
 * back to its source node first: the waste copyless removes), populating a gfn, and zapping a
 * gfn's backing ({@code zap_pte_range}, {@code MADV_DONTNEED}).
 */
final class Memory {
    private final Kernel k;

    Memory(Kernel k) {
        this.k = k;
    }

    /**
     * A guest access (a store when {@code write}) from a vCPU on {@code cpuNode} that missed
     * the fast path; see {@link dev.copyless.host.HostMemory#touch}.
     */
    long touch(int vm, int gfn, int cpuNode, boolean write) {
        Op op = k.enter();
        try {
            fault(op, vm, gfn, cpuNode, false, write, MovedFrom.NOT_MOVED, "handling a guest access");
            GfnLocations loc = k.vm(vm);
            long word = loc.word(gfn);
            if (PageState.isPoisoned(word)) {
                k.stat.inc(Counter.HWPOISON_FAULTS); // VM_FAULT_HWPOISON: KVM injects a machine check into the guest
            } else {
                loc.setFlags(gfn, word | (write ? ACCESSED | DIRTY : ACCESSED));
            }
            return op.ns + k.cost.accessNs(cpuNode, PageState.nodeOrDevice(word));
        } finally {
            k.exit(op);
        }
    }

    /**
     * Makes a gfn resident wherever the host's policy wants it: the EPT-violation path.
     *
     * @param cpuNode       the host node of the faulting vCPU (tiering mode promotes only towards it)
     * @param balancingRead the naive balancer's read of a moved page (bring-back accounting)
     * @param write         a store ({@code FAULT_FLAG_WRITE}): a swap-cache page's slot is freed
     * @param moved         whether the data this fault moves completes the balancing migration of a moved page
     * @param what          what the caller was doing, for the out-of-memory message
     */
    private void fault(Op op, int vm, int gfn, int cpuNode, boolean balancingRead, boolean write, MovedFrom moved,
                       String what) {
        GfnLocations loc = k.vm(vm);
        long word = loc.word(gfn);
        int pinned = loc.pinnedNode(gfn);
        switch (PageState.kind(word)) {
            case PageState.UNBACKED -> doAnonymousPage(op, vm, gfn, pinned, what);
            case PageState.POISONED -> op.ns += k.cost.eptFaultNs; // the data is gone: nothing to map
            case PageState.SWAPPED -> doSwapPage(op, vm, gfn, word, pinned, balancingRead, write, moved, what);
            default -> residentFault(op, vm, gfn, word, pinned, cpuNode, moved);
        }
    }

    /** {@code do_anonymous_page}: a first touch gets a zeroed frame on the pinned node. */
    private void doAnonymousPage(Op op, int vm, int gfn, int pinned, String what) {
        op.ns += k.cost.eptFaultNs;
        int pfn = k.alloc.allocFrame(op, pinned, vm, gfn, false);
        if (pfn < 0) {
            throw k.alloc.oom(pinned, what);
        }
        k.shadow.populate(vm, gfn, pinned, pfn);
        k.vm(vm).set(gfn, PageState.resident(pinned, pfn) | DIRTY); // a new anonymous page is dirty
        k.stat.inc(Counter.PGALLOC_ZERO);
        op.ns += k.cost.zeroPageNs;
    }

    /**
     * {@code do_swap_page}. A gfn whose data is in the swap cache is a minor fault: its frame
     * is mapped where it is, no device read ({@code swap_cache_get_folio}); a map-then-migrate
     * destination's frame is then moved into the pinned node (one movement). Otherwise a major
     * fault reads the slot into the pinned node (the deferred migration of a map-then-migrate
     * destination, claims 3-5, when it carries migrate-on-touch) and reads ahead, except on a
     * {@code SWP_SYNCHRONOUS_IO} device (zram). Last, {@code should_try_to_free_swap}: a store,
     * or less than half of the swap free ({@code vm_swap_full}), frees the page's slot.
     */
    private void doSwapPage(Op op, int vm, int gfn, long word, int pinned, boolean balancingRead, boolean write,
                            MovedFrom moved, String what) {
        op.ns += k.cost.eptFaultNs;
        boolean migrateOnTouch = (word & MIGRATE_ON_TOUCH) != 0;
        if ((word & SWAPCACHE) != 0) {
            long w = k.swap.mapSwapCache(vm, gfn, word);
            if (migrateOnTouch) {
                w &= ~MIGRATE_ON_TOUCH;
                k.vm(vm).setFlags(gfn, w);
                if (PageState.nodeOrDevice(w) != pinned) {
                    k.migrate.moveFrame(op, vm, gfn, w, pinned, false, 0, MovedFrom.SWAPCACHE); // no room: stays remote
                }
            }
        } else {
            k.stat.inc(Counter.PGMAJFAULT);
            boolean bringBack = balancingRead && !migrateOnTouch;
            int io = k.swap.swapIn(op, vm, gfn, word, pinned, bringBack, migrateOnTouch ? MovedFrom.SWAP : moved);
            if (io == PageIo.IO_NO_FRAME) {
                throw k.alloc.oom(pinned, what);
            }
            if (io != PageIo.IO_OK) {
                return; // lost: the gfn is poisoned
            }
            if (bringBack) {
                k.stat.inc(Counter.PAGES_BROUGHT_BACK);
            }
            SwapDevice dev = k.swaps[PageState.nodeOrDevice(word)];
            if (k.config.pageCluster() > 0 && !dev.profile().synchronousIo()) {
                k.swap.swapinReadahead(op, vm, gfn, word, pinned);
            }
        }
        long now = k.vm(vm).word(gfn);
        if ((now & SWAPCACHE) != 0 && PageState.isResident(now) && (write || k.swap.vmSwapFull())) {
            k.swap.freeSwap(vm, gfn, now);
        }
    }

    /**
     * A fault on a resident gfn: the deferred migration of a map-then-migrate destination that is resident on another node,
     * or the promotion of a demoted page unless hold-back (claim 12) keeps it where it is: in
     * tiering mode the host's hinting fault on a page its scanner marked ({@link NumaTiering#hintFault}),
     * in on-touch mode on the first touch after demotion; or the EPT violation that maps again a
     * page whose mapping the host changed ({@link PageState#EPT_UNMAPPED}: {@code kvm_mmu_page_fault}
     * finds the host page present).
     */
    private void residentFault(Op op, int vm, int gfn, long word, int pinned, int cpuNode, MovedFrom moved) {
        GfnLocations loc = k.vm(vm);
        if ((word & EPT_UNMAPPED) != 0) {
            word &= ~EPT_UNMAPPED;
            loc.setFlags(gfn, word);
            if ((word & (MIGRATE_ON_TOUCH | PROMOTE_ON_TOUCH)) == 0) {
                op.ns += k.cost.eptFaultNs; // otherwise the fault below is the one EPT violation
                k.stat.inc(Counter.EPT_REMAP_FAULTS);
                return;
            }
        }
        if ((word & MIGRATE_ON_TOUCH) != 0) {
            op.ns += k.cost.eptFaultNs;
            if (!k.migrate.moveFrame(op, vm, gfn, word, pinned, false, 0, MovedFrom.NODE)) {
                loc.setFlags(gfn, word & ~(MIGRATE_ON_TOUCH | PROMOTE_ON_TOUCH)); // no room: stay remote
            }
        } else if ((word & PROMOTE_ON_TOUCH) != 0 && k.tiering.enabled()) {
            k.tiering.hintFault(op, vm, gfn, word, pinned, cpuNode, moved);
        } else if ((word & PROMOTE_ON_TOUCH) != 0) {
            op.ns += k.cost.eptFaultNs;
            if (k.holdBack(vm)) {
                k.stat.inc(Counter.HOLDBACK_SKIPPED);
                loc.setFlags(gfn, word & ~PROMOTE_ON_TOUCH);
            } else if (k.migrate.moveFrame(op, vm, gfn, word, pinned, true, 0, moved)) {
                k.stat.inc(Counter.PGMIGRATE_SUCCESS);
                k.stat.inc(Counter.PGPROMOTE_SUCCESS);
                k.stat.inc(Counter.PAGES_BROUGHT_BACK);
            } else {
                loc.setFlags(gfn, word & ~PROMOTE_ON_TOUCH);
            }
        }
    }

    /** The guest's page copy of a balancing migration; see {@link dev.copyless.host.HostMemory#copy}. */
    long copy(int vm, int srcGfn, int dstGfn) {
        Op op = k.enter();
        try {
            return copy(op, vm, srcGfn, dstGfn);
        } finally {
            k.exit(op);
        }
    }

    private long copy(Op op, int vm, int srcGfn, int dstGfn) {
        GfnLocations loc = k.vm(vm);
        long before = loc.word(srcGfn);
        MovedFrom moved = MovedFrom.of(before, loc.isMoved(srcGfn, before));
        // the copy runs on the vCPU that took the guest's hinting fault, on the destination vNode's node
        int cpuNode = loc.pinnedNode(dstGfn);
        fault(op, vm, srcGfn, cpuNode, true, false, moved, "reading the source page of a guest page copy");
        if (PageState.isPoisoned(loc.word(srcGfn))) {
            return -Errno.EIO; // the guest's machine-check-safe copy (folio_mc_copy) fails: nothing copied
        }
        op.isolated = FrameOwner.of(vm, srcGfn); // the destination's direct reclaim must not evict the source
        if (PageState.isPoisoned(loc.word(dstGfn))) {
            zap(vm, dstGfn, loc.word(dstGfn)); // overwritten whole: the poisoned entry goes
        }
        fault(op, vm, dstGfn, cpuNode, false, true, MovedFrom.NOT_MOVED,
                "writing the destination page of a guest page copy");
        if (PageState.isPoisoned(loc.word(dstGfn))) {
            return -Errno.EIO; // a still-swapped destination could not be read in: the copy's write faults, nothing copied
        }
        long src = loc.word(srcGfn) | ACCESSED;
        long dst = loc.word(dstGfn);
        if ((dst & SWAPCACHE) != 0) {
            dst = k.swap.freeSwap(vm, dstGfn, dst); // the copy's store: should_try_to_free_swap
        }
        dst |= ACCESSED | DIRTY;
        loc.setFlags(srcGfn, src);
        loc.setFlags(dstGfn, dst);
        int from = PageState.nodeOrDevice(src);
        int to = PageState.nodeOrDevice(dst);
        k.store.copyFrame(from, PageState.id(src), to, PageState.id(dst));
        k.shadow.expect(vm, dstGfn, k.shadow.expected(vm, srcGfn));
        MovementAccounting.pageCopy(k.stat, from, to, moved);
        op.ns += k.links.transfer(from, to, k.now(), CostModel.PAGE_SIZE) + k.cost.copyNs(from, to);
        k.stat.inc(Counter.GUEST_PAGE_COPIES);
        return op.ns;
    }

    /** Backs an unbacked gfn with a zeroed frame on its pinned node. */
    long populate(int vm, int gfn) {
        if (PageState.kind(k.vm(vm).word(gfn)) != PageState.UNBACKED) {
            return 0;
        }
        Op op = k.enter();
        try {
            fault(op, vm, gfn, k.vm(vm).pinnedNode(gfn), false, false, MovedFrom.NOT_MOVED, "populating a guest page");
            return op.ns;
        } finally {
            k.exit(op);
        }
    }

    /**
     * {@code zap_pte_range}: frees whatever backs a gfn (its content is dead, the bytes are
     * dropped); the gfn becomes unbacked.
     */
    void zap(int vm, int gfn, long word) {
        if ((word & SWAPCACHE) != 0) {
            k.swap.zapSwapCache(word);
            k.shadow.expect(vm, gfn, 0);
            k.vm(vm).unback(gfn);
            return;
        }
        switch (PageState.kind(word)) {
            case PageState.RESIDENT -> k.nodes[PageState.nodeOrDevice(word)].free(PageState.id(word));
            case PageState.SWAPPED -> k.swaps[PageState.nodeOrDevice(word)].free(PageState.id(word));
            case PageState.POISONED -> k.failure.forget(vm, gfn);
            default -> { }
        }
        k.shadow.expect(vm, gfn, 0);
        k.vm(vm).unback(gfn);
    }
}
