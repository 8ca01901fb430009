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
import dev.copyless.swap.SwapFaults;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

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
 * <p>Data: every data movement (swap-out, swap-in and readahead, demotion, promotion,
 * migrate-on-touch, requested migrations, guest copies, first population) goes through a
 * {@link PageStore}. The default {@link ModelPageStore} moves nothing; in real-bytes mode
 * ({@link OffHeapPageStore}) 4 KiB really move, every population stamps a known content
 * ({@link PageContent}) and a per-VM shadow of expected tokens lets {@link #verifyAll()} check
 * that every backed gfn holds its own data. A remap (map-then-migrate) moves no bytes.
 *
 * <p>Faults: a {@link SwapFaults} injector can make {@code swap_writepage} fail (the page stays
 * resident), tear (caught by the slot's CRC32C at completion, then rewritten, or only at read),
 * be slow, and make {@code swap_read_folio} fail (retried; if it persists the page is lost). A
 * lost page is never silently wrong: its gfn becomes {@link PageState#POISONED} (the kernel's
 * poisoned swap entry; a guest access is {@code VM_FAULT_HWPOISON}), is counted
 * ({@code pages_poisoned}) and reported by {@link #verifyAll()} with its reason.
 *
 * <p>Single-threaded: all calls come from the engine thread. Accounting of "moved page"
 * movements uses a context ({@link #movedCtx}) set by {@link #copy} and {@link #migrate} and
 * by the first touch of a map-then-migrate destination.
 */
public final class SimulatedHost implements HostMemory, AutoCloseable {
    private static final int CTX_NONE = 0;
    private static final int CTX_NODE = 1;
    private static final int CTX_SWAP = 2;

    /** {@link #swapOutFrame} results besides a device id. */
    private static final int SWAP_FULL = -1;
    private static final int SWAP_WRITE_FAILED = -2;
    /** {@link #swapIn} and {@link #swapReadFolio} results. */
    private static final int IO_OK = 0;
    private static final int IO_NO_FRAME = 1;
    private static final int IO_ERROR = 2;
    private static final int IO_BAD_CHECKSUM = 3;

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

    private final PageStore store;
    private final SwapFaults faults;
    /** Real-bytes mode: per VM, the token each gfn's bytes must hold (0: unbacked); null entries otherwise. */
    private final List<long[]> expected = new ArrayList<>();
    /** Real-bytes mode: per VM, populations so far (the version of the next token). */
    private long[] populations = new long[0];
    /** Why each poisoned gfn ({@code vm << 32 | gfn}) was lost. */
    private final Map<Long, String> poisonReasons = new HashMap<>();
    /** Extra I/O nanoseconds (slow I/O, rewrites) of the swap writes made since the caller reset it. */
    private long writeExtraNs;

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

    /** A model host: no bytes, no faults. */
    public SimulatedHost(HostNode[] nodes, SwapDevice[] swaps, CostModel cost, VmStat stat, Engine engine,
                         HostConfig config) {
        this(nodes, swaps, cost, stat, engine, config, new ModelPageStore(), new SwapFaults(
                dev.copyless.swap.FaultConfig.NONE));
    }

    /**
     * A host whose pages live in {@code store} (it owns it and closes it in {@link #close()})
     * and whose swap I/O suffers {@code faults}.
     */
    public SimulatedHost(HostNode[] nodes, SwapDevice[] swaps, CostModel cost, VmStat stat, Engine engine,
                         HostConfig config, PageStore store, SwapFaults faults) {
        this.store = store;
        this.faults = faults;
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
        expected.add(store.real() ? new long[gfns] : null);
        populations = java.util.Arrays.copyOf(populations, vm + 1);
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
                int d = swapOutFrame(vm, gfn, word);
                if (d == SWAP_FULL) {
                    break; // swap full: nothing more can be reclaimed here
                }
                if (d == SWAP_WRITE_FAILED) {
                    states.get(vm)[gfn] |= ACCESSED; // the failed folio is activated: the hand passes it once
                    continue;
                }
                lastDevice = swaps[d];
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
        ns += writeExtraNs;
        writeExtraNs = 0;
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

    /**
     * Writes a resident page to the first swap device with a free slot.
     *
     * @return the device id, {@link #SWAP_FULL} when every device is full, or
     *     {@link #SWAP_WRITE_FAILED} when the write failed (the page stays resident, the slot is freed)
     */
    private int swapOutFrame(int vm, int gfn, long word) {
        for (SwapDevice d : swaps) {
            int slot = d.allocate(FrameOwner.of(vm, gfn));
            if (slot >= 0) {
                if (!swapWritepage(d, slot, word)) {
                    d.free(slot);
                    return SWAP_WRITE_FAILED;
                }
                nodes[PageState.nodeOrDevice(word)].free(PageState.id(word));
                setState(vm, gfn, PageState.swapped(d.id(), slot) | (word & MIGRATE_ON_TOUCH));
                stat.inc(Counter.PSWPOUT);
                return d.id();
            }
        }
        return SWAP_FULL;
    }

    /**
     * {@code swap_writepage}: writes the frame of a resident {@code word} into {@code slot}.
     * Under fault injection the write can fail ({@code EIO}), be slow, or tear. A torn write
     * that the device reports at completion ({@code end_swap_bio_write}) is found by the slot's
     * CRC32C while the folio is still in the swap cache, and written again (at most
     * {@link SwapFaults#MAX_WRITE_ATTEMPTS} attempts, then it counts as a failed write); a
     * silent one is only found when the slot is read.
     *
     * @return false when the page could not be written (it must stay resident)
     */
    private boolean swapWritepage(SwapDevice d, int slot, long word) {
        int node = PageState.nodeOrDevice(word);
        int pfn = PageState.id(word);
        if (!faults.enabled()) {
            store.writeSlot(node, pfn, d.id(), slot, PageContent.PAGE);
            return true;
        }
        for (int attempt = 1; ; attempt++) {
            writeExtraNs += slowIo();
            if (faults.writeError()) {
                stat.inc(Counter.SWAP_WRITE_ERRORS);
                return false;
            }
            if (!faults.tornWrite()) {
                store.writeSlot(node, pfn, d.id(), slot, PageContent.PAGE);
                return true;
            }
            stat.inc(Counter.SWAP_TORN_WRITES);
            store.writeSlot(node, pfn, d.id(), slot, faults.tornBytes());
            if (faults.tornWriteSilent() || store.slotIntact(d.id(), slot)) {
                return true; // acknowledged (only a read will find it), or torn over identical data
            }
            stat.inc(Counter.SWAP_CHECKSUM_FAILURES);
            if (attempt == SwapFaults.MAX_WRITE_ATTEMPTS) {
                stat.inc(Counter.SWAP_WRITE_ERRORS);
                return false;
            }
            stat.inc(Counter.SWAP_REWRITES);
            writeExtraNs += d.profile().pageWriteNs();
        }
    }

    /** Draws a slow I/O: counts it and returns its extra time. */
    private long slowIo() {
        long extra = faults.slowIoNs();
        if (extra > 0) {
            stat.inc(Counter.SWAP_SLOW_IO);
        }
        return extra;
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
        store.copyFrame(from, PageState.id(word), target, pfn);
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
     * its slot (no swap cache is modelled). A read that fails for good loses the page: for a
     * demand read the gfn becomes poisoned; for readahead ({@code async}) it stays swapped, and
     * its own fault will try again.
     *
     * @return {@link #IO_OK}, {@link #IO_NO_FRAME} (state unchanged), or {@link #IO_ERROR} /
     *     {@link #IO_BAD_CHECKSUM} (the read failed: poisoned, or unchanged if async)
     */
    private int swapIn(int vm, int gfn, long word, int nodeId, boolean bringBack, long extraFlags, boolean async) {
        int pfn = allocFrame(nodeId, vm, gfn, bringBack);
        if (pfn < 0) {
            return IO_NO_FRAME;
        }
        SwapDevice d = swaps[PageState.nodeOrDevice(word)];
        int io = swapReadFolio(d, PageState.id(word), nodeId, pfn, async);
        if (io != IO_OK) {
            nodes[nodeId].free(pfn);
            if (!async) {
                poison(vm, gfn, word, io);
            }
            return io;
        }
        d.free(PageState.id(word));
        setState(vm, gfn, PageState.resident(nodeId, pfn) | extraFlags);
        stat.inc(Counter.PSWPIN);
        if (movedCtx != CTX_NONE) {
            stat.inc(Counter.MOVED_PAGE_DATA_MOVEMENTS);
        }
        opNs += d.profile().pageReadNs();
        return IO_OK;
    }

    /**
     * {@code swap_read_folio}: reads a slot into a frame. Under fault injection a read can be
     * slow or fail with {@code EIO}; a failed read is retried up to
     * {@link SwapFaults#MAX_READ_RETRIES} times (not for readahead, which just gives up), unless
     * the error is persistent. A read that succeeds is checked against the slot's CRC32C.
     *
     * @return {@link #IO_OK}, {@link #IO_ERROR} or {@link #IO_BAD_CHECKSUM}
     */
    private int swapReadFolio(SwapDevice d, int slot, int node, int pfn, boolean async) {
        if (faults.enabled()) {
            boolean bad = false;
            for (int attempt = 0; ; attempt++) {
                opNs += slowIo();
                if (!bad && !faults.readError()) {
                    break;
                }
                stat.inc(Counter.SWAP_READ_ERRORS);
                if (!bad && faults.readErrorPersistent()) {
                    bad = true; // a bad sector: every retry fails (a later write to the slot remaps it)
                }
                if (async || attempt == SwapFaults.MAX_READ_RETRIES) {
                    return IO_ERROR;
                }
                stat.inc(Counter.SWAP_READ_RETRIES);
                opNs += d.profile().pageReadNs();
            }
        }
        if (!store.readSlot(d.id(), slot, node, pfn)) {
            stat.inc(Counter.SWAP_CHECKSUM_FAILURES);
            return IO_BAD_CHECKSUM;
        }
        return IO_OK;
    }

    /**
     * The host lost a swapped page: its slot is freed and the gfn gets a poisoned entry (no
     * frame, no slot; a guest access is a machine check), remembered with its reason for
     * {@link #verifyAll()}. Nothing will ever present other data as this page's.
     */
    private void poison(int vm, int gfn, long word, int io) {
        int dev = PageState.nodeOrDevice(word);
        int slot = PageState.id(word);
        swaps[dev].free(slot);
        setState(vm, gfn, PageState.poisoned(pinnedNode(vm, gfn)));
        stat.inc(Counter.PAGES_POISONED);
        poisonReasons.put(key(vm, gfn), (io == IO_BAD_CHECKSUM ? "CRC32C mismatch (torn write)" : "swap read EIO")
                + " reading swap slot " + swaps[dev].name() + ":" + slot + " at " + engine.now() + " ns");
    }

    private static long key(int vm, int gfn) {
        return (long) vm << 32 | (gfn & 0xFFFF_FFFFL);
    }

    /** Moves a resident gfn's frame to {@code nodeId} (promotion, migrate-on-touch, requested migration). */
    private boolean moveFrame(int vm, int gfn, long word, int nodeId, boolean bringBack, long extraFlags) {
        int from = PageState.nodeOrDevice(word);
        int pfn = allocFrame(nodeId, vm, gfn, bringBack);
        if (pfn < 0) {
            return false;
        }
        store.copyFrame(from, PageState.id(word), nodeId, pfn);
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
            if (swapIn(vm, gfn, word, n.id(), true, READAHEAD, true) == IO_OK) {
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
        if (PageState.isPoisoned(word)) {
            stat.inc(Counter.HWPOISON_FAULTS); // VM_FAULT_HWPOISON: KVM injects a machine check into the guest
        }
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
                populateContent(vm, gfn, pinned, pfn);
                setState(vm, gfn, PageState.resident(pinned, pfn));
                stat.inc(Counter.PGALLOC_ZERO);
                opNs += cost.zeroPageNs;
            }
            case PageState.POISONED -> opNs += cost.eptFaultNs; // the data is gone: nothing to map
            case PageState.SWAPPED -> {
                opNs += cost.eptFaultNs;
                stat.inc(Counter.PGMAJFAULT);
                boolean mot = (word & MIGRATE_ON_TOUCH) != 0;
                int saved = movedCtx;
                if (mot) {
                    movedCtx = CTX_SWAP; // claims 3-5: the deferred migration of a map-then-migrate request
                }
                boolean bringBack = balancingRead && !mot;
                int io = swapIn(vm, gfn, word, pinned, bringBack, 0, false);
                movedCtx = saved;
                if (io == IO_NO_FRAME) {
                    throw oom(pinned, what);
                }
                if (io != IO_OK) {
                    return; // lost: the gfn is poisoned
                }
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
            long[] st = states.get(vm);
            if (PageState.isPoisoned(st[srcGfn])) {
                return -Errno.EIO; // the guest's machine-check-safe copy (folio_mc_copy) fails: nothing copied
            }
            int ctx = movedCtx;
            movedCtx = CTX_NONE;
            isolated = FrameOwner.of(vm, srcGfn); // the destination's direct reclaim must not evict the source
            if (PageState.isPoisoned(st[dstGfn])) {
                releaseBacking(vm, dstGfn, st[dstGfn]); // overwritten whole: the poisoned entry goes
            }
            fault(vm, dstGfn, false, "writing the destination page of a guest page copy");
            movedCtx = ctx;
            if (PageState.isPoisoned(st[dstGfn])) {
                return -Errno.EIO; // a still-swapped destination could not be read in: the copy's write faults, nothing copied
            }
            st[srcGfn] |= ACCESSED;
            st[dstGfn] |= ACCESSED;
            store.copyFrame(PageState.nodeOrDevice(st[srcGfn]), PageState.id(st[srcGfn]),
                    PageState.nodeOrDevice(st[dstGfn]), PageState.id(st[dstGfn]));
            expect(vm, dstGfn, expectedToken(vm, srcGfn));
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
        long token = expectedToken(vm, srcGfn);
        if (order == MigrationOrder.MIGRATE_BEFORE_MAP && srcNode != dstNode) {
            // claims 6-8: read from the new source location and write into the destination node, then map
            long dstWord = st[dstGfn];
            int pfn;
            boolean reused = PageState.isResident(dstWord) && PageState.nodeOrDevice(dstWord) == dstNode;
            if (reused) {
                pfn = PageState.id(dstWord); // a freed gfn still backed there: its frame takes the data
            } else {
                pfn = allocFrame(dstNode, vm, dstGfn, false);
                if (pfn < 0) {
                    return -Errno.ENOMEM;
                }
            }
            if (fromSwap) {
                int io = swapReadFolio(swaps[PageState.nodeOrDevice(src)], PageState.id(src), dstNode, pfn, false);
                if (io != IO_OK) { // the page is lost: the source gfn is poisoned, the destination stays free
                    if (reused) {
                        releaseBacking(vm, dstGfn, st[dstGfn]);
                    } else {
                        nodes[dstNode].free(pfn);
                    }
                    poison(vm, srcGfn, src, io);
                    return -Errno.EIO;
                }
            } else {
                store.copyFrame(srcNode, PageState.id(src), dstNode, pfn);
            }
            if (!reused) {
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
            expect(vm, srcGfn, 0);
            expect(vm, dstGfn, token);
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
            expect(vm, srcGfn, 0); // no byte moves: the data's expected token follows its new owner
            expect(vm, dstGfn, token);
        }
        return opNs;
    }

    @Override
    public long migratePages(int vm, int[] srcGfn, int[] dstGfn, int count, MigrationOrder order, int[] status) {
        long ns;
        batchIo = true;
        batchIoLatency = 0;
        batchIoTransfer = 0;
        try {
            ns = HostMemory.super.migratePages(vm, srcGfn, dstGfn, count, order, status);
        } finally {
            batchIo = false;
        }
        return ns + batchIoLatency + batchIoTransfer;
    }

    /** Frees whatever backs a gfn (its content is dead, the bytes are dropped); the gfn becomes unbacked. */
    private void releaseBacking(int vm, int gfn, long word) {
        switch (PageState.kind(word)) {
            case PageState.RESIDENT -> nodes[PageState.nodeOrDevice(word)].free(PageState.id(word));
            case PageState.SWAPPED -> swaps[PageState.nodeOrDevice(word)].free(PageState.id(word));
            case PageState.POISONED -> poisonReasons.remove(key(vm, gfn));
            default -> { }
        }
        expect(vm, gfn, 0);
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
        writeExtraNs = 0;
        int d = swapOutFrame(vm, gfn, word);
        long extra = writeExtraNs;
        writeExtraNs = 0;
        return switch (d) {
            case SWAP_FULL -> -Errno.ENOSPC;
            case SWAP_WRITE_FAILED -> -Errno.EIO;
            default -> swaps[d].profile().pageWriteNs() + extra;
        };
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

    // ------------------------------------------------------------------ content (real-bytes mode) and verification

    /** A first population: real-bytes mode stamps a new known content into the frame and expects it. */
    private void populateContent(int vm, int gfn, int node, int pfn) {
        if (store.real()) {
            long token = PageContent.token(vm, gfn, populations[vm]++);
            store.stamp(node, pfn, token);
            expected.get(vm)[gfn] = token;
        }
    }

    private void expect(int vm, int gfn, long token) {
        long[] e = expected.get(vm);
        if (e != null) {
            e[gfn] = token;
        }
    }

    private long expectedToken(int vm, int gfn) {
        long[] e = expected.get(vm);
        return e == null ? PageContent.NONE : e[gfn];
    }

    /** The token a gfn's bytes must hold (real-bytes mode), or {@link PageContent#NONE}. */
    public long expectedContent(int vm, int gfn) {
        return expectedToken(vm, gfn);
    }

    /** The store behind the frames and slots. */
    public PageStore pageStore() {
        return store;
    }

    /** Bytes moved by the store so far (copies, swap writes and reads; 0 in the model). */
    public long bytesCopied() {
        return store.bytesCopied();
    }

    /**
     * Checks every backed gfn of every VM: reads its frame or swap slot and compares the
     * content with the token it must hold. A poisoned gfn is lost (with the reason of its loss);
     * a gfn whose bytes are not its own page is lost too (with what it holds instead). In the
     * model (no bytes) nothing can be read, so no page counts as verified and only the losses the
     * model knows of are reported: poisoned gfns and swapped gfns whose slot is torn. Changes no
     * state and no counter.
     */
    @Override
    public Verification verifyAll() {
        long verified = 0;
        long backed = 0;
        List<Verification.LostPage> lost = new ArrayList<>();
        for (int vm = 0; vm < states.size(); vm++) {
            long[] st = states.get(vm);
            for (int gfn = 0; gfn < st.length; gfn++) {
                long w = st[gfn];
                int kind = PageState.kind(w);
                if (kind == PageState.UNBACKED) {
                    continue;
                }
                backed++;
                String why = null;
                boolean detected = kind == PageState.POISONED
                        || kind == PageState.SWAPPED && !store.slotIntact(PageState.nodeOrDevice(w), PageState.id(w));
                if (kind == PageState.POISONED) {
                    why = poisonReasons.getOrDefault(key(vm, gfn), "poisoned");
                } else if (store.real()) {
                    long want = expectedToken(vm, gfn);
                    long got = kind == PageState.RESIDENT ? store.frameToken(PageState.nodeOrDevice(w), PageState.id(w))
                            : store.slotToken(PageState.nodeOrDevice(w), PageState.id(w));
                    if (got == want && want != PageContent.NONE) {
                        verified++;
                    } else {
                        why = PageState.describe(w) + " holds " + PageContent.describe(got) + ", expected "
                                + PageContent.describe(want);
                    }
                } else if (kind == PageState.SWAPPED && !store.slotIntact(PageState.nodeOrDevice(w), PageState.id(w))) {
                    why = PageState.describe(w) + " is torn (CRC32C mismatch)";
                }
                if (why != null) {
                    lost.add(new Verification.LostPage(vm, gfn, why, detected));
                }
            }
        }
        return new Verification(store.real(), backed, verified, List.copyOf(lost));
    }

    /** Frees the store's memory and swap files. Idempotent. */
    @Override
    public void close() {
        store.close();
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
