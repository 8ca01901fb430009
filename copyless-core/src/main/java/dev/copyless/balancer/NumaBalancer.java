package dev.copyless.balancer;

import dev.copyless.clock.CostModel;
import dev.copyless.guest.GuestPte;
import dev.copyless.guest.GuestVm;
import dev.copyless.guest.NumaHooks;
import dev.copyless.guest.Task;
import dev.copyless.guest.Vcpu;
import dev.copyless.host.HostMemory;
import dev.copyless.host.MovedFrom;
import dev.copyless.hypervisor.Hypervisor;
import dev.copyless.hypervisor.MigrationRequest;
import dev.copyless.hypervisor.MovedPageList;
import dev.copyless.hypervisor.MovedPageListView;
import dev.copyless.hypervisor.RequestChannel;
import dev.copyless.metrics.Counter;
import dev.copyless.metrics.RunMetrics;
import dev.copyless.metrics.VmStat;
import dev.copyless.mm.Errno;
import dev.copyless.mm.PageState;

/**
 * The guest kernel's automatic NUMA balancing, one per VM, written once for every policy
 * and backend:
 *
 * <ul>
 *   <li>{@link #taskNumaWork}: every scan period a task's next window of present PTEs is
 *       made {@code PROT_NONE} ({@code task_numa_work}, {@code change_prot_numa}); once per
 *       completed pass the task's preferred vNode is recomputed from its decayed fault counts
 *       ({@code task_numa_placement}) and its scan period adapted between the minimum and the
 *       maximum from the share of local and of private faults ({@code update_task_scan_period});
 *       the first scan comes after the scan delay, and a move by the scheduler resets the
 *       period ({@link Task#updateScanPeriod});</li>
 *   <li>{@link #doNumaPage}: the hinting fault ({@code do_numa_page}): count it, and if the
 *       page sits on a vNode other than the faulting CPU's, apply the two-access filter
 *       ({@code should_numa_migrate_memory}: migrate on a first fault or a private fault,
 *       else only if the previous fault came from the same vNode) and the preferred-node
 *       check, then hand the page to the {@link BalancingPolicy}.</li>
 * </ul>
 *
 * Claim 9: with the copyless policy, each such attempt inspects the moved-page list, read
 * through the guest's mapping of it ({@link MovedPageListView}). The balancer is also the
 * guest's hypercall driver ({@link #hypercall}): per-VM sequence numbers, the binary request
 * block of docs/ABI.md in the vCPU's shared area, timeouts and retries.
 */
public final class NumaBalancer implements NumaHooks {
    private final GuestVm vm;
    private final Hypervisor hypervisor;
    private final HostMemory host;
    private final BalancingPolicy policy;
    private final CostModel cost;
    private final RunMetrics metrics;
    private final long scanPeriodMinNs;
    private final long scanPeriodMaxNs;
    private final long scanDelayNs;
    private final int scanPages;
    private final int faultAround;
    private final MovedPageListView listView;
    /** The last sequence number this VM's hypercalls used (per VM, monotonic, docs/ABI.md). */
    private long seq;

    /**
     * @param scanPeriodMinNs {@code numa_balancing_scan_period_min_ms} (stock 1,000 ms)
     * @param scanPeriodMaxNs {@code numa_balancing_scan_period_max_ms} (stock 60,000 ms)
     * @param scanDelayNs     {@code numa_balancing_scan_delay_ms}: first scan after start (stock 1,000 ms)
     * @param scanPages       {@code numa_balancing_scan_size_mb} in pages (stock 256 MB)
     * @param faultAround     pages considered per migrating hinting fault: the faulting page plus
     *                        up to {@code faultAround - 1} following PROT_NONE pages of the task
     *                        that pass the same filters (1 = stock Linux, one page per fault)
     */
    public NumaBalancer(GuestVm vm, Hypervisor hypervisor, BalancingPolicy policy, CostModel cost,
                        RunMetrics metrics, long scanPeriodMinNs, long scanPeriodMaxNs, long scanDelayNs,
                        int scanPages, int faultAround) {
        if (scanPeriodMinNs <= 0 || scanPeriodMaxNs < scanPeriodMinNs || scanDelayNs <= 0 || scanPages <= 0) {
            throw new IllegalArgumentException("scan period min " + scanPeriodMinNs + ", max " + scanPeriodMaxNs
                    + ", delay " + scanDelayNs + ", pages " + scanPages);
        }
        this.faultAround = faultAround;
        this.vm = vm;
        this.hypervisor = hypervisor;
        this.host = hypervisor.host();
        this.policy = policy;
        this.cost = cost;
        this.metrics = metrics;
        this.scanPeriodMinNs = scanPeriodMinNs;
        this.scanPeriodMaxNs = scanPeriodMaxNs;
        this.scanDelayNs = scanDelayNs;
        this.scanPages = scanPages;
        this.listView = new MovedPageListView(hypervisor.exportMovedPageList(vm.id()));
    }

    /** A balancer with a fixed scan period (minimum = maximum = delay): for tests and studies of one period. */
    public NumaBalancer(GuestVm vm, Hypervisor hypervisor, BalancingPolicy policy, CostModel cost,
                        RunMetrics metrics, long scanPeriodNs, int scanPages, int faultAround) {
        this(vm, hypervisor, policy, cost, metrics, scanPeriodNs, scanPeriodNs, scanPeriodNs, scanPages, faultAround);
    }

    /** {@code MAX_SCAN_WINDOW}: never scan more than 2,560 MB of PTEs per second. */
    static final long MAX_SCAN_WINDOW_MB = 2560;

    /**
     * {@code init_numa_balancing} with this task's {@code task_scan_min} and
     * {@code task_scan_max} (kernel/sched/fair.c, no NUMA groups): the number of scan windows
     * its resident set needs, {@code ceil(rss / scan size)}, divides both periods, and the
     * minimum is never below {@code 1000 ms / (2560 MB / scan size)}, the
     * {@code MAX_SCAN_WINDOW} floor. The resident set is the task's footprint.
     */
    public void initTask(Task t) {
        long scanMb = Math.max(1, ((long) scanPages * CostModel.PAGE_SIZE) >> 20);
        long windows = scanMb < MAX_SCAN_WINDOW_MB ? MAX_SCAN_WINDOW_MB / scanMb : 1;
        long floorNs = 1000 / windows * 1_000_000L;
        long nrWindows = Math.max(1, (Math.max(1, t.footprint()) + scanPages - 1) / scanPages);
        long min = Math.max(floorNs, scanPeriodMinNs / nrWindows);
        long max = Math.max(min, scanPeriodMaxNs / nrWindows);
        t.initScan(scanDelayNs, min, max);
    }

    public GuestVm vm() {
        return vm;
    }

    public Hypervisor hypervisor() {
        return hypervisor;
    }

    public BalancingPolicy policy() {
        return policy;
    }

    public VmStat stat() {
        return metrics.stat;
    }

    public MovedPageList movedPageList() {
        return hypervisor.movedPageList(vm.id());
    }

    /** The moved-page list as this guest maps it (read-only shared memory). */
    public MovedPageListView movedPageListView() {
        return listView;
    }

    /**
     * {@code KVM_HC_COPYLESS_MIGRATE} from {@code cpu}: encodes {@code req} into the vCPU's
     * shared area with the next sequence number and the host node the guest's topology says
     * backs the destination vNode, sends it on the request channel and decodes the reply into
     * {@code req.status} (every entry gets the call's status when the call is refused). A
     * timed-out attempt is retried with a new sequence number up to the channel's
     * {@code retries}; the last timeout is left in the statuses ({@code -ETIMEDOUT}) for the
     * policy to fall back on. Allocates nothing.
     *
     * @return virtual ns the guest spent: accepted calls' time, an exit per refused call, the
     *         timeout per lost attempt
     */
    public long hypercall(Vcpu cpu, MigrationRequest req) {
        RequestChannel ch = hypervisor.channel();
        int dstHostNode = vm.hostNodeOf(req.dstVnode);
        long ns = 0;
        for (int attempt = 0; ; attempt++) {
            long r = cpu.hypercallArea().call(ch, vm.id(), ++seq, req, dstHostNode);
            if (r >= 0) {
                return ns + r;
            }
            if (r != -Errno.ETIMEDOUT) {
                return ns + cost.hypercallExitNs;
            }
            ns += ch.timeoutNs();
            if (attempt >= ch.retries()) {
                return ns;
            }
            metrics.stat.inc(Counter.HYPERCALL_RETRIES);
        }
    }

    long migrateCost() {
        return cost.migratePageNs;
    }

    /** One lookup of a gfn in the moved-page list ({@code cost.list-inspect-ns}, claim 9). */
    long listInspectCost() {
        return cost.listInspectNs;
    }

    /** Whether the scanner runs for this VM. */
    public boolean enabled() {
        return policy.scans();
    }

    /**
     * {@code task_numa_work}: protects the task's next {@code scanPages} present PTEs and
     * updates its placement. Runs in the task's context.
     *
     * @return virtual ns spent
     */
    @Override
    public long taskNumaWork(Task t, long now) {
        if (t.scanPeriodMaxNs() == 0) {
            initTask(t);
        }
        t.startScanning();
        if (!policy.scans()) {
            t.setNextScanAt(now + t.scanPeriodNs());
            return 0;
        }
        if (t.catchUpScanSeq()) {
            taskNumaPlacement(t);
            updateTaskScanPeriod(t);
        }
        t.setNextScanAt(now + t.scanPeriodNs());
        int[] pt = vm.pageTable();
        int fp = t.footprint();
        int base = t.gvpnStart();
        int updated = 0;
        int off = t.scanOffset();
        for (int i = 0; i < fp && updated < scanPages; i++) {
            int g = base + off;
            if (off + 1 == fp) {
                off = 0;
                t.scanPassCompleted(); // reset_ptenuma_scan
            } else {
                off++;
            }
            int p = pt[g];
            if (p != GuestPte.NOT_PRESENT && (p & (GuestPte.PROT_NONE | GuestPte.PENDING)) == 0) {
                pt[g] = p | GuestPte.PROT_NONE;
                updated++;
            }
        }
        t.setScanOffset(off);
        metrics.stat.add(Counter.NUMA_PTE_UPDATES, updated);
        return updated * cost.pteUpdateNs;
    }

    /** {@code NUMA_PERIOD_SLOTS} and {@code NUMA_PERIOD_THRESHOLD}: aim for 70% local faults. */
    static final int NUMA_PERIOD_SLOTS = 10;
    static final int NUMA_PERIOD_THRESHOLD = 7;

    /**
     * {@code update_task_scan_period} (kernel/sched/fair.c, as in mainline), once per completed
     * pass: with no local and no shared faults, or after a failed migration, the period doubles
     * (and, as in Linux, the locality counts are not cleared on that path, so a failed migration
     * keeps the period doubling up to the maximum); otherwise it grows when 70% or more of the
     * faults were private, or were local, and shrinks in proportion to how far both fall short.
     */
    static void updateTaskScanPeriod(Task t) {
        long[] loc = t.faultsLocality();
        long[] types = t.faultTypes();
        long remote = loc[0];
        long local = loc[1];
        long shared = types[0];
        long priv = types[1];
        types[0] = 0;
        types[1] = 0;
        long period = t.scanPeriodNs();
        if (local + shared == 0 || loc[2] != 0) {
            t.setScanPeriodNs(Math.min(t.scanPeriodMaxNs(), period << 1));
            return;
        }
        long periodSlot = (period + NUMA_PERIOD_SLOTS - 1) / NUMA_PERIOD_SLOTS;
        long lrRatio = local * NUMA_PERIOD_SLOTS / (local + remote);
        long psRatio = priv * NUMA_PERIOD_SLOTS / (priv + shared);
        long diff;
        if (psRatio >= NUMA_PERIOD_THRESHOLD) {
            diff = Math.max(1, psRatio - NUMA_PERIOD_THRESHOLD) * periodSlot;
        } else if (lrRatio >= NUMA_PERIOD_THRESHOLD) {
            diff = Math.max(1, lrRatio - NUMA_PERIOD_THRESHOLD) * periodSlot;
        } else {
            diff = -(NUMA_PERIOD_THRESHOLD - Math.max(lrRatio, psRatio)) * periodSlot;
        }
        t.setScanPeriodNs(period + diff);
        loc[0] = 0;
        loc[1] = 0;
        loc[2] = 0;
    }

    /** {@code task_numa_placement}: preferred vNode = most hinting faults, counts decayed by half. */
    private static void taskNumaPlacement(Task t) {
        long[] f = t.numaFaults();
        int best = Task.NO_NODE;
        long bestCount = 0;
        for (int v = 0; v < f.length; v++) {
            if (f[v] > bestCount) {
                best = v;
                bestCount = f[v];
            }
            f[v] >>= 1;
        }
        if (best != Task.NO_NODE) {
            t.setPreferredVnode(best);
        }
    }

    /**
     * {@code do_numa_page}: a hinting fault on {@code gvpn} by task {@code t} on {@code cpu}.
     * Restores the PTE, counts the fault, and migrates the page if the filters agree.
     *
     * @return virtual ns spent (fault plus any migration)
     */
    @Override
    public long doNumaPage(Vcpu cpu, Task t, int gvpn) {
        int[] pt = vm.pageTable();
        int gfn = GuestPte.gfn(pt[gvpn]);
        pt[gvpn] = gfn;
        long ns = cost.hintFaultNs;
        int cpuVnode = cpu.vnode();
        int pageVnode = vm.vnodeOf(gfn);
        metrics.stat.inc(Counter.NUMA_HINT_FAULTS);
        if (pageVnode == cpuVnode) {
            metrics.stat.inc(Counter.NUMA_HINT_FAULTS_LOCAL);
        }
        t.numaFaults()[cpuVnode]++;
        int last = vm.xchgLastCpupid(gfn, t.cpupid(cpuVnode));
        boolean priv = last == GuestVm.NO_CPUPID || t.cpupidMatchPid(last); // task_numa_fault
        t.faultTypes()[priv ? 1 : 0]++;
        t.faultsLocality()[pageVnode == cpuVnode ? 1 : 0]++;
        if (pageVnode != cpuVnode && shouldNumaMigrateMemory(t, last, cpuVnode)) {
            long failed = metrics.stat.get(Counter.PGMIGRATE_FAIL);
            ns += policy.migrate(this, cpu, gvpn, gfn, cpuVnode);
            ns += migrateAround(cpu, t, gvpn, cpuVnode);
            ns += policy.flush(this, cpu); // the faulting access needs its page now
            if (metrics.stat.get(Counter.PGMIGRATE_FAIL) != failed) {
                t.faultsLocality()[2]++; // TNF_MIGRATE_FAIL
            }
        }
        return ns;
    }

    /**
     * NUMA fault-around: the PROT_NONE pages that follow the faulting one in the task's range,
     * misplaced on another vNode and private to this task (their {@code last_cpupid} is unset
     * or names it), are migrated with it, so that a copyless guest can carry them in one
     * hypercall. Every policy gets the same pages, so the comparison stays fair.
     */
    private long migrateAround(Vcpu cpu, Task t, int gvpn, int dstVnode) {
        long ns = 0;
        int[] pt = vm.pageTable();
        int end = Math.min(t.gvpnStart() + t.footprint(), gvpn + faultAround);
        for (int g = gvpn + 1; g < end; g++) {
            int p = pt[g];
            if (p == GuestPte.NOT_PRESENT || (p & GuestPte.PROT_NONE) == 0 || (p & GuestPte.PENDING) != 0) {
                continue;
            }
            int gfn = GuestPte.gfn(p);
            int last = vm.lastCpupid(gfn);
            if (vm.vnodeOf(gfn) == dstVnode || (last != GuestVm.NO_CPUPID && !t.cpupidMatchPid(last))) {
                continue;
            }
            pt[g] = gfn;
            vm.xchgLastCpupid(gfn, t.cpupid(dstVnode));
            metrics.stat.inc(Counter.NUMA_FAULT_AROUND);
            ns += policy.migrate(this, cpu, g, gfn, dstVnode);
        }
        return ns;
    }

    /**
     * After {@code should_numa_migrate_memory}: a first fault or a private fault (same task as
     * last time) migrates at once; a shared page migrates only when two consecutive faults came
     * from the destination vNode. Two simplifications against Linux, the same for every policy:
     * Linux lets first and private faults through at once only early in a task's life
     * ({@code numa_scan_seq <= 4} or no preferred node) and applies the two-stage filter to
     * private faults after that; and the veto "the task prefers another vNode" stands in for
     * Linux's separate task placement ({@code numa_migrate_preferred}), which this model does
     * not do (tasks move only by the guest scheduler).
     */
    static boolean shouldNumaMigrateMemory(Task t, int lastCpupid, int dstVnode) {
        int pref = t.preferredVnode();
        if (pref != Task.NO_NODE && pref != dstVnode) {
            return false;
        }
        if (lastCpupid == GuestVm.NO_CPUPID || t.cpupidMatchPid(lastCpupid)) {
            return true;
        }
        return Task.cpupidVnode(lastCpupid) == dstVnode;
    }

    /**
     * The guest's own page migration by copy ({@code migrate_misplaced_folio} then
     * {@code folio_migrate_copy}): used by {@code naive} for every page and by
     * {@code copyless} for pages the list does not name, and as the fallback of a stale entry.
     */
    public long migrateByCopy(int gvpn, int srcGfn, int dstVnode) {
        return migrateByCopy(gvpn, srcGfn, dstVnode, movedAtDecision(srcGfn));
    }

    /**
     * Where a source page's data was when the guest decided to migrate it, for the
     * {@code balanced_moved_pages_*} accounting only (the decision itself reads the list):
     * not moved, on another node, swapped, or swapped with its data still in the host's swap cache.
     */
    MovedFrom movedAtDecision(int srcGfn) {
        return MovedFrom.of(host.locate(vm.id(), srcGfn), host.isMoved(vm.id(), srcGfn));
    }

    /**
     * A copy whose source was judged moved (or not) earlier: {@code movedAtDecision} is where
     * the source's data was when the guest decided. A stale copyless entry falls back here and
     * still counts as a balanced moved page, as {@code balanced_moved_pages} is defined at decision time.
     */
    long migrateByCopy(int gvpn, int srcGfn, int dstVnode, MovedFrom movedAtDecision) {
        int dst = vm.allocGfn(dstVnode);
        if (dst == GuestVm.NO_GFN) {
            metrics.stat.inc(Counter.PGMIGRATE_FAIL);
            return 0;
        }
        long copied = host.copy(vm.id(), srcGfn, dst);
        if (copied < 0) { // -EIO: the source page is lost (poisoned); the migration fails, the page stays mapped
            vm.freeGfn(dst);
            metrics.stat.inc(Counter.PGMIGRATE_FAIL);
            return cost.migratePageNs;
        }
        long ns = cost.migratePageNs + copied;
        vm.remap(gvpn, srcGfn, dst);
        if (movedAtDecision.moved()) {
            countMovedBalanced(movedAtDecision);
        }
        completed(ns);
        return ns;
    }

    /** Counts one balancing migration of a page the host had moved, by where its data was. */
    void countMovedBalanced(MovedFrom kind) {
        metrics.stat.inc(Counter.BALANCED_MOVED_PAGES);
        metrics.stat.inc(switch (kind) {
            case SWAP -> Counter.BALANCED_MOVED_PAGES_SWAP;
            case SWAPCACHE -> Counter.BALANCED_MOVED_PAGES_SWAPCACHE;
            default -> Counter.BALANCED_MOVED_PAGES_NODE;
        });
    }

    /** Counts one completed balancing migration and its latency. */
    void completed(long ns) {
        metrics.stat.inc(Counter.NUMA_PAGES_MIGRATED);
        metrics.stat.inc(Counter.PGMIGRATE_SUCCESS);
        metrics.recordMigrationLatency(ns);
    }

    /** Completes a vCPU's pending migrations. */
    @Override
    public long flush(Vcpu cpu) {
        return policy.flush(this, cpu);
    }
}
