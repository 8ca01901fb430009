package dev.copyless.linux;

import static dev.copyless.linux.Syscalls.PAGE_SIZE;

import dev.copyless.clock.Agent;
import dev.copyless.clock.CostModel;
import dev.copyless.clock.Engine;
import dev.copyless.host.GfnLocations;
import dev.copyless.host.HostMemory;
import dev.copyless.host.MmuNotifier;
import dev.copyless.host.MovedFrom;
import dev.copyless.host.MovementAccounting;
import dev.copyless.host.Verification;
import dev.copyless.host.VnodeLayout;
import dev.copyless.metrics.Counter;
import dev.copyless.metrics.VmStat;
import dev.copyless.mm.Errno;
import dev.copyless.mm.MigrationOrder;
import dev.copyless.mm.PageState;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The {@link HostMemory} seam on real Linux memory: each VM's guest RAM is one
 * {@link GuestRam} mapping, vNode {@code v} {@code mbind}-ed {@code MPOL_BIND} to its host
 * node, and the kernel's swap holds what is paged out. Guest accesses are real loads, the
 * naive guest copy is a real 4 KiB copy through the guest's memory (the kernel swaps the
 * source in on its own node first), and claim 1's host operation is {@link #migratePages}: the
 * swap entry moves to the destination gfn without a read ({@link MovePrimitive}:
 * {@code UFFDIO_MOVE} on Linux 6.8 and later, which keeps guest RAM one mapping; {@code mremap}
 * before), then, for migrate-before-map (claims 6-8), the batch's pages are read in together
 * onto the destination's node ({@link SwapInBatch}: {@code MADV_WILLNEED} in swap-slot order,
 * then {@code MADV_POPULATE_READ}; a page still in the swap cache is mapped where it already
 * is, and on a host of several nodes then moved to the destination's node by the host,
 * {@code move_pages}: claim 1's one movement of a swap-cache page) or, for map-then-migrate
 * (claims 2-5), nothing is read: the guest's first touch swaps it in there.
 *
 * <p><b>Nodes.</b> The scenario's host nodes are kept as the logical node numbers every other
 * layer sees; logical node {@code n} is the online node {@code online[n mod N]}. On a one-node
 * machine every logical node is node 0: pages still go through every path and their content
 * is verified, but no byte really crosses an interconnect ({@link LinuxBackend#placementNote} says so).
 *
 * <p><b>Location words.</b> The kernel owns the page tables; this class keeps a shadow
 * location word per gfn ({@link PageState}: resident on a logical node, or swapped with the
 * kernel's swap type and offset from {@code /proc/self/pagemap}), updated by its own
 * operations and reconciled with the pagemap by a periodic rescan (the kernel may reclaim on
 * its own under real pressure). Every change is reported to the hypervisor's
 * {@link MmuNotifier}, which keeps the exported moved-page list (claims 1, 10).
 *
 * <p><b>First migrations.</b> The kernel's own reclaim, and this backend's kswapd
 * ({@link PageoutDaemon}): per logical node it keeps the VMs' resident pages under the scenario's
 * node size, paging the coldest out with {@code MADV_PAGEOUT} (a clock over a software
 * accessed bit set by every access), as the reproducible experiments require; no
 * cgroup or system setting is touched.
 *
 * <p><b>Time and counters.</b> Operations return the real nanoseconds they took (a resident
 * access returns the cost model's latency for the node pair: a load on a one-node machine says
 * nothing about a remote access). The vmstat-named counters follow the simulator's accounting
 * rules (docs/METRICS.md) from what this class did; {@link #gauges} adds the kernel's own
 * deltas ({@code kernel_pswpin}, {@code kernel_pswpout}, {@code kernel_pgmajfault}), the bytes
 * of guest data our own code copied ({@code bytes_copied_by_us}; of pages the host had moved:
 * {@code moved_page_bytes_copied_by_us}, 0 under copyless) and the
 * content verification of every page ({@code pages_verified}, {@code pages_lost}), and the
 * mappings guest RAM spans at registration and at the end ({@code mappings_before},
 * {@code mappings_after}: equal under {@code UFFDIO_MOVE}).
 *
 * <p>Claim 12's hold-back cannot be enforced here: swap readahead is the kernel's. Not
 * thread-safe: one run drives it from the engine's thread.
 */
public final class LinuxHostMemory implements HostMemory {
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;

    /** Scenario-level description of one logical host node: its size and watermarks, in pages. */
    public record NodeLimit(int pages, int wmarkMin, int wmarkLow, int wmarkHigh) {}

    private final int[] realNode;
    private final NodeLimit[] limits;
    private final MovePrimitive primitive;
    private final HostReclaim reclaim;
    /** {@link HostReclaim#KERNEL}: the real nodes resized to the scenario's; else null. */
    private final NodeRoom nodeRoom;
    private final NodeVmstat.Snapshot nodesBefore;
    private final Map<String, Long> vmstatBefore;
    private final long rescanNs;
    private final PlacementCheck placement = new PlacementCheck();
    private final CostModel cost;
    private final VmStat stat;
    private final int reclaimBatch;
    private final List<Vm> vms = new ArrayList<>();
    private final Pagemap pagemap;
    private final long[] one = new long[1];
    private final int[] resident;
    /** {@link System#nanoTime} when this host was set up (its nodes resized): {@code wall_time_ns}. */
    private final long startedNanos;
    /** The host's free pages summed at every rescan, and the rescans: {@code host_free_pages_mean}. */
    private long freePagesSum;
    private long freeSamples;
    private final int[] debt;
    private final PageoutDaemon kswapd;
    private final ProcVmstat.Snapshot kernelBefore;
    private long bytesCopiedByUs;
    private long movedBytesCopiedByUs;
    /** Every guest load is folded in here, so the JIT cannot drop a load whose value is unused. */
    private long sink;
    private long rescanSwappedOut;
    private long rescanNonSwapEntries;
    private long mbindFailures;
    private long populateFailures;
    private long primitiveFailures;
    private int mappingsBefore;
    private long rescanPresent;
    private long nextToken = 1;
    private boolean closed;
    /** {@link RealClock#MODELLED}: operations are charged the cost model's prices, not the time they took here. */
    private boolean modelled;
    /** The modelled clock's swap read: the device's latency, and one page's transfer at its bandwidth. */
    private long swapReadNs;
    private long swapPageTransferNs;

    /** One VM's guest RAM and its shadow. */
    private static final class Vm {
        final GuestRam ram;
        final MemorySegment mem;
        /** The location words, the moved-page predicate and the notifier: the seam's, shared with the simulated host. */
        final GfnLocations loc;
        final long[] token;

        Vm(GuestRam ram, GfnLocations loc) {
            this.ram = ram;
            this.mem = ram.segment();
            this.loc = loc;
            this.token = new long[ram.gfns()];
        }
    }

    /**
     * @param limits       the logical nodes (the scenario's host nodes) with their sizes
     * @param reclaimBatch pages paged out per kswapd batch ({@code SWAP_CLUSTER_MAX})
     * @param engine       the run's clock, on which this host's kswapd is woken
     */
    public LinuxHostMemory(NodeLimit[] limits, int reclaimBatch, CostModel cost, VmStat stat,
                           Engine engine) {
        this(limits, reclaimBatch, cost, stat, engine, MovePrimitive.detect());
    }

    /** With a given primitive: {@link MovePrimitive#MREMAP} runs the fallback of kernels before 6.8 on any kernel. */
    public LinuxHostMemory(NodeLimit[] limits, int reclaimBatch, CostModel cost, VmStat stat,
                           Engine engine, MovePrimitive primitive) {
        this(limits, reclaimBatch, cost, stat, engine, primitive, HostReclaim.PAGEOUT);
    }

    /**
     * With a given primitive and reclaim. Under {@link HostReclaim#KERNEL} the real nodes are
     * resized to the limits' sizes ({@link NodeRoom}: only in the copyless test VM) and this
     * backend's kswapd pages nothing out: it only rescans the pagemap, every
     * {@link #KERNEL_RESCAN_NS}; the limits' watermarks are the kernel's own.
     */
    public LinuxHostMemory(NodeLimit[] limits, int reclaimBatch, CostModel cost, VmStat stat,
                           Engine engine, MovePrimitive primitive, HostReclaim reclaim) {
        this.primitive = primitive;
        this.reclaim = reclaim;
        int[] online = LinuxHost.onlineNodes();
        this.realNode = new int[limits.length];
        for (int n = 0; n < limits.length; n++) {
            realNode[n] = online[n % online.length];
        }
        if (reclaim == HostReclaim.KERNEL) {
            long[] pages = new long[limits.length];
            long[] wmin = new long[limits.length];
            long[] wlow = new long[limits.length];
            NodeLimit[] unlimited = new NodeLimit[limits.length];
            for (int n = 0; n < limits.length; n++) {
                pages[n] = limits[n].pages();
                wmin[n] = limits[n].wmarkMin();
                wlow[n] = limits[n].wmarkLow();
                unlimited[n] = new NodeLimit(Integer.MAX_VALUE / 2, 0, 0, 0); // the kernel's node decides, not our shadow
            }
            this.limits = unlimited;
            this.nodeRoom = NodeRoom.shrink(realNode, pages, wmin, wlow);
            this.rescanNs = KERNEL_RESCAN_NS;
        } else {
            this.limits = limits.clone();
            this.nodeRoom = null;
            this.rescanNs = PageoutDaemon.RESCAN_NS;
        }
        this.nodesBefore = NodeVmstat.snapshot();
        this.vmstatBefore = ProcVmstat.vmstat();
        this.cost = cost;
        this.stat = stat;
        this.reclaimBatch = Math.max(1, reclaimBatch);
        this.resident = new int[limits.length];
        this.debt = new int[limits.length];
        this.kswapd = new PageoutDaemon(engine);
        this.kernelBefore = ProcVmstat.snapshot();
        try {
            this.pagemap = new Pagemap(); // last: nothing after it can fail and leak the descriptor
        } catch (RuntimeException e) {
            if (nodeRoom != null) {
                nodeRoom.close();
            }
            throw e;
        }
        this.startedNanos = System.nanoTime();
        engine.wake(kswapd, rescanNs);
    }

    /**
     * Charges every operation from now on on the {@link RealClock#MODELLED} clock: the cost
     * model's prices, with a swap read of {@code readNs} plus {@code pageTransferNs} per page read.
     */
    public void useModelledClock(long readNs, long pageTransferNs) {
        this.modelled = true;
        this.swapReadNs = readNs;
        this.swapPageTransferNs = pageTransferNs;
        this.majorsSeen = Syscalls.threadMajorFaults();
    }

    /** The clock operations are charged on. */
    public RealClock clock() {
        return modelled ? RealClock.MODELLED : RealClock.MEASURED;
    }

    /** The run thread's major faults already charged by an operation ({@link RealClock#MODELLED}). */
    private long majorsSeen;
    /** Major faults that no operation of ours made: guest loads on the fast path of pages the kernel reclaimed since the last rescan. */
    private long fastPathMajors;

    /**
     * At the start of an operation on the modelled clock: the price of the run thread's major
     * faults since the last operation, which no operation made (a guest load on the fast path
     * of a page the kernel reclaimed since the last pagemap rescan: the kernel swapped it in
     * behind our shadow's back), charged now to the vCPU that made them. 0 on the measured clock.
     */
    private long unpaidMajors() {
        if (!modelled) {
            return 0;
        }
        long d = majorsSince();
        fastPathMajors += d;
        return d * (swapReadNs + swapPageTransferNs);
    }

    /** The run thread's major faults since the last reading (0 on the measured clock: not read). */
    private long majorsSince() {
        if (!modelled) {
            return 0;
        }
        long now = Syscalls.threadMajorFaults();
        long d = now - majorsSeen;
        majorsSeen = now;
        return d;
    }

    /**
     * The modelled price of the fault path on a gfn that was of {@code kindBefore}: a first touch
     * {@code ept-fault + zero-page}; a swap entry the EPT fault plus, for each of {@code majors}
     * major faults the kernel accounted, one device read (a swap-cache hit is minor: no read);
     * a resident page (a map-then-migrate destination) the EPT fault plus its copy to the node it
     * moved to. As {@code kernel.Memory}'s fault path charges the simulated host.
     */
    private long modelledFault(int kindBefore, int nodeBefore, int nodeAfter, long majors) {
        long ns = cost.eptFaultNs + majors * (swapReadNs + swapPageTransferNs);
        if (kindBefore == PageState.UNBACKED) {
            ns += cost.zeroPageNs;
        } else if (kindBefore == PageState.RESIDENT && nodeBefore != nodeAfter) {
            ns += cost.copyNs(nodeBefore, nodeAfter);
        }
        return ns;
    }

    /** Pagemap rescans under {@link HostReclaim#KERNEL}: the kernel moves pages on its own all the time. */
    public static final long KERNEL_RESCAN_NS = 2_000_000L;

    /** Who makes the first migrations. */
    public HostReclaim reclaim() {
        return reclaim;
    }


    /** The primitive that moves entries in this host's guest RAM. */
    public MovePrimitive primitive() {
        return primitive;
    }

    /** Bytes of guest data copied by this process's own code (the naive guest copies). */
    public long bytesCopiedByUs() {
        return bytesCopiedByUs;
    }

    /** The guest RAM of a VM (for tests and the demo). */
    public GuestRam ram(int vm) {
        return vms.get(vm).ram;
    }

    @Override
    public int nodeCount() {
        return limits.length;
    }

    @Override
    public int registerVm(int gfns, int[] vnodeStart, int[] vnodeNode, MmuNotifier notifier) {
        VnodeLayout layout = new VnodeLayout(gfns, vnodeStart, vnodeNode);
        int[] pages = new int[layout.vnodes()];
        int[] real = new int[layout.vnodes()];
        for (int v = 0; v < pages.length; v++) {
            pages[v] = layout.end(v) - layout.start(v);
            real[v] = realNode[layout.node(v)];
        }
        GuestRam ram = GuestRam.createBound(pages, real, primitive);
        mappingsBefore += ram.mappings();
        vms.add(new Vm(ram, new GfnLocations(layout, notifier)));
        return vms.size() - 1;
    }

    /**
     * Not enforceable here, and nothing is recorded: the kernel's swap readahead and promotion
     * cannot be held back from user space (see the class comment); claim 12 is the simulated
     * host's.
     */
    @Override
    public void setHoldBack(int vm, boolean holdBack) {
        // The kernel decides readahead; nothing to hold back from user space.
    }

    @Override
    public long locate(int vm, int gfn) {
        return vms.get(vm).loc.word(gfn);
    }

    @Override
    public int pinnedNode(int vm, int gfn) {
        return vms.get(vm).loc.pinnedNode(gfn);
    }

    @Override
    public boolean isMoved(int vm, int gfn) {
        return vms.get(vm).loc.isMoved(gfn);
    }

    /** Sets a gfn's word, keeps the per-node resident count, and tells the notifier when the location changed. */
    private void setState(Vm m, int gfn, long w) {
        long old = m.loc.word(gfn);
        if (PageState.isResident(old)) {
            resident[PageState.nodeOrDevice(old)]--;
        }
        if (PageState.isResident(w)) {
            resident[PageState.nodeOrDevice(w)]++;
        }
        m.loc.set(gfn, w);
    }

    // ------------------------------------------------------------------ HostMemory operations

    @Override
    public long touch(int vm, int gfn, int cpuNode) {
        Vm m = vms.get(vm);
        long w = m.loc.word(gfn);
        if (PageState.isResident(w) && (w & PageState.MIGRATE_ON_TOUCH) == 0) {
            sink ^= m.mem.get(LONG, (long) gfn * PAGE_SIZE); // the guest's load (kept live through the sink)
            m.loc.setFlags(gfn, w | PageState.ACCESSED);
            return cost.accessNs(cpuNode, PageState.nodeOrDevice(w));
        }
        long unpaid = unpaidMajors();
        long t0 = System.nanoTime();
        fault(m, gfn, false);
        sink ^= m.mem.get(LONG, (long) gfn * PAGE_SIZE);
        m.loc.setFlags(gfn, m.loc.word(gfn) | PageState.ACCESSED);
        long now = m.loc.word(gfn);
        long ns = modelled ? unpaid + modelledFault(PageState.kind(w), PageState.nodeOrDevice(w),
                PageState.nodeOrDevice(now), majorsSince()) : System.nanoTime() - t0;
        return ns + cost.accessNs(cpuNode, PageState.nodeOrDevice(now));
    }

    /**
     * The fault path of an access to a non-present gfn: {@code do_anonymous_page} (this
     * backend stamps the page with a fresh content token, the guest's first write) or
     * {@code do_swap_page} (the load swaps the page in on the VMA's policy node: its pinned
     * node, or the destination of a map-then-migrate request). {@code balancingRead} marks the
     * naive balancer's read of a moved page: the bring-back of the patent's background.
     */
    private void fault(Vm m, int gfn, boolean balancingRead) {
        long w = m.loc.word(gfn);
        int pinned = m.loc.pinnedNode(gfn);
        switch (PageState.kind(w)) {
            case PageState.UNBACKED -> {
                directReclaim(pinned);
                long token = nextToken++;
                m.ram.writePattern(gfn, token);
                m.token[gfn] = token;
                stat.inc(Counter.PGALLOC_ZERO);
                setState(m, gfn, PageState.resident(pinned, 0) | PageState.ACCESSED);
            }
            case PageState.SWAPPED -> {
                directReclaim(pinned);
                sink ^= m.mem.get(LONG, (long) gfn * PAGE_SIZE); // do_swap_page
                stat.inc(Counter.PGMAJFAULT);
                stat.inc(Counter.PSWPIN);
                if ((w & PageState.MIGRATE_ON_TOUCH) != 0) {
                    stat.inc(Counter.MOVED_PAGE_DATA_MOVEMENTS); // claims 3-5: the deferred migration
                    placement.landed(m.ram, gfn, realNode[pinned], -1);
                } else if (balancingRead) {
                    stat.inc(Counter.MOVED_PAGE_DATA_MOVEMENTS);
                    stat.inc(Counter.PAGES_BROUGHT_BACK);
                }
                setState(m, gfn, PageState.resident(pinned, 0) | PageState.ACCESSED);
                if (balancingRead && (w & PageState.MIGRATE_ON_TOUCH) == 0) {
                    broughtBack(pinned);
                }
            }
            default -> {
                if ((w & PageState.MIGRATE_ON_TOUCH) != 0) { // a map-then-migrate request from another node
                    if (moveToNode(m, gfn, pinned)) {
                        stat.inc(Counter.MOVED_PAGE_DATA_MOVEMENTS);
                    }
                    m.loc.setFlags(gfn, m.loc.word(gfn) & ~PageState.MIGRATE_ON_TOUCH); // refused: the page stays remote, as on the simulated host
                }
            }
        }
    }

    /**
     * {@code move_pages} of a resident gfn to a logical node; the shadow follows.
     *
     * @return false (nothing changed) when the kernel refused the move ({@code -ENOMEM}, {@code -EBUSY}...)
     */
    private boolean moveToNode(Vm m, int gfn, int node) {
        long w = m.loc.word(gfn);
        int from = PageState.nodeOrDevice(w);
        if (realNode[from] != realNode[node]) {
            int[] status = new int[1];
            Syscalls.movePages(new long[] {m.ram.address(gfn)}, 1, new int[] {realNode[node]}, status,
                    Syscalls.MPOL_MF_MOVE);
            if (status[0] != realNode[node]) {
                return false;
            }
            placement.kernelMigration(realNode[from], realNode[node]);
        }
        stat.inc(Counter.HOST_PAGE_COPIES);
        if (from != node) {
            stat.add(Counter.INTERCONNECT_BYTES, PAGE_SIZE);
        }
        setState(m, gfn, PageState.resident(node, 0) | (w & PageState.ACCESSED));
        return true;
    }

    @Override
    public long copy(int vm, int srcGfn, int dstGfn) {
        Vm m = vms.get(vm);
        long unpaid = unpaidMajors();
        long t0 = System.nanoTime();
        long before = m.loc.word(srcGfn);
        int dstKind = PageState.kind(m.loc.word(dstGfn));
        boolean moved = m.loc.isMoved(srcGfn, before);
        boolean fromSwap = PageState.isSwapped(before);
        fault(m, srcGfn, true);
        if (PageState.kind(m.loc.word(dstGfn)) == PageState.SWAPPED) {
            fault(m, dstGfn, false); // writing a swapped-out gfn swaps it in first
        } else if (PageState.kind(m.loc.word(dstGfn)) == PageState.UNBACKED) {
            directReclaim(m.loc.pinnedNode(dstGfn));
            stat.inc(Counter.PGALLOC_ZERO);
            setState(m, dstGfn, PageState.resident(m.loc.pinnedNode(dstGfn), 0));
        }
        MemorySegment.copy(m.mem, (long) srcGfn * PAGE_SIZE, m.mem, (long) dstGfn * PAGE_SIZE, PAGE_SIZE);
        placement.guestCopy(m.ram, srcGfn, dstGfn, fromSwap, realNode[m.loc.pinnedNode(srcGfn)]);
        bytesCopiedByUs += PAGE_SIZE;
        m.token[dstGfn] = m.token[srcGfn];
        m.loc.setFlags(srcGfn, m.loc.word(srcGfn) | PageState.ACCESSED);
        m.loc.setFlags(dstGfn, m.loc.word(dstGfn) | PageState.ACCESSED);
        stat.inc(Counter.GUEST_PAGE_COPIES);
        int from = PageState.nodeOrDevice(m.loc.word(srcGfn));
        int to = PageState.nodeOrDevice(m.loc.word(dstGfn));
        if (moved) {
            movedBytesCopiedByUs += PAGE_SIZE;
        }
        MovementAccounting.pageCopy(stat, from, to, !moved ? MovedFrom.NOT_MOVED : fromSwap ? MovedFrom.SWAP : MovedFrom.NODE);
        if (!modelled) {
            return System.nanoTime() - t0 + cost.copyNs(from, to);
        }
        long ns = unpaid + cost.copyNs(from, to) + majorsSince() * (swapReadNs + swapPageTransferNs);
        int srcKind = PageState.kind(before);
        if (srcKind != PageState.RESIDENT) {
            ns += cost.eptFaultNs + (srcKind == PageState.UNBACKED ? cost.zeroPageNs : 0);
        }
        if (dstKind != PageState.RESIDENT) {
            ns += cost.eptFaultNs + (dstKind == PageState.UNBACKED ? cost.zeroPageNs : 0);
        }
        return ns;
    }

    /** One entry of {@link #migratePages}; see there. */
    @Override
    public long migrate(int vm, int srcGfn, int dstGfn, MigrationOrder order) {
        int[] status = {Errno.OK};
        long ns = migratePages(vm, new int[] {srcGfn}, new int[] {dstGfn}, 1, order, status);
        return status[0] < 0 ? status[0] : ns;
    }

    /**
     * Claim 1's host operation for one hypercall's batch, in four steps.
     *
     * <ol>
     *   <li>The checks of every entry not already refused ({@code -EAGAIN}: the source is not
     *       moved any more; {@code -ENOMEM}: the destination node has no room for a
     *       migrate-before-map swap-in).
     *   <li>Migrate-before-map (claims 6-8): the swapped sources' reads are planned as one
     *       {@link SwapInBatch}, and started at the sources under the destination's node when
     *       that gives the device longer runs.
     *   <li>Each entry moves: the destination's old backing, if the freed gfn still had one, is
     *       released ({@code MADV_DONTNEED}), then the source's page-table entry moves to the
     *       destination with the guest RAM's {@link MovePrimitive} ({@code UFFDIO_MOVE}: guest
     *       RAM stays one mapping; {@code mremap} on older kernels, the destination then
     *       re-bound to its vNode's node) without reading the data. A source resident on
     *       another node moves with its page and, for migrate-before-map, is then
     *       {@code move_pages}-ed to the destination's node.
     *   <li>Migrate-before-map: the batch's swapped destinations are read in together (at the
     *       destinations, in swap-slot order, unless started in step 2) and populated
     *       ({@code MADV_POPULATE_READ}); each lands on the destination's node. For
     *       map-then-migrate (claims 2-5) nothing is read: the entry stays a swap entry with a
     *       migrate-on-touch flag and the guest's first touch reads it.
     * </ol>
     *
     * <p>A refused entry changes nothing, except that a freed destination may have lost its
     * stale backing and a source read in step 2 may sit in the swap cache. An error of the
     * primitive is answered {@code -ENOMEM} when the process is out of mappings ({@code mremap},
     * {@code vm.max_map_count}), {@code -EBUSY} when the page cannot move (pinned or shared),
     * else {@code -EINVAL}; the guest leaves the page for a later fault.
     */
    @Override
    public long migratePages(int vm, int[] srcGfn, int[] dstGfn, int count, MigrationOrder order, int[] status) {
        Vm m = vms.get(vm);
        long unpaid = unpaidMajors();
        long t0 = System.nanoTime();
        boolean readNow = order == MigrationOrder.MIGRATE_BEFORE_MAP;
        int[] pendingOn = new int[limits.length];
        int[] batchIdx = new int[count]; // entry -> its pair in the read batch, or -1
        int[] rSrc = new int[count];
        int[] rDst = new int[count];
        long[] rSlot = new long[count];
        int pairs = 0;
        for (int i = 0; i < count; i++) {
            batchIdx[i] = -1;
            if (status[i] != Errno.OK) {
                continue;
            }
            status[i] = checkEntry(m, srcGfn[i], dstGfn[i], readNow, pendingOn);
            long w = m.loc.word(srcGfn[i]);
            if (status[i] == Errno.OK && readNow && PageState.isSwapped(w)) {
                batchIdx[i] = pairs;
                rSrc[pairs] = srcGfn[i];
                rDst[pairs] = dstGfn[i];
                rSlot[pairs++] = MigrationPaths.slotKey(PageState.nodeOrDevice(w), PageState.id(w) & 0xFFFF_FFFFL);
            }
        }
        SwapInBatch reads = pairs == 0 ? null : SwapInBatch.plan(m.ram, rSrc, rDst, rSlot, pairs);
        if (reads != null) {
            try {
                reads.beforeMoves();
            } catch (SyscallException e) {
                populateFailures++; // the reads not started here are made by the populate below
            }
        }
        for (int i = 0; i < count; i++) {
            if (status[i] != Errno.OK) {
                continue;
            }
            int r = moveEntry(m, srcGfn[i], dstGfn[i], order);
            if (r < 0) {
                status[i] = r;
                if (batchIdx[i] >= 0) {
                    reads.skip(batchIdx[i]);
                    batchIdx[i] = -1;
                }
            }
        }
        long hostMoveNs = 0;
        if (reads != null) {
            swapInBatch(m, reads, dstGfn, batchIdx, count);
            hostMoveNs = moveSwapCacheHits(m, srcGfn, dstGfn, batchIdx, count);
        }
        if (modelled) { // one remap per entry; the batch's reads go out together: one latency, a transfer each
            long majorReads = majorsSince();
            return unpaid + count * cost.remapPageNs + (majorReads > 0 ? swapReadNs + majorReads * swapPageTransferNs : 0)
                    + hostMoveNs;
        }
        return System.nanoTime() - t0;
    }

    /**
     * The checks of one entry, before anything moves: {@code -EAGAIN} when the source is not
     * moved (any more), {@code -ENOMEM} when a migrate-before-map swap-in has no room on the
     * destination node even after direct reclaim (the batch's pending swap-ins counted).
     */
    private int checkEntry(Vm m, int srcGfn, int dstGfn, boolean readNow, int[] pendingOn) {
        long src = m.loc.word(srcGfn);
        if (!m.loc.isMoved(srcGfn, src) || srcGfn == dstGfn) {
            return -Errno.EAGAIN;
        }
        int dstNode = m.loc.pinnedNode(dstGfn);
        if (readNow && PageState.isSwapped(src)) {
            if (resident[dstNode] + pendingOn[dstNode] >= limits[dstNode].pages()) {
                directReclaim(dstNode);
                if (resident[dstNode] + pendingOn[dstNode] >= limits[dstNode].pages()) {
                    return -Errno.ENOMEM;
                }
            }
            pendingOn[dstNode]++;
        }
        return Errno.OK;
    }

    /**
     * One checked entry moves: the primitive, the shadow. A swapped source under
     * migrate-before-map leaves the destination's shadow at its swap entry with
     * {@link PageState#MIGRATE_ON_TOUCH}, not yet told to the notifier ({@link #swapInBatch}
     * settles it).
     *
     * @return 0, or {@code -errno} when the primitive refused (nothing changed)
     */
    private int moveEntry(Vm m, int srcGfn, int dstGfn, MigrationOrder order) {
        long src = m.loc.word(srcGfn);
        int dstNode = m.loc.pinnedNode(dstGfn);
        if (PageState.kind(m.loc.word(dstGfn)) != PageState.UNBACKED) { // a freed gfn the host still backs
            releaseBacking(m, dstGfn);
        }
        try {
            moveEntryOnce(m, srcGfn, dstGfn);
        } catch (SyscallException e) {
            if (e.errno() != Errno.EEXIST) {
                return primitiveError(e);
            }
            releaseBacking(m, dstGfn); // the kernel backed it behind the shadow's back: release and retry once
            try {
                moveEntryOnce(m, srcGfn, dstGfn);
            } catch (SyscallException again) {
                return primitiveError(again);
            }
        }
        if (m.ram.primitive() == MovePrimitive.MREMAP) {
            int v = m.ram.vnodeOf(dstGfn);
            try {
                m.ram.bind(dstGfn, 1, m.ram.vnodeNode(v)); // the moved mapping carried the source's policy
            } catch (SyscallException e) {
                mbindFailures++; // out of mappings: the data still moved; its swap-in follows the source's policy
            }
        }
        m.token[dstGfn] = m.token[srcGfn];
        m.token[srcGfn] = 0;
        setState(m, srcGfn, PageState.UNBACKED_WORD);
        if (PageState.isSwapped(src)) {
            long entry = pagemapEntry(m, dstGfn);
            long where = Pagemap.swapped(entry)
                    ? PageState.swapped(Pagemap.swapType(entry), (int) Pagemap.swapOffset(entry))
                    : PageState.locationOnly(src);
            if (order == MigrationOrder.MIGRATE_BEFORE_MAP) {
                m.loc.setUnnotified(dstGfn, where | PageState.MIGRATE_ON_TOUCH); // settled, and notified, by swapInBatch
                return 0;
            }
            setState(m, dstGfn, where | PageState.MIGRATE_ON_TOUCH); // claims 2-5: mapped to the slot
            return 0;
        }
        int srcNode = PageState.nodeOrDevice(src);
        setState(m, dstGfn, PageState.resident(srcNode, 0) | PageState.ACCESSED);
        if (srcNode != dstNode) {
            if (order == MigrationOrder.MIGRATE_BEFORE_MAP && moveToNode(m, dstGfn, dstNode)) {
                stat.inc(Counter.MOVED_PAGE_DATA_MOVEMENTS);
            } else {
                m.loc.setFlags(dstGfn, m.loc.word(dstGfn) | PageState.MIGRATE_ON_TOUCH);
            }
        }
        return 0;
    }

    private void moveEntryOnce(Vm m, int srcGfn, int dstGfn) {
        MigrationPaths.moveEntries(m.ram, srcGfn, dstGfn, 1); // the PTE (swap entry or page) moves: no data read
    }

    private int primitiveError(SyscallException e) {
        primitiveFailures++;
        return -switch (e.errno()) {
            case Errno.ENOMEM -> Errno.ENOMEM; // mremap: out of mappings (vm.max_map_count)
            case Errno.EBUSY -> Errno.EBUSY; // UFFDIO_MOVE: the page is pinned or shared
            default -> Errno.EINVAL;
        };
    }

    /** Releases a freed gfn's backing ({@code MADV_DONTNEED}) so that an entry can move in; the notifier hears it. */
    private void releaseBacking(Vm m, int gfn) {
        m.ram.discard(gfn, 1);
        m.token[gfn] = 0;
        setState(m, gfn, PageState.UNBACKED_WORD);
    }

    /**
     * Claims 6-8's data movement for a batch: the destinations of the entries with
     * {@code batchIdx[i] >= 0} hold the swap entries just moved; {@link SwapInBatch#afterMoves}
     * reads them in together and populates them. Each page that came in is resident on its
     * pinned node (one {@code pswpin}, one movement); a page the kernel could not read keeps its
     * swap entry with {@link PageState#MIGRATE_ON_TOUCH} ({@code populate_failures}), for its
     * first touch.
     */
    private void swapInBatch(Vm m, SwapInBatch reads, int[] dstGfn, int[] batchIdx, int count) {
        boolean all;
        try {
            reads.afterMoves();
            all = true;
        } catch (SyscallException e) {
            all = false; // some page could not be read: find which, one by one
        }
        for (int i = 0; i < count; i++) {
            if (batchIdx[i] < 0) {
                continue;
            }
            int g = dstGfn[i];
            long w = m.loc.word(g);
            m.loc.setUnnotified(g, PageState.UNBACKED_WORD); // what the notifier last heard of the destination
            if (all || populate(m, g)) {
                stat.inc(Counter.PSWPIN);
                stat.inc(Counter.MOVED_PAGE_DATA_MOVEMENTS);
                setState(m, g, PageState.resident(m.loc.pinnedNode(g), 0) | PageState.ACCESSED);
            } else {
                setState(m, g, w); // the entry waits for the first touch
            }
        }
    }

    /**
     * Claim 1's host-side move of a swap-cache page, on a host of several nodes: each batch
     * destination now resident has its node read back once ({@code move_pages} with no target
     * nodes). One that the populate mapped from the swap cache on another node (a swap-cache hit
     * is mapped where the page is: the source's node, when the kernel reclaimed it there and has
     * not freed it yet) is moved to the destination's node with {@code move_pages}: the page's
     * one movement, as the simulated host moves a swap-cache page host-side
     * ({@code host_page_copies}). The nodes the pages end on are the placement check's
     * ({@code migrated_pages_on_destination_node}, {@code source_node_swapins}).
     *
     * @return the copies' cost on the modelled clock ({@code page-copy} between the two nodes), 0 on the measured one
     */
    private long moveSwapCacheHits(Vm m, int[] srcGfn, int[] dstGfn, int[] batchIdx, int count) {
        if (!placement.enabled()) {
            return 0; // one node: nothing can be on the wrong one
        }
        int[] idx = new int[count];
        int n = 0;
        for (int i = 0; i < count; i++) {
            if (batchIdx[i] >= 0 && PageState.isResident(m.loc.word(dstGfn[i]))) {
                idx[n++] = i;
            }
        }
        if (n == 0) {
            return 0;
        }
        int[] dst = new int[n];
        for (int k = 0; k < n; k++) {
            dst[k] = dstGfn[idx[k]];
        }
        int[] nodes = NodePlacement.nodesOf(m.ram, dst, n);
        long[] addrs = new long[n];
        int[] to = new int[n];
        int[] which = new int[n];
        int moves = 0;
        for (int k = 0; k < n; k++) {
            int want = realNode[m.loc.pinnedNode(dst[k])];
            if (nodes[k] >= 0 && nodes[k] != want) {
                addrs[moves] = m.ram.address(dst[k]);
                to[moves] = want;
                which[moves++] = k;
            }
        }
        long ns = 0;
        if (moves > 0) {
            int[] status = new int[moves];
            try {
                Syscalls.movePages(addrs, moves, to, status, Syscalls.MPOL_MF_MOVE);
            } catch (SyscallException e) {
                primitiveFailures++;
                Arrays.fill(status, -1); // the pages stay where the kernel mapped them; the check counts them there
            }
            for (int j = 0; j < moves; j++) {
                if (status[j] != to[j]) {
                    continue;
                }
                int k = which[j];
                placement.kernelMigration(nodes[k], to[j]);
                nodes[k] = to[j];
                stat.inc(Counter.HOST_PAGE_COPIES);
                stat.add(Counter.INTERCONNECT_BYTES, PAGE_SIZE);
                ns += cost.copyNs(m.loc.pinnedNode(srcGfn[idx[k]]), m.loc.pinnedNode(dst[k]));
            }
        }
        for (int k = 0; k < n; k++) {
            placement.landed(nodes[k], realNode[m.loc.pinnedNode(dst[k])], realNode[m.loc.pinnedNode(srcGfn[idx[k]])]);
        }
        return modelled ? ns : 0;
    }

    /** Claims 6-8's swap-in of one page onto the destination's node ({@code MADV_POPULATE_READ}); false if the kernel refused it. */
    private boolean populate(Vm m, int gfn) {
        try {
            m.ram.populateRead(gfn, 1);
            return true;
        } catch (SyscallException e) {
            populateFailures++;
            return false;
        }
    }

    @Override
    public long populate(int vm, int gfn) {
        Vm m = vms.get(vm);
        if (PageState.kind(m.loc.word(gfn)) != PageState.UNBACKED) {
            return 0;
        }
        long t0 = System.nanoTime();
        fault(m, gfn, false);
        return modelled ? cost.eptFaultNs + cost.zeroPageNs : System.nanoTime() - t0;
    }

    @Override
    public long pageOut(int vm, int gfn) {
        Vm m = vms.get(vm);
        if (!PageState.isResident(m.loc.word(gfn))) {
            return 0;
        }
        long t0 = System.nanoTime();
        m.ram.pageOut(gfn, 1);
        return pagedOut(m, gfn) ? modelled ? cost.reclaimScanNs : System.nanoTime() - t0 : -Errno.ENOSPC;
    }

    /** Reads a paged-out gfn's swap entry into the shadow; false when the kernel kept the page (swap full, pinned). */
    private boolean pagedOut(Vm m, int gfn) {
        long e = pagemapEntry(m, gfn);
        if (!Pagemap.swapped(e)) {
            return false;
        }
        stat.inc(Counter.PSWPOUT);
        setState(m, gfn, PageState.swapped(Pagemap.swapType(e), (int) Pagemap.swapOffset(e)));
        return true;
    }

    private long pagemapEntry(Vm m, int gfn) {
        pagemap.read(m.ram.address(gfn), 1, one);
        return one[0];
    }

    /** Demotes a resident gfn with {@code move_pages}; {@code -EINVAL} when the target is the same online node. */
    @Override
    public long demote(int vm, int gfn, int node) {
        Vm m = vms.get(vm);
        long w = m.loc.word(gfn);
        if (!PageState.isResident(w) || PageState.nodeOrDevice(w) == node) {
            return 0;
        }
        if (realNode[node] == realNode[PageState.nodeOrDevice(w)]) {
            return -Errno.EINVAL;
        }
        long t0 = System.nanoTime();
        if (!moveToNode(m, gfn, node)) {
            return -Errno.ENOMEM; // the kernel kept the page where it was
        }
        stat.inc(Counter.PGDEMOTE_KSWAPD);
        return modelled ? cost.migratePageNs + cost.copyNs(PageState.nodeOrDevice(w), node) : System.nanoTime() - t0;
    }

    @Override
    public void discard(int vm, int gfn) {
        Vm m = vms.get(vm);
        m.ram.discard(gfn, 1);
        m.token[gfn] = 0;
        setState(m, gfn, PageState.UNBACKED_WORD);
    }

    // ------------------------------------------------------------------ reclaim, rescans, verification

    /**
     * A page brought back to {@code node} by a balancing read: when it leaves the node's free room
     * below the high watermark (the node must reclaim to get back there), the node owes one page,
     * paid by the next page this backend's pageout daemon or direct reclaim pages out there
     * ({@code evictions_caused}, the model's rule in {@code kernel.PageAlloc}). A bring-back onto
     * a node with room to spare causes no eviction, so {@code evictions_caused} can be lower than
     * {@code pages_brought_back}; the kernel's own reclaim of guest RAM is not attributed (it
     * shows in {@code rescan_found_swapped}).
     */
    private void broughtBack(int node) {
        if (limits[node].pages() - resident[node] < limits[node].wmarkHigh()) {
            debt[node]++;
        }
    }

    /** Direct reclaim: an allocation on a node at its min watermark pages a batch out first ({@code pgsteal_direct}). */
    private void directReclaim(int node) {
        if (limits[node].pages() - resident[node] <= limits[node].wmarkMin()) {
            stat.add(Counter.PGSTEAL_DIRECT, shrink(node, reclaimBatch));
        } else if (limits[node].pages() - resident[node] <= limits[node].wmarkLow() && !kswapd.scheduled()) {
            kswapd.wakeNow();
        }
    }

    /**
     * Pages up to {@code batch} cold resident gfns of a node out ({@code MADV_PAGEOUT}): a clock
     * over all VMs' gfns, clearing the accessed bit of the young ones (second chance). Pays the
     * node's eviction debt (docs/METRICS.md).
     *
     * @return pages paged out
     */
    int shrink(int node, int batch) {
        PageoutDaemon.Hand h = kswapd.hands[node];
        int done = 0;
        long total = 0;
        for (Vm m : vms) {
            total += m.loc.gfns();
        }
        for (long visited = 0; visited < 2 * total && done < batch && !vms.isEmpty(); visited++) {
            if (h.vm >= vms.size()) {
                h.vm = 0;
                h.gfn = 0;
            }
            Vm m = vms.get(h.vm);
            int gfn = h.gfn;
            if (++h.gfn >= m.loc.gfns()) {
                h.gfn = 0;
                h.vm++;
            }
            long w = m.loc.word(gfn);
            if (!PageState.isResident(w) || PageState.nodeOrDevice(w) != node) {
                continue;
            }
            if ((w & PageState.ACCESSED) != 0) {
                m.loc.setFlags(gfn, w & ~PageState.ACCESSED);
                continue;
            }
            m.ram.pageOut(gfn, 1);
            if (pagedOut(m, gfn)) {
                done++;
                if (debt[node] > 0) {
                    debt[node]--;
                    stat.inc(Counter.EVICTIONS_CAUSED);
                }
            }
        }
        return done;
    }

    /**
     * Re-reads the pagemap of all guest RAM and brings the shadow in line with what the kernel
     * did on its own (its reclaim swapping a page out, or a page found present again). A
     * resident page found with a {@link Pagemap#nonSwapEntry non-swap entry} is left resident
     * and counted ({@code rescan_found_non_swap_entries}): the kernel is migrating it (kcompactd
     * compacting the node), or it holds a marker; it was not swapped out, and reading it so
     * would count a {@code pswpout} and, at its next touch, a {@code pswpin} that never were.
     *
     * @return gfns whose location changed
     */
    public int rescan() {
        int changed = 0;
        long[] buf = new long[4096];
        for (Vm m : vms) {
            for (int g0 = 0; g0 < m.loc.gfns(); g0 += buf.length) {
                int n = Math.min(buf.length, m.loc.gfns() - g0);
                pagemap.read(m.ram.address(g0), n, buf);
                for (int i = 0; i < n; i++) {
                    int gfn = g0 + i;
                    long w = m.loc.word(gfn);
                    long e = buf[i];
                    if (PageState.isResident(w) && Pagemap.swapped(e)) {
                        setState(m, gfn, PageState.swapped(Pagemap.swapType(e), (int) Pagemap.swapOffset(e)));
                        rescanSwappedOut++;
                        changed++;
                        if (reclaim == HostReclaim.KERNEL) {
                            stat.inc(Counter.PSWPOUT); // the kernel's reclaim made this first migration
                        }
                    } else if (PageState.isSwapped(w) && Pagemap.present(e)) {
                        setState(m, gfn, PageState.resident(m.loc.pinnedNode(gfn), 0) | (w & PageState.ACCESSED));
                        rescanPresent++;
                        changed++;
                    } else if (PageState.isResident(w) && Pagemap.nonSwapEntry(e)) {
                        rescanNonSwapEntries++; // under migration (kcompactd) or a marker: not swapped out, left as it is
                    }
                }
            }
        }
        if (nodeRoom != null) {
            nodeRoom.keep(); // the room stays the scenario's whatever others on the node take or give back
            freePagesSum += nodeRoom.lastFreePages();
        } else {
            for (int n = 0; n < limits.length; n++) {
                freePagesSum += Math.max(0, limits[n].pages() - resident[n]);
            }
        }
        freeSamples++;
        return changed;
    }

    /**
     * The content check: every gfn that holds data (a content token) is read back (a swapped
     * one is faulted in) and compared with the pattern of its token; a mismatch is a lost
     * page, listed with its gfn.
     */
    @Override
    public Verification verifyAll() {
        long verified = 0;
        List<Verification.LostPage> lost = new ArrayList<>();
        for (int vm = 0; vm < vms.size(); vm++) {
            Vm m = vms.get(vm);
            for (int gfn = 0; gfn < m.loc.gfns(); gfn++) {
                if (m.token[gfn] == 0) {
                    continue;
                }
                if (m.ram.checkPattern(gfn, m.token[gfn])) {
                    verified++;
                } else {
                    lost.add(new Verification.LostPage(vm, gfn, "its bytes are not the content it was given (token "
                            + m.token[gfn] + ")", false));
                }
            }
        }
        return new Verification(true, verified + lost.size(), verified, lost);
    }

    /**
     * The kernel's own deltas since this host was built ({@code kernel_pswpin},
     * {@code kernel_pswpout}: system-wide; {@code kernel_pgmajfault}: this process), the bytes
     * our code copied, and swap entries in use; taken before {@link #verifyAll}, which faults
     * every page in.
     */
    @Override
    public void gauges(Map<String, Long> out) {
        ProcVmstat.Snapshot d = ProcVmstat.snapshot().minus(kernelBefore);
        out.put("kernel_pswpin", d.pswpin());
        out.put("kernel_pswpout", d.pswpout());
        out.put("kernel_pgmajfault", d.processMajflt());
        out.put("wall_time_ns", System.nanoTime() - startedNanos);
        out.put("bytes_copied_by_us", bytesCopiedByUs);
        out.put("moved_page_bytes_copied_by_us", movedBytesCopiedByUs);
        out.put("rescan_found_swapped", rescanSwappedOut);
        out.put("rescan_found_present", rescanPresent);
        out.put("rescan_found_non_swap_entries", rescanNonSwapEntries);
        out.put("fast_path_major_faults", fastPathMajors);
        out.put("mbind_failures", mbindFailures);
        out.put("populate_failures", populateFailures);
        out.put("primitive_failures", primitiveFailures);
        int mappingsAfter = 0;
        for (Vm m : vms) {
            mappingsAfter += m.ram.mappings();
        }
        out.put("mappings_before", (long) mappingsBefore);
        out.put("mappings_after", (long) mappingsAfter);
        long swapped = 0;
        for (Vm m : vms) {
            for (long w : m.loc.words()) {
                if (PageState.isSwapped(w)) {
                    swapped++;
                }
            }
        }
        out.put("swap_slots_used", swapped);
        out.put("host_free_pages_mean", freeSamples == 0 ? 0 : Math.round(freePagesSum / (double) freeSamples));
        placement.gauges(out);
        if (reclaim == HostReclaim.KERNEL) {
            Map<String, Long> v = ProcVmstat.vmstat();
            for (String k : List.of("pgscan_kswapd", "pgscan_direct", "pgsteal_kswapd", "pgsteal_direct")) {
                out.put("kernel_" + k, v.getOrDefault(k, 0L) - vmstatBefore.getOrDefault(k, 0L));
            }
            long stalls = 0;
            for (String k : List.of("allocstall_normal", "allocstall_movable")) {
                stalls += v.getOrDefault(k, 0L) - vmstatBefore.getOrDefault(k, 0L);
            }
            out.put("kernel_allocstall", stalls);
            NodeVmstat.Snapshot nd = NodeVmstat.snapshot().minus(nodesBefore);
            long refaults = 0;
            for (int node : nd.nodes()) {
                refaults += nd.get(node, "workingset_refault_anon");
            }
            out.put("kernel_workingset_refault_anon", refaults);
            long roomMin = Long.MAX_VALUE;
            long roomMax = 0;
            long[] wmark = new long[3];
            for (NodeRoom.Node n : nodeRoom.nodes()) {
                roomMin = Math.min(roomMin, n.freePagesAfter());
                roomMax = Math.max(roomMax, n.freePagesAfter());
                wmark[0] = Math.max(wmark[0], n.wmarkMin());
                wmark[1] = Math.max(wmark[1], n.wmarkLow());
                wmark[2] = Math.max(wmark[2], n.wmarkHigh());
            }
            out.put("resized_node_free_pages_min", nodeRoom.nodes().isEmpty() ? 0 : roomMin);
            out.put("resized_node_free_pages_max", roomMax);
            out.put("resized_node_reserved_pages", nodeRoom.nodes().stream().mapToLong(NodeRoom.Node::reservedPagesAfter).sum());
            out.put("resized_node_wmark_min", wmark[0]);
            out.put("resized_node_wmark_low", wmark[1]);
            out.put("resized_node_wmark_high", wmark[2]);
            out.put("room_topped_up_pages", nodeRoom.toppedUpPages());
            out.put("room_top_ups", nodeRoom.corrections());
            out.put("room_given_back_pages", nodeRoom.givenBackPages());
            out.put("room_others_took_pages", nodeRoom.othersTookPages());
            out.put("room_others_gave_back_pages", nodeRoom.othersGaveBackPages());
            out.put("room_free_pages_max_seen", nodeRoom.maxFreeSeenPages());
            out.put("room_huge_pages_held", nodeRoom.hugePagesHeld());
            out.put("room_ballast_pages", nodeRoom.ballastPagesHeld());
            out.put("room_huge_pages_at_end", nodeRoom.hugePagesNow());
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Vm m : vms) {
            m.ram.close();
        }
        pagemap.close();
        if (nodeRoom != null) {
            nodeRoom.close();
        }
    }

    /**
     * This backend's kswapd: wakes when a node's free room falls to its low watermark and pages
     * cold gfns out in batches until the room is back above the high watermark; every
     * {@link #RESCAN_NS} of virtual time it also rescans the pagemap ({@link #rescan}).
     */
    final class PageoutDaemon extends Agent {
        static final long RESCAN_NS = 10_000_000L;

        /** A clock hand over (vm, gfn). */
        static final class Hand {
            int vm;
            int gfn;
        }

        private final Engine engine;
        final Hand[] hands;
        private final boolean[] running;
        private long nextRescan = rescanNs;

        PageoutDaemon(Engine engine) {
            this.engine = engine;
            this.hands = new Hand[limits.length];
            this.running = new boolean[limits.length];
            for (int n = 0; n < hands.length; n++) {
                hands[n] = new Hand();
            }
        }

        void wakeNow() {
            engine.wake(this, engine.now());
        }

        @Override
        public String name() {
            return "linux-kswapd";
        }

        @Override
        public long doWork(long now) {
            if (closed) {
                return SLEEP;
            }
            long t0 = System.nanoTime();
            if (now >= nextRescan) {
                rescan();
                nextRescan = now + rescanNs;
            }
            boolean busy = false;
            for (int n = 0; n < limits.length; n++) {
                NodeLimit l = limits[n];
                if (l.pages() - resident[n] < (running[n] ? l.wmarkHigh() : l.wmarkLow())) {
                    if (!running[n]) {
                        stat.inc(Counter.KSWAPD_WAKE);
                        running[n] = true;
                    }
                    int got = shrink(n, reclaimBatch);
                    stat.add(Counter.PGSTEAL_KSWAPD, got);
                    running[n] = got > 0;
                    busy |= got > 0;
                } else {
                    running[n] = false;
                }
            }
            long spent = Math.max(1, System.nanoTime() - t0);
            return busy ? now + spent : Math.min(nextRescan, now + rescanNs);
        }
    }
}
