package dev.copyless.clock;

import java.util.Arrays;

/**
 * The virtual-time price of everything the simulated host, hypervisor and guest do, in
 * nanoseconds. Defaults and their sources are in {@code docs/COST-MODEL.md}; every value can
 * be overridden from the scenario's {@code cost:} section.
 *
 * <p>Matrices are indexed {@code [cpuNode][memoryNode]} (access) and {@code [from][to]}
 * (copy) and derived from the host's SLIT distance table: a distance of 10 is local, the
 * remote access latency is interpolated linearly in {@code distance - 10} through the
 * measured 2-socket point (distance 21 = {@code accessRemoteNs}); a remote page copy costs
 * the local copy scaled by {@code distance / 10} (a copy across the link runs at about half
 * the local memcpy bandwidth on a 2-socket host, 20.8 GB/s UPI).
 */
public final class CostModel {
    public static final int PAGE_SIZE = 4096;

    public final long accessLocalNs;
    public final long accessRemoteNs;
    public final long pageCopyLocalNs;
    public final long zeroPageNs;
    public final long eptFaultNs;
    public final long hintFaultNs;
    public final long pteUpdateNs;
    public final long migratePageNs;
    public final long hypercallExitNs;
    public final long hypercallPageNs;
    public final long reclaimScanNs;
    /**
     * The host's move of one page-table entry from the source gfn to the destination gfn in a
     * copyless migration ({@code UFFDIO_MOVE} of a scattered page, the Linux backend's primitive).
     */
    public final long remapPageNs;
    /**
     * The extra cost of a TLB shootdown (an IPI to another CPU running the mm, and its wait)
     * over a local flush, paid by the host when it clears a present mapping of a guest page:
     * a reclaim pass (one batched flush, {@code TTU_BATCH_FLUSH}), a migration of a resident
     * page. Also the KVM MMU notifier's EPT invalidation it triggers.
     */
    public final long tlbShootdownNs;
    /** One lookup of a gfn in the moved-page list by the guest ({@code MovedPageListView.isMoved}, claim 9). */
    public final long listInspectNs;

    private final long[][] access;
    private final long[][] copy;

    public CostModel(int[][] distance, long accessLocalNs, long accessRemoteNs, long pageCopyLocalNs,
                     long zeroPageNs, long eptFaultNs, long hintFaultNs, long pteUpdateNs,
                     long migratePageNs, long hypercallExitNs, long hypercallPageNs, long reclaimScanNs) {
        this(distance, accessLocalNs, accessRemoteNs, pageCopyLocalNs, zeroPageNs, eptFaultNs, hintFaultNs, pteUpdateNs,
                migratePageNs, hypercallExitNs, hypercallPageNs, reclaimScanNs, DEFAULT_REMAP_PAGE_NS,
                DEFAULT_TLB_SHOOTDOWN_NS, DEFAULT_LIST_INSPECT_NS);
    }

    /** Every value given, the three measured keys of {@code copyless calibrate} included. */
    public CostModel(int[][] distance, long accessLocalNs, long accessRemoteNs, long pageCopyLocalNs,
                     long zeroPageNs, long eptFaultNs, long hintFaultNs, long pteUpdateNs,
                     long migratePageNs, long hypercallExitNs, long hypercallPageNs, long reclaimScanNs,
                     long remapPageNs, long tlbShootdownNs, long listInspectNs) {
        this.remapPageNs = remapPageNs;
        this.tlbShootdownNs = tlbShootdownNs;
        this.listInspectNs = listInspectNs;
        this.accessLocalNs = accessLocalNs;
        this.accessRemoteNs = accessRemoteNs;
        this.pageCopyLocalNs = pageCopyLocalNs;
        this.zeroPageNs = zeroPageNs;
        this.eptFaultNs = eptFaultNs;
        this.hintFaultNs = hintFaultNs;
        this.pteUpdateNs = pteUpdateNs;
        this.migratePageNs = migratePageNs;
        this.hypercallExitNs = hypercallExitNs;
        this.hypercallPageNs = hypercallPageNs;
        this.reclaimScanNs = reclaimScanNs;
        int n = distance.length;
        access = new long[n][n];
        copy = new long[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                int d = distance[i][j];
                access[i][j] = accessLocalNs + Math.round((accessRemoteNs - accessLocalNs) * (d - 10) / 11.0);
                copy[i][j] = Math.round(pageCopyLocalNs * d / 10.0);
            }
        }
    }

    /** Default of {@code cost.remap-page-ns} ({@code docs/COST-MODEL.md}: measured by {@code copyless calibrate}). */
    public static final long DEFAULT_REMAP_PAGE_NS = 880;
    /** Default of {@code cost.tlb-shootdown-ns}. */
    public static final long DEFAULT_TLB_SHOOTDOWN_NS = 0;
    /** Default of {@code cost.list-inspect-ns}. */
    public static final long DEFAULT_LIST_INSPECT_NS = 28;

    /** Defaults of {@code docs/COST-MODEL.md} for the given SLIT table. */
    public static CostModel defaults(int[][] distance) {
        return new CostModel(distance, 89, 139, 410, 400, 1_650, 1_000, 10, 2_000, 742, 200, 50);
    }

    /** Latency of one guest access from a vCPU on {@code cpuNode} to memory on {@code memNode}. */
    public long accessNs(int cpuNode, int memNode) {
        return access[cpuNode][memNode];
    }

    /** The access matrix row for a vCPU's node: hot-path callers keep a reference to it. */
    public long[] accessRow(int cpuNode) {
        return access[cpuNode];
    }

    /** Time to copy one 4 KiB page from {@code from} to {@code to}. */
    public long copyNs(int from, int to) {
        return copy[from][to];
    }

    @Override
    public String toString() {
        return "CostModel" + Arrays.deepToString(access) + Arrays.deepToString(copy);
    }
}
