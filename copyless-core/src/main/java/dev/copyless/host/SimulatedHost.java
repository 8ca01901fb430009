package dev.copyless.host;

import static dev.copyless.mm.PageState.ACCESSED;
import static dev.copyless.mm.PageState.MIGRATE_ON_TOUCH;
import static dev.copyless.mm.PageState.PROMOTE_ON_TOUCH;
import static dev.copyless.mm.PageState.READAHEAD;

import dev.copyless.metrics.Counter;
import dev.copyless.metrics.VmStat;
import dev.copyless.mm.Errno;
import dev.copyless.mm.MigrationOrder;
import dev.copyless.mm.PageState;
import dev.copyless.sim.CostModel;
import dev.copyless.sim.Engine;
import dev.copyless.swap.SwapDevice;
import java.util.ArrayList;
import java.util.List;

/**
 * The simulated host: NUMA nodes, swap devices, per-VM gfn location words, kswapd, direct
 * reclaim, swap readahead, demotion and promotion, and the host side of copyless migration.
 * Time is virtual: operations return the nanoseconds they cost under the {@link CostModel};
 * background agents ({@link Kswapd}, {@link DemotionAgent}) run on the {@link Engine}.
 *
 * <p>Implements the host machine of claims 1 and 14: it performs first migrations
 * independently of the guests (reclaim to swap, claim 11; demotion to another node, claim 1),
 * reports every location change through the VM's {@link MmuNotifier} (feeding claim 10's
 * list), carries out requested migrations from the new source location in both orders
 * ({@link #migrate}: claims 2-8, 15-19), and holds moved pages back from their source node
 * while hold-back is on (claim 12).
 *
 * <p>Single-threaded: all calls come from the engine thread. Accounting of "moved page"
 * movements uses a context ({@link #movedCtx}) set by {@link #copy} and {@link #migrate} and
 * by the first touch of a map-then-migrate destination.
 */
public final class SimulatedHost implements HostMemory {
    private static final int CTX_NONE = 0;
    private static final int CTX_NODE = 1;
    private static final int CTX_SWAP = 2;

    private final HostNode[] nodes;
    private final SwapDevice[] swaps;
    private final CostModel cost;
    private final VmStat stat;
    private final Engine engine;
    private final HostConfig config;
    private final Kswapd[] kswapd;

    private final List<long[]> states = new ArrayList<>();
    private final List<int[]> vnodeStarts = new ArrayList<>();
    private final List<int[]> vnodeNodes = new ArrayList<>();
    private final List<MmuNotifier> notifiers = new ArrayList<>();
    private boolean[] holdBack = new boolean[0];

    /** Readahead pages touched since the last window computation ({@code swapin_readahead_hits}). */
    private int readaheadHits;
    /** Previous readahead window and the slot it was computed for ({@code __swapin_nr_pages} state). */
    private int lastReadaheadWindow = 1;
    private int prevReadaheadSlot = -2;

    /** True while {@link #migratePages} runs: swap reads are queued together instead of one by one. */
    private boolean batchIo;
    private long batchIoLatency;
    private long batchIoTransfer;

    /** Nanoseconds accumulated by the operation in progress. */
    private long opNs;
    /** Whether data movements made now complete a balancing migration of a moved page. */
    private int movedCtx = CTX_NONE;
    /** Owner word of the page a guest copy is reading: isolated from reclaim until the copy is done. */
    private long isolated = FrameOwner.FREE;

    public SimulatedHost(HostNode[] nodes, SwapDevice[] swaps, CostModel cost, VmStat stat, Engine engine,
                         HostConfig config) {
        if (nodes.length > PageState.MAX_NODES || swaps.length > PageState.MAX_NODES) {
            throw new IllegalArgumentException("at most " + PageState.MAX_NODES + " nodes and swap devices");
        }
        this.nodes = nodes;
        this.swaps = swaps;
        this.cost = cost;
        this.stat = stat;
        this.engine = engine;
        this.config = config;
        this.kswapd = new Kswapd[nodes.length];
        for (int i = 0; i < nodes.length; i++) {
            kswapd[i] = new Kswapd(this, nodes[i]);
        }
    }

    // ------------------------------------------------------------------ registry and queries

    @Override
    public int nodeCount() {
        return nodes.length;
    }

    public HostNode node(int id) {
        return nodes[id];
    }

    public SwapDevice swapDevice(int id) {
        return swaps[id];
    }

    public int swapDeviceCount() {
        return swaps.length;
    }

    public HostConfig config() {
        return config;
    }

    public int vmCount() {
        return states.size();
    }

    @Override
    public int registerVm(int gfns, int[] vnodeStart, int[] vnodeNode, MmuNotifier notifier) {
        for (int n : vnodeNode) {
            if (n < 0 || n >= nodes.length) {
                throw new IllegalArgumentException("vNode pinned to node " + n + ", host has " + nodes.length);
            }
        }
        int vm = states.size();
        states.add(new long[gfns]);
        vnodeStarts.add(vnodeStart.clone());
        vnodeNodes.add(vnodeNode.clone());
        notifiers.add(notifier);
        holdBack = java.util.Arrays.copyOf(holdBack, vm + 1);
        return vm;
    }

    @Override
    public void setHoldBack(int vm, boolean on) {
        holdBack[vm] = on;
    }

    /**
     * The VM's location words, for the vCPU access fast path and the invariant checker only:
     * callers may set {@link PageState#ACCESSED} and nothing else.
     */
    @Override
    public long[] stateArray(int vm) {
        return states.get(vm);
    }

    @Override
    public long locate(int vm, int gfn) {
        return states.get(vm)[gfn];
    }

    @Override
    public int pinnedNode(int vm, int gfn) {
        int[] starts = vnodeStarts.get(vm);
        int v = starts.length - 1;
        while (starts[v] > gfn) {
            v--;
        }
        return vnodeNodes.get(vm)[v];
    }

    @Override
    public boolean isMoved(int vm, int gfn) {
        return isMoved(vm, gfn, states.get(vm)[gfn]);
    }

    private boolean isMoved(int vm, int gfn, long word) {
        return switch (PageState.kind(word)) {
            case PageState.SWAPPED -> true;
            case PageState.RESIDENT -> PageState.nodeOrDevice(word) != pinnedNode(vm, gfn);
            default -> false;
        };
    }

    /** Sets a gfn's word and tells the VM's notifier when its location changed. */
    private void setState(int vm, int gfn, long word) {
        long[] st = states.get(vm);
        long old = st[gfn];
        st[gfn] = word;
        if (PageState.locationOnly(old) != PageState.locationOnly(word)) {
            notifiers.get(vm).locationChanged(gfn, word, isMoved(vm, gfn, word));
        }
    }

    // ------------------------------------------------------------------ frames and reclaim

    /**
     * Allocates a frame on {@code nodeId} for (vm, gfn), reclaiming directly when the node is
     * at its min watermark and waking kswapd below low.
     *
     * @param bringBack true when the page is coming back to its source node (accounting of
     *                  {@code evictions_caused})
     * @return the pfn, or -1 when the node has no frame even after direct reclaim
     */
    private int allocFrame(int nodeId, int vm, int gfn, boolean bringBack) {
        HostNode n = nodes[nodeId];
        if (n.freeFrames() <= n.wmark(Watermark.MIN)) {
            int saved = movedCtx;
            movedCtx = CTX_NONE;
            opNs += shrinkNode(n, config.reclaimBatch(), true);
            movedCtx = saved;
        }
        int pfn = n.allocate(FrameOwner.of(vm, gfn));
        if (pfn < 0) {
            return -1;
        }
        if (n.below(Watermark.LOW)) {
            wakeKswapd(n);
        }
        if (bringBack && n.below(Watermark.HIGH)) {
            n.bringBackDebt++;
        }
        return pfn;
    }

    private void wakeKswapd(HostNode n) {
        Kswapd k = kswapd[n.id()];
        if (!n.kswapdRunning) {
            n.kswapdRunning = true;
            stat.inc(Counter.KSWAPD_WAKE);
            engine.wake(k, engine.now());
        }
    }

    private HostOutOfMemoryException oom(int nodeId, String what) {
        HostNode n = nodes[nodeId];
        int freeSlots = 0;
        for (SwapDevice d : swaps) {
            freeSlots += d.freeSlots();
        }
        return new HostOutOfMemoryException("host node " + nodeId + " is out of memory while " + what + " ("
                + n.frames() + " frames, " + n.freeFrames() + " free, " + freeSlots
                + " free swap slots): give the node more memory or the host more swap, or shrink the workload");
    }

    /**
     * One reclaim pass over a node: the clock hand visits frames, clears accessed bits and
     * takes the first {@code nr} cold guest pages, demoting them when the node has a demotion
     * target with room, else writing them to swap ({@code shrink_folio_list}).
     *
     * @return nanoseconds the pass costs (scan plus the batch's I/O)
     */
    long shrinkNode(HostNode n, int nr, boolean direct) {
        int frames = n.frames();
        int reclaimed = 0;
        int swappedOut = 0;
        int scanned = 0;
        long ns = 0;
        int target = config.demotionTarget()[n.id()];
        SwapDevice lastDevice = null;
        while (reclaimed < nr && scanned < 2 * frames) {
            int pfn = n.clockHand;
            n.clockHand = pfn + 1 == frames ? 0 : pfn + 1;
            scanned++;
            long own = coldOwner(n, pfn);
            if (own < 0) {
                continue;
            }
            int vm = FrameOwner.vm(own);
            int gfn = FrameOwner.gfn(own);
            long word = states.get(vm)[gfn];
            if (target >= 0 && hasRoomAboveHigh(target)) {
                ns += demoteFrame(vm, gfn, word, target);
                stat.inc(direct ? Counter.PGDEMOTE_DIRECT : Counter.PGDEMOTE_KSWAPD);
            } else {
                SwapDevice d = swapOutFrame(vm, gfn, word);
                if (d == null) {
                    break; // swap full: nothing more can be reclaimed here
                }
                lastDevice = d;
                swappedOut++;
            }
            reclaimed++;
            if (n.bringBackDebt > 0) {
                n.bringBackDebt--;
                stat.inc(Counter.EVICTIONS_CAUSED);
            }
        }
        stat.add(direct ? Counter.PGSTEAL_DIRECT : Counter.PGSTEAL_KSWAPD, reclaimed);
        ns += scanned * cost.reclaimScanNs;
        if (lastDevice != null) {
            ns += lastDevice.profile().batchWriteNs(swappedOut);
        }
        return ns;
    }

    /**
     * One step of a clock hand: the owner of frame {@code pfn} if it holds a guest page that
     * was not accessed since the hand's last visit; otherwise clears the accessed bit (the
     * page gets a second chance) and returns -1. Free, reserved and isolated frames give -1.
     */
    private long coldOwner(HostNode n, int pfn) {
        long own = n.owner(pfn);
        if (!FrameOwner.isGuestPage(own) || own == isolated) {
            return -1;
        }
        long[] st = states.get(FrameOwner.vm(own));
        int gfn = FrameOwner.gfn(own);
        long word = st[gfn];
        if ((word & ACCESSED) != 0) {
            st[gfn] = word & ~ACCESSED;
            return -1;
        }
        return own;
    }

    /** Whether a node can take a demoted page and stay at or above its high watermark. */
    private boolean hasRoomAboveHigh(int node) {
        return !nodes[node].below(Watermark.HIGH) && nodes[node].freeFrames() > 0;
    }

    /** Writes a resident page to the first swap device with a free slot; null when all are full. */
    private SwapDevice swapOutFrame(int vm, int gfn, long word) {
        for (SwapDevice d : swaps) {
            int slot = d.allocate(FrameOwner.of(vm, gfn));
            if (slot >= 0) {
                nodes[PageState.nodeOrDevice(word)].free(PageState.id(word));
                setState(vm, gfn, PageState.swapped(d.id(), slot) | (word & MIGRATE_ON_TOUCH));
                stat.inc(Counter.PSWPOUT);
                return d;
            }
        }
        return null;
    }

    /** Moves a resident page's data to a frame on {@code target}; the caller checked there is room. */
    private long demoteFrame(int vm, int gfn, long word, int target) {
        int from = PageState.nodeOrDevice(word);
        int pfn = nodes[target].allocate(FrameOwner.of(vm, gfn));
        nodes[from].free(PageState.id(word));
        if (nodes[target].below(Watermark.LOW)) {
            wakeKswapd(nodes[target]);
        }
        // a map-then-migrate page moved into its destination node has nothing left to migrate
        long flags = target == pinnedNode(vm, gfn) ? 0 : word & MIGRATE_ON_TOUCH;
        if (config.promoteOnTouch() && target != pinnedNode(vm, gfn)) {
            flags |= PROMOTE_ON_TOUCH;
        }
        setState(vm, gfn, PageState.resident(target, pfn) | flags);
        stat.inc(Counter.PGMIGRATE_SUCCESS);
        stat.inc(Counter.HOST_PAGE_COPIES);
        return copyData(from, target);
    }

    /** One 4 KiB node-to-node copy: cost and interconnect accounting. */
    private long copyData(int from, int to) {
        if (from != to) {
            stat.add(Counter.INTERCONNECT_BYTES, CostModel.PAGE_SIZE);
            if (movedCtx != CTX_NONE) {
                stat.add(Counter.MOVED_PAGE_INTERCONNECT_BYTES, CostModel.PAGE_SIZE);
                if (movedCtx == CTX_SWAP) {
                    stat.add(Counter.SWAPPED_PAGE_INTERCONNECT_BYTES, CostModel.PAGE_SIZE);
                }
            }
        }
        if (movedCtx != CTX_NONE) {
            stat.inc(Counter.MOVED_PAGE_DATA_MOVEMENTS);
        }
        return cost.copyNs(from, to);
    }

    /**
     * {@code do_swap_page}: reads a swapped gfn into a new frame on {@code nodeId} and frees
     * its slot (no swap cache is modelled).
     *
     * @return false if no frame could be found (state unchanged)
     */
    private boolean swapIn(int vm, int gfn, long word, int nodeId, boolean bringBack, long extraFlags) {
        int pfn = allocFrame(nodeId, vm, gfn, bringBack);
        if (pfn < 0) {
            return false;
        }
        SwapDevice d = swaps[PageState.nodeOrDevice(word)];
        d.free(PageState.id(word));
        setState(vm, gfn, PageState.resident(nodeId, pfn) | extraFlags);
        stat.inc(Counter.PSWPIN);
        if (movedCtx != CTX_NONE) {
            stat.inc(Counter.MOVED_PAGE_DATA_MOVEMENTS);
        }
        opNs += d.profile().pageReadNs();
        return true;
    }

    /** Moves a resident gfn's frame to {@code nodeId} (promotion, migrate-on-touch, requested migration). */
    private boolean moveFrame(int vm, int gfn, long word, int nodeId, boolean bringBack, long extraFlags) {
        int from = PageState.nodeOrDevice(word);
        int pfn = allocFrame(nodeId, vm, gfn, bringBack);
        if (pfn < 0) {
            return false;
        }
        nodes[from].free(PageState.id(word));
        setState(vm, gfn, PageState.resident(nodeId, pfn) | extraFlags);
        stat.inc(Counter.HOST_PAGE_COPIES);
        opNs += copyData(from, nodeId);
        return true;
    }

    /**
     * {@code swapin_readahead}: after a demand swap-in of {@code slot}, reads the other used
     * slots of its aligned {@code 1 << page-cluster} window back into their owners' pinned
     * nodes, without direct reclaim. Pages of VMs under hold-back stay where they are
     * (claim 12). Asynchronous: costs the faulting vCPU nothing.
     */
    private void swapinReadahead(SwapDevice d, int slot) {
        int window = swapinNrPages(slot);
        if (window <= 1) {
            return;
        }
        int start = slot & -window;
        int end = Math.min(start + window, d.slots());
        int saved = movedCtx;
        movedCtx = CTX_NONE;
        long savedNs = opNs;
        for (int s = start; s < end; s++) {
            long own = d.owner(s);
            if (s == slot || !FrameOwner.isGuestPage(own)) {
                continue;
            }
            int vm = FrameOwner.vm(own);
            int gfn = FrameOwner.gfn(own);
            long word = states.get(vm)[gfn];
            if ((word & MIGRATE_ON_TOUCH) != 0) {
                continue; // the data's destination is decided: its first touch will read it
            }
            if (holdBack[vm]) {
                stat.inc(Counter.HOLDBACK_SKIPPED);
                continue;
            }
            HostNode n = nodes[pinnedNode(vm, gfn)];
            if (n.freeFrames() <= n.wmark(Watermark.MIN)) {
                break;
            }
            if (swapIn(vm, gfn, word, n.id(), true, READAHEAD)) {
                stat.inc(Counter.SWAP_RA);
                stat.inc(Counter.PAGES_BROUGHT_BACK);
            }
        }
        opNs = savedNs;
        movedCtx = saved;
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
        pages = Math.min(pages, 1 << config.pageCluster());
        pages = Math.max(pages, lastReadaheadWindow / 2);
        lastReadaheadWindow = pages;
        prevReadaheadSlot = slot;
        return pages;
    }

    // ------------------------------------------------------------------ HostMemory operations

    @Override
    public long touch(int vm, int gfn, int cpuNode) {
        opNs = 0;
        fault(vm, gfn, false, "handling a guest access");
        long word = states.get(vm)[gfn];
        states.get(vm)[gfn] = word | ACCESSED;
        return opNs + cost.accessNs(cpuNode, PageState.nodeOrDevice(word));
    }

    /**
     * Makes a gfn resident wherever the host's policy wants it: the EPT-violation path.
     * {@code balancingRead} marks the naive balancer's read of a moved page (bring-back
     * accounting).
     */
    private void fault(int vm, int gfn, boolean balancingRead, String what) {
        long word = states.get(vm)[gfn];
        int pinned = pinnedNode(vm, gfn);
        switch (PageState.kind(word)) {
            case PageState.UNBACKED -> {
                opNs += cost.eptFaultNs;
                int pfn = allocFrame(pinned, vm, gfn, false);
                if (pfn < 0) {
                    throw oom(pinned, what);
                }
                setState(vm, gfn, PageState.resident(pinned, pfn));
                stat.inc(Counter.PGALLOC_ZERO);
                opNs += cost.zeroPageNs;
            }
            case PageState.SWAPPED -> {
                opNs += cost.eptFaultNs;
                stat.inc(Counter.PGMAJFAULT);
                boolean mot = (word & MIGRATE_ON_TOUCH) != 0;
                int saved = movedCtx;
                if (mot) {
                    movedCtx = CTX_SWAP; // claims 3-5: the deferred migration of a map-then-migrate request
                }
                boolean bringBack = balancingRead && !mot;
                if (!swapIn(vm, gfn, word, pinned, bringBack, 0)) {
                    movedCtx = saved;
                    throw oom(pinned, what);
                }
                movedCtx = saved;
                if (bringBack) {
                    stat.inc(Counter.PAGES_BROUGHT_BACK);
                }
                SwapDevice dev = swaps[PageState.nodeOrDevice(word)];
                if (config.pageCluster() > 0 && !dev.profile().synchronousIo()) {
                    swapinReadahead(dev, PageState.id(word)); // zram (SWP_SYNCHRONOUS_IO) has no readahead
                }
            }
            default -> {
                if ((word & READAHEAD) != 0) {
                    stat.inc(Counter.SWAP_RA_HIT);
                    readaheadHits++;
                    word &= ~READAHEAD;
                    states.get(vm)[gfn] = word;
                }
                if ((word & MIGRATE_ON_TOUCH) != 0) {
                    opNs += cost.eptFaultNs;
                    int saved = movedCtx;
                    movedCtx = CTX_NODE;
                    boolean ok = moveFrame(vm, gfn, word, pinned, false, 0);
                    movedCtx = saved;
                    if (!ok) { // no room on the destination: keep the mapping, stay remote
                        states.get(vm)[gfn] = word & ~(MIGRATE_ON_TOUCH | PROMOTE_ON_TOUCH);
                    }
                } else if ((word & PROMOTE_ON_TOUCH) != 0) {
                    opNs += cost.eptFaultNs;
                    if (holdBack[vm]) {
                        stat.inc(Counter.HOLDBACK_SKIPPED);
                        states.get(vm)[gfn] = word & ~PROMOTE_ON_TOUCH;
                    } else if (moveFrame(vm, gfn, word, pinned, true, 0)) {
                        stat.inc(Counter.PGMIGRATE_SUCCESS);
                        stat.inc(Counter.PGPROMOTE_SUCCESS);
                        stat.inc(Counter.PAGES_BROUGHT_BACK);
                    } else {
                        states.get(vm)[gfn] = word & ~PROMOTE_ON_TOUCH;
                    }
                }
            }
        }
    }

    @Override
    public long copy(int vm, int srcGfn, int dstGfn) {
        opNs = 0;
        long before = states.get(vm)[srcGfn];
        boolean moved = isMoved(vm, srcGfn, before);
        int saved = movedCtx;
        movedCtx = !moved ? CTX_NONE : PageState.isSwapped(before) ? CTX_SWAP : CTX_NODE;
        try {
            fault(vm, srcGfn, true, "reading the source page of a guest page copy");
            int ctx = movedCtx;
            movedCtx = CTX_NONE;
            isolated = FrameOwner.of(vm, srcGfn); // the destination's direct reclaim must not evict the source
            fault(vm, dstGfn, false, "writing the destination page of a guest page copy");
            movedCtx = ctx;
            long[] st = states.get(vm);
            st[srcGfn] |= ACCESSED;
            st[dstGfn] |= ACCESSED;
            opNs += copyData(PageState.nodeOrDevice(st[srcGfn]), PageState.nodeOrDevice(st[dstGfn]));
            stat.inc(Counter.GUEST_PAGE_COPIES);
        } finally {
            movedCtx = saved;
            isolated = FrameOwner.FREE;
        }
        return opNs;
    }

    @Override
    public long migrate(int vm, int srcGfn, int dstGfn, MigrationOrder order) {
        long[] st = states.get(vm);
        long src = st[srcGfn];
        if (!isMoved(vm, srcGfn, src)) {
            return -Errno.EAGAIN;
        }
        opNs = 0;
        int dstNode = pinnedNode(vm, dstGfn);
        boolean fromSwap = PageState.isSwapped(src);
        int srcNode = fromSwap ? -1 : PageState.nodeOrDevice(src);
        if (order == MigrationOrder.MIGRATE_BEFORE_MAP && srcNode != dstNode) {
            // claims 6-8: read from the new source location and write into the destination node, then map
            long dstWord = st[dstGfn];
            int pfn;
            if (PageState.isResident(dstWord) && PageState.nodeOrDevice(dstWord) == dstNode) {
                pfn = PageState.id(dstWord); // a freed gfn still backed there: its frame takes the data
            } else {
                pfn = allocFrame(dstNode, vm, dstGfn, false);
                if (pfn < 0) {
                    return -Errno.ENOMEM;
                }
                releaseBacking(vm, dstGfn, st[dstGfn]);
            }
            nodes[dstNode].setOwner(pfn, FrameOwner.of(vm, dstGfn));
            movedCtx = fromSwap ? CTX_SWAP : CTX_NODE;
            if (fromSwap) {
                SwapDevice d = swaps[PageState.nodeOrDevice(src)];
                d.free(PageState.id(src));
                stat.inc(Counter.PSWPIN);
                stat.inc(Counter.MOVED_PAGE_DATA_MOVEMENTS);
                if (batchIo && !d.profile().synchronousIo()) { // a block device takes the batch's reads at once
                    batchIoLatency = Math.max(batchIoLatency, d.profile().readNs());
                    batchIoTransfer += d.profile().transferNs();
                } else { // zram decompresses page by page on the CPU
                    opNs += d.profile().pageReadNs();
                }
            } else {
                nodes[srcNode].free(PageState.id(src));
                stat.inc(Counter.HOST_PAGE_COPIES);
                opNs += copyData(srcNode, dstNode);
            }
            movedCtx = CTX_NONE;
            setState(vm, srcGfn, PageState.UNBACKED_WORD);
            // migrated pages keep their young bit (folio_migrate_flags), as the guest's copy leaves its destination young
            setState(vm, dstGfn, PageState.resident(dstNode, pfn) | ACCESSED);
        } else {
            // claims 2-5: remove the source mapping and map the new source location to the destination;
            // the data moves into the destination node on first touch (or never moves, when it already is there)
            releaseBacking(vm, dstGfn, st[dstGfn]);
            long flags = srcNode == dstNode ? 0 : MIGRATE_ON_TOUCH;
            if (fromSwap) {
                swaps[PageState.nodeOrDevice(src)].setOwner(PageState.id(src), FrameOwner.of(vm, dstGfn));
            } else {
                nodes[srcNode].setOwner(PageState.id(src), FrameOwner.of(vm, dstGfn));
            }
            setState(vm, srcGfn, PageState.UNBACKED_WORD);
            setState(vm, dstGfn, PageState.locationOnly(src) | flags | (fromSwap ? 0 : ACCESSED));
        }
        return opNs;
    }

    @Override
    public long migratePages(int vm, int[] srcGfn, int[] dstGfn, int count, MigrationOrder order, int[] status) {
        long ns = 0;
        batchIo = true;
        batchIoLatency = 0;
        batchIoTransfer = 0;
        try {
            for (int i = 0; i < count; i++) {
                if (status[i] != Errno.OK) {
                    continue;
                }
                long r = migrate(vm, srcGfn[i], dstGfn[i], order);
                if (r < 0) {
                    status[i] = (int) r;
                } else {
                    ns += r;
                }
            }
        } finally {
            batchIo = false;
        }
        return ns + batchIoLatency + batchIoTransfer;
    }

    /** Frees whatever backs a gfn (its content is dead) without notifying; the caller sets the new word. */
    private void releaseBacking(int vm, int gfn, long word) {
        switch (PageState.kind(word)) {
            case PageState.RESIDENT -> nodes[PageState.nodeOrDevice(word)].free(PageState.id(word));
            case PageState.SWAPPED -> swaps[PageState.nodeOrDevice(word)].free(PageState.id(word));
            default -> { }
        }
        states.get(vm)[gfn] = PageState.UNBACKED_WORD;
        if (PageState.kind(word) != PageState.UNBACKED) {
            notifiers.get(vm).locationChanged(gfn, PageState.UNBACKED_WORD, false);
        }
    }

    @Override
    public long populate(int vm, int gfn) {
        opNs = 0;
        if (PageState.kind(states.get(vm)[gfn]) == PageState.UNBACKED) {
            fault(vm, gfn, false, "populating a guest page");
        }
        return opNs;
    }

    @Override
    public long pageOut(int vm, int gfn) {
        long word = states.get(vm)[gfn];
        if (!PageState.isResident(word)) {
            return 0;
        }
        SwapDevice d = swapOutFrame(vm, gfn, word);
        return d == null ? -Errno.ENOSPC : d.profile().pageWriteNs();
    }

    @Override
    public long demote(int vm, int gfn, int node) {
        long word = states.get(vm)[gfn];
        if (!PageState.isResident(word) || PageState.nodeOrDevice(word) == node) {
            return 0;
        }
        if (nodes[node].freeFrames() == 0) {
            return -Errno.ENOMEM;
        }
        stat.inc(Counter.PGDEMOTE_KSWAPD);
        return demoteFrame(vm, gfn, word, node);
    }

    @Override
    public void discard(int vm, int gfn) {
        releaseBacking(vm, gfn, states.get(vm)[gfn]);
    }

    // ------------------------------------------------------------------ agents' entry points

    /** kswapd's duty cycle for one node: one batch; returns ns spent, or -1 once the node is balanced. */
    long kswapdBatch(HostNode n) {
        if (!n.below(Watermark.HIGH)) {
            n.kswapdRunning = false;
            return -1;
        }
        int before = n.freeFrames();
        long ns = shrinkNode(n, config.reclaimBatch(), false);
        if (n.freeFrames() == before) {
            n.kswapdRunning = false; // nothing reclaimable: sleep until the next wakeup
            return -1;
        }
        return Math.max(ns, 1);
    }

    /**
     * The demotion agent's pass over one node: the tier hand visits {@code batch} frames,
     * ages accessed pages and demotes cold ones to the node's target while the target stays
     * above its high watermark (DAMOS {@code migrate_cold}).
     */
    int demotionPass(HostNode n, int batch) {
        int target = config.demotionTarget()[n.id()];
        if (target < 0) {
            return 0;
        }
        int demoted = 0;
        int frames = n.frames();
        for (int i = 0; i < batch; i++) {
            if (!hasRoomAboveHigh(target)) {
                break;
            }
            int pfn = n.tierHand;
            n.tierHand = pfn + 1 == frames ? 0 : pfn + 1;
            long own = coldOwner(n, pfn);
            if (own < 0) {
                continue;
            }
            int vm = FrameOwner.vm(own);
            int gfn = FrameOwner.gfn(own);
            demoteFrame(vm, gfn, states.get(vm)[gfn], target);
            stat.inc(Counter.PGDEMOTE_KSWAPD);
            demoted++;
        }
        return demoted;
    }

    @Override
    public void gauges(java.util.Map<String, Long> out) {
        long used = 0;
        for (SwapDevice d : swaps) {
            used += d.slots() - d.freeSlots();
        }
        out.put("swap_slots_used", used);
    }

    /** All kswapd agents (for tests and diagnostics). */
    public Kswapd kswapd(int node) {
        return kswapd[node];
    }

    CostModel cost() {
        return cost;
    }
}
