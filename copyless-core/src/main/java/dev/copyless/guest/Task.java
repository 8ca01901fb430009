package dev.copyless.guest;

import dev.copyless.workload.Workload;
import java.util.SplittableRandom;

/**
 * A guest task: a range of guest virtual pages it owns, its access pattern, the vCPU it
 * runs on, and its NUMA balancing state as in {@code task_struct}: the scan cursor and
 * next scan time ({@code numa_scan_offset}, {@code node_stamp}), per-vNode hinting fault
 * counts ({@code numa_faults}, by the faulting CPU's node) and the preferred node
 * ({@code numa_preferred_nid}).
 */
public final class Task {
    public static final int NO_NODE = -1;

    private final int id;
    private final String name;
    private final int gvpnStart;
    private final Workload workload;
    private final long thinkNs;
    final SplittableRandom rng;
    /** Draws which accesses are stores: a stream of its own, so the access sequence does not depend on it. */
    private final SplittableRandom storeRng;
    /** Share of accesses that are stores, and the same as a threshold on a 16-bit draw (out of 65,536). */
    private final double writeFraction;
    private final int storeThreshold;
    /** Unused 16-bit draws of the last {@code nextLong}: four decisions per draw keep the fast path cheap. */
    private long storeBits;
    private int storeBitsLeft;
    Vcpu vcpu;

    int scanOffset;
    long nextScanAt;
    final long[] numaFaults;
    int preferredVnode = NO_NODE;

    /** {@code numa_scan_period}: ns until the scan after the next one; starts at the scan delay. */
    long scanPeriodNs;
    /** {@code task_scan_min} and {@code task_scan_max} for this task's size, set by the balancer. */
    long scanPeriodMinNs;
    long scanPeriodMaxNs;
    /** False until the first scan ({@code node_stamp == 0}: the period is set to {@code task_scan_start}). */
    boolean scanStarted;
    /** {@code mm->numa_scan_seq}: full passes of the scanner over the task's range. */
    int mmScanSeq;
    /** {@code p->numa_scan_seq}: the pass the task's placement and scan period last saw. */
    int numaScanSeq;
    /** {@code numa_faults_locality}: hinting faults on remote and on local pages, and failed migrations. */
    final long[] faultsLocality = new long[3];
    /** Shared ({@code [0]}) and private ({@code [1]}) hinting faults since the last placement. */
    final long[] faultTypes = new long[2];

    /**
     * @param thinkNs compute time between two accesses (virtual ns): the access rate of the task
     */
    public Task(int id, String name, int gvpnStart, Workload workload, long thinkNs, int vnodes, long seed) {
        this(id, name, gvpnStart, workload, thinkNs, vnodes, seed, 0);
    }

    /**
     * @param writeFraction share of the task's accesses that are stores, drawn from a seeded stream of the task's own
     */
    public Task(int id, String name, int gvpnStart, Workload workload, long thinkNs, int vnodes, long seed,
                double writeFraction) {
        if (!(writeFraction >= 0 && writeFraction <= 1)) {
            throw new IllegalArgumentException("write fraction " + writeFraction + " is not in [0, 1]");
        }
        this.writeFraction = writeFraction;
        this.storeThreshold = (int) Math.round(writeFraction * 65_536);
        this.storeRng = new SplittableRandom(seed ^ 0x5DEECE66DL * 0x9E3779B97F4A7C15L);
        this.id = id;
        this.thinkNs = thinkNs;
        this.name = name;
        this.gvpnStart = gvpnStart;
        this.workload = workload;
        this.rng = new SplittableRandom(seed);
        this.numaFaults = new long[vnodes];
    }

    public int id() {
        return id;
    }

    public String name() {
        return name;
    }

    public int gvpnStart() {
        return gvpnStart;
    }

    public int footprint() {
        return workload.footprint();
    }

    public long thinkNs() {
        return thinkNs;
    }

    public Workload workload() {
        return workload;
    }

    public double writeFraction() {
        return writeFraction;
    }

    /**
     * Whether the next access is a store: a draw of 16 bits against the write fraction (a
     * resolution of 1 / 65,536), four draws per {@code nextLong}. Allocates nothing.
     */
    boolean nextIsStore() {
        if (storeThreshold == 0) {
            return false;
        }
        if (storeBitsLeft == 0) {
            storeBits = storeRng.nextLong();
            storeBitsLeft = 4;
        }
        int draw = (int) (storeBits & 0xFFFF);
        storeBits >>>= 16;
        storeBitsLeft--;
        return draw < storeThreshold;
    }

    public int vnode() {
        return vcpu.vnode();
    }

    public int preferredVnode() {
        return preferredVnode;
    }

    public void setPreferredVnode(int v) {
        preferredVnode = v;
    }

    /** Hinting faults per vNode of the faulting CPU since the last (halving) placement. */
    public long[] numaFaults() {
        return numaFaults;
    }

    public int scanOffset() {
        return scanOffset;
    }

    public void setScanOffset(int off) {
        scanOffset = off;
    }

    /**
     * {@code init_numa_balancing}: the first scan comes {@code delayNs} after start
     * ({@code numa_balancing_scan_delay_ms}), and the period starts at it; {@code minNs} and
     * {@code maxNs} are this task's {@code task_scan_min} and {@code task_scan_max}.
     */
    public void initScan(long delayNs, long minNs, long maxNs) {
        scanPeriodNs = delayNs;
        nextScanAt = delayNs;
        scanPeriodMinNs = minNs;
        scanPeriodMaxNs = maxNs;
    }

    /** At the first scan ({@code task_tick_numa} with {@code node_stamp == 0}): the period becomes {@code task_scan_start}. */
    public void startScanning() {
        if (!scanStarted) {
            scanStarted = true;
            scanPeriodNs = scanPeriodMinNs;
        }
    }

    public void setScanPeriodNs(long ns) {
        scanPeriodNs = Math.clamp(ns, scanPeriodMinNs, scanPeriodMaxNs);
    }

    public long scanPeriodMinNs() {
        return scanPeriodMinNs;
    }

    public long scanPeriodMaxNs() {
        return scanPeriodMaxNs;
    }

    /** {@code reset_ptenuma_scan}: the scanner wrapped around the task's range. */
    public void scanPassCompleted() {
        mmScanSeq++;
    }

    /** Whether a pass completed since the last call ({@code p->numa_scan_seq != mm->numa_scan_seq}), catching up if so. */
    public boolean catchUpScanSeq() {
        if (numaScanSeq == mmScanSeq) {
            return false;
        }
        numaScanSeq = mmScanSeq;
        return true;
    }

    /** {@code numa_faults_locality}: [0] faults on remote pages, [1] on local pages, [2] failed migrations. */
    public long[] faultsLocality() {
        return faultsLocality;
    }

    /** Shared ([0]) and private ([1]) hinting faults since the last placement. */
    public long[] faultTypes() {
        return faultTypes;
    }

    /** The current {@code numa_scan_period} in ns. */
    public long scanPeriodNs() {
        return scanPeriodNs;
    }

    /**
     * {@code update_scan_period} (kernel/sched/fair.c), called when the scheduler moves the
     * task from {@code src} to {@code dst}: the scan period goes back to {@code task_scan_start}
     * (here {@code task_scan_min}: there are no NUMA groups), unless the task has scanned before
     * and is moving to its preferred vNode or was not on it. The next scan already scheduled
     * ({@code mm->numa_next_scan}) stays where it is.
     */
    public void updateScanPeriod(int src, int dst) {
        if (src == dst || !scanStarted) {
            return;
        }
        if (mmScanSeq > 0 && (dst == preferredVnode || (preferredVnode != NO_NODE && src != preferredVnode))) {
            return;
        }
        scanPeriodNs = scanPeriodMinNs;
    }

    public long nextScanAt() {
        return nextScanAt;
    }

    public void setNextScanAt(long t) {
        nextScanAt = t;
    }

    /**
     * Packs (task, vNode) into a {@code last_cpupid} value: the task id's low 8 bits
     * ({@code LAST__PID_MASK}) and the vNode ({@link GuestPage}).
     */
    public int cpupid(int vnode) {
        return ((id & GuestPage.PID_MASK) << 8) | vnode;
    }

    /** {@code cpupid_match_pid}: whether {@code cpupid} was recorded by this task (the low 8 bits of its id). */
    public boolean cpupidMatchPid(int cpupid) {
        return cpupidTask(cpupid) == (id & GuestPage.PID_MASK);
    }

    public static int cpupidTask(int cpupid) {
        return cpupid >>> 8;
    }

    public static int cpupidVnode(int cpupid) {
        return cpupid & 0xFF;
    }
}
