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

    public long nextScanAt() {
        return nextScanAt;
    }

    public void setNextScanAt(long t) {
        nextScanAt = t;
    }

    /** Packs (task, vNode) into a {@code last_cpupid} value. */
    public int cpupid(int vnode) {
        return (id << 8) | vnode;
    }

    public static int cpupidTask(int cpupid) {
        return cpupid >>> 8;
    }

    public static int cpupidVnode(int cpupid) {
        return cpupid & 0xFF;
    }
}
