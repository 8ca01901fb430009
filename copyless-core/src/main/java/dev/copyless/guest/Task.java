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
    Vcpu vcpu;

    int scanOffset;
    long nextScanAt;
    final long[] numaFaults;
    int preferredVnode = NO_NODE;

    /**
     * @param thinkNs compute time between two accesses (virtual ns): the access rate of the task
     */
    public Task(int id, String name, int gvpnStart, Workload workload, long thinkNs, int vnodes, long seed) {
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
