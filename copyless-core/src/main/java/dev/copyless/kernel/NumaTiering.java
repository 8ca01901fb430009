package dev.copyless.kernel;

import static dev.copyless.mm.PageState.MIGRATE_ON_TOUCH;
import static dev.copyless.mm.PageState.PROMOTE_ON_TOUCH;

import dev.copyless.host.GfnLocations;
import dev.copyless.host.MovedFrom;
import dev.copyless.metrics.Counter;
import dev.copyless.mm.PageState;
import dev.copyless.mm.Promotion;
import java.util.Arrays;

/**
 * The host's NUMA balancing in memory-tiering mode ({@code numa_balancing=2},
 * {@code NUMA_BALANCING_MEMORY_TIERING}) over guest memory bound with
 * {@code MPOL_BIND | MPOL_F_NUMA_BALANCING}: the sampled, rate-limited promotion of demoted
 * pages ({@link Promotion.Mode#TIERING}).
 *
 * <ul>
 *   <li><b>Scan</b> ({@link #scanPass}, driven by {@link HostNumaScanner}):
 *       {@code task_numa_work} walks a VM's guest memory from where the last pass stopped, at most
 *       {@code scan-size} of it per pass, or 8 times that when a range had nothing to mark
 *       ({@code virtpages}); {@code change_prot_numa} (mm/mprotect.c {@code change_pte_range}) makes
 *       the PTE of each resident page on a lower-tier node {@code PROT_NONE} ({@link PageState#PROMOTE_ON_TOUCH})
 *       and stamps the folio's access time with the scan time ({@code folio_xchg_access_time}). A
 *       top-tier page is skipped (tiering mode without {@code NUMA_BALANCING_NORMAL}); so is a
 *       PTE that is already {@code PROT_NONE}, and it keeps its old stamp.</li>
 *   <li><b>Hinting fault</b> ({@link #hintFault}): {@code do_numa_page} restores the PTE and asks
 *       {@code mpol_misplaced}: with {@code MPOL_F_MORON} a page moves only towards the faulting
 *       CPU's node, and only when that node is in the bind mask (here: the gfn's pinned node).
 *       Then {@code should_numa_migrate_memory}: promote at once when the destination has plenty of
 *       free memory ({@code pgdat_free_space_enough}); else only when the hint-fault latency (fault
 *       time minus scan stamp, {@code numa_hint_fault_latency}, which restamps the folio) is below
 *       the hot threshold and the destination's rate limit allows ({@code numa_promotion_rate_limit},
 *       which counts every such page as {@code pgpromote_candidate}). The migration itself
 *       ({@code migrate_misplaced_folio_prepare}) refuses a destination below its high watermark
 *       plus the page and wakes its kswapd instead: promotion never reclaims directly.</li>
 * </ul>
 *
 * <p>Claim 12: a held-back VM's page that would be promoted stays where it is
 * ({@code holdback_skipped}). Not modelled: {@code numa_promotion_adjust_threshold}, which moves the
 * threshold by 1/8 of it (up to twice it) once per {@code numa_balancing_scan_period_max_ms}
 * (60 s) after tiering mode is switched on, longer than a run; the adaptive scan period (fixed at
 * {@code scan-period}). State: an {@code int} scan stamp (ms) per gfn of each VM, allocated at its
 * first scan; a few {@code long}s per node. Single-threaded like the rest of the simulated host.
 */
final class NumaTiering {
    /** {@code MSEC_PER_SEC}: the rate limit's window. */
    private static final long WINDOW_MS = 1_000;
    /** {@code pgdat_free_space_enough}: 1 GiB in pages, or a 16th of the node if larger. */
    private static final long ENOUGH_PAGES = 1L << 18;

    private final Kernel k;
    private final Promotion p;
    /** Per node: a lower tier ({@code !node_is_toptier}): some node demotes to it. */
    private final boolean[] lowerTier;
    /** Per node: {@code PGPROMOTE_CANDIDATE}, {@code nbp_rl_start} (ms) and {@code nbp_rl_nr_cand}. */
    private final long[] candidates;
    private final long[] rlStartMs;
    private final long[] rlCandidates;
    /** Per VM: the scan stamp (ms) of each gfn ({@code folio_xchg_access_time}), null until its first scan. */
    private int[][] stampMs = new int[0][];
    /** Per VM: where the next pass starts ({@code mm->numa_scan_offset}). */
    private int[] scanOffset = new int[0];

    NumaTiering(Kernel k) {
        this.k = k;
        this.p = k.config.promotion();
        int n = k.nodes.length;
        lowerTier = new boolean[n];
        for (int t : k.config.demotionTarget()) {
            if (t >= 0) {
                lowerTier[t] = true;
            }
        }
        candidates = new long[n];
        rlStartMs = new long[n];
        rlCandidates = new long[n];
    }

    /** Whether the host runs tiering mode's scanner and hinting faults. */
    boolean enabled() {
        return p.mode() == Promotion.Mode.TIERING;
    }

    /**
     * One pass of {@code task_numa_work} over a VM's guest memory at {@code nowNs}.
     *
     * @return PTEs made {@code PROT_NONE}
     */
    long scanPass(int vm, long nowNs) {
        GfnLocations loc = k.vm(vm);
        int gfns = loc.gfns();
        int[] stamps = stamps(vm);
        int nowMs = (int) (nowNs / 1_000_000L);
        long pages = p.scanPages();
        long virt = pages * 8;
        int start = scanOffset[vm] < gfns ? scanOffset[vm] : 0;
        long updates = 0;
        while (pages > 0 && virt > 0 && start < gfns) {
            int end = (int) Math.min(gfns, start + pages);
            long n = changeProtNuma(loc, stamps, start, end, nowMs);
            if (n > 0) {
                pages -= end - start;
            }
            virt -= end - start;
            updates += n;
            start = end;
        }
        scanOffset[vm] = start < gfns ? start : 0; // reset_ptenuma_scan at the end of the address space
        k.stat.add(Counter.HOST_NUMA_PTE_UPDATES, updates);
        return updates;
    }

    /** {@code change_pte_range} with {@code MM_CP_PROT_NUMA} in tiering mode over gfns {@code [start, end)}. */
    private long changeProtNuma(GfnLocations loc, int[] stamps, int start, int end, int nowMs) {
        long n = 0;
        for (int gfn = start; gfn < end; gfn++) {
            long word = loc.word(gfn);
            if (!PageState.isResident(word) || (word & (PROMOTE_ON_TOUCH | MIGRATE_ON_TOUCH)) != 0) {
                continue; // not present, or already PROT_NONE (pte_protnone): not restamped
            }
            int node = PageState.nodeOrDevice(word);
            if (!lowerTier[node] || node == loc.pinnedNode(gfn)) {
                continue; // a top-tier page; a lower-tier page on its own bind node would fault for nothing
            }
            loc.setFlags(gfn, word | PROMOTE_ON_TOUCH);
            stamps[gfn] = nowMs;
            n++;
        }
        return n;
    }

    /**
     * The host's hinting fault ({@code do_numa_page}) on a gfn the scanner made {@code PROT_NONE}:
     * an EPT fault plus the hint fault; the PTE is restored, and the page is promoted to its pinned
     * node when {@code should_numa_migrate_memory} and the destination's watermark allow.
     *
     * @param cpuNode the host node of the faulting vCPU
     * @param moved   whether the promotion completes the balancing migration of a moved page
     */
    void hintFault(Op op, int vm, int gfn, long word, int pinned, int cpuNode, MovedFrom moved) {
        GfnLocations loc = k.vm(vm);
        op.ns += k.cost.eptFaultNs + k.cost.hintFaultNs;
        k.stat.inc(Counter.HOST_NUMA_HINT_FAULTS);
        long restored = word & ~PROMOTE_ON_TOUCH;
        loc.setFlags(gfn, restored);
        if (cpuNode != pinned) {
            return; // mpol_misplaced: MPOL_F_MORON moves a page only to a faulting node inside the bind mask
        }
        if (!shouldNumaMigrateMemory(vm, gfn, pinned)) {
            return;
        }
        if (k.holdBack(vm)) {
            k.stat.inc(Counter.HOLDBACK_SKIPPED); // claim 12: the host waits for the guest's request
            return;
        }
        if (!k.alloc.hasRoomAboveHigh(pinned)) {
            k.vmscan.wakeupKswapd(k.nodes[pinned]); // migrate_misplaced_folio_prepare: -EAGAIN, kswapd makes room
            k.stat.inc(Counter.PGMIGRATE_FAIL);
            return;
        }
        if (k.migrate.moveFrame(op, vm, gfn, restored, pinned, true, 0, moved)) {
            k.stat.inc(Counter.PGMIGRATE_SUCCESS);
            k.stat.inc(Counter.PGPROMOTE_SUCCESS);
            k.stat.inc(Counter.PAGES_BROUGHT_BACK);
        } else {
            k.stat.inc(Counter.PGMIGRATE_FAIL);
        }
    }

    /** The tiering branch of {@code should_numa_migrate_memory} for a page going to node {@code dst}. */
    private boolean shouldNumaMigrateMemory(int vm, int gfn, int dst) {
        HostNode n = k.nodes[dst];
        if (n.freeFrames() > n.wmark(Watermark.HIGH) + Math.max(ENOUGH_PAGES, n.frames() >> 4)) {
            return true; // pgdat_free_space_enough: promote without threshold or rate limit
        }
        long nowMs = k.engine.now() / 1_000_000L;
        int[] stamps = stamps(vm);
        long latency = nowMs - stamps[gfn]; // numa_hint_fault_latency
        stamps[gfn] = (int) nowMs;
        if (latency >= p.hotThresholdNs() / 1_000_000L) {
            return false;
        }
        return !rateLimited(dst, nowMs);
    }

    /** {@code numa_promotion_rate_limit}: counts the candidate, then whether this second's budget is spent. */
    private boolean rateLimited(int node, long nowMs) {
        candidates[node]++;
        k.stat.inc(Counter.PGPROMOTE_CANDIDATE);
        if (nowMs - rlStartMs[node] > WINDOW_MS) {
            rlStartMs[node] = nowMs;
            rlCandidates[node] = candidates[node];
        }
        return candidates[node] - rlCandidates[node] >= p.rateLimitPages();
    }

    /** A VM's scan stamps, allocated at first use. */
    private int[] stamps(int vm) {
        if (vm >= stampMs.length) {
            stampMs = Arrays.copyOf(stampMs, k.vmCount());
            scanOffset = Arrays.copyOf(scanOffset, k.vmCount());
        }
        if (stampMs[vm] == null) {
            stampMs[vm] = new int[k.vm(vm).gfns()];
        }
        return stampMs[vm];
    }
}
