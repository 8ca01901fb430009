package dev.copyless.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import dev.copyless.metrics.Counter;
import dev.copyless.mm.MigrationOrder;
import dev.copyless.mm.PageState;
import dev.copyless.mm.Promotion;
import dev.copyless.testkit.Rig;
import dev.copyless.testkit.Scenarios;
import org.junit.jupiter.api.Test;

/**
 * Promotion of demoted pages in the host's memory-tiering mode ({@code numa_balancing=2},
 * {@link NumaTiering}) against on-touch promotion: the scan stamp and the hot threshold, the
 * faulting vCPU's node, the per-node rate limit and claim 12's hold-back. Node 2 is the lower
 * tier both vNodes' nodes demote to.
 */
class TieringPromotionTest {
    private static final long MS = 1_000_000L;
    private static final int PAGES = 600;

    /** A host of nodes 0, 1 (the vNodes') and 2 (the lower tier), {@code pages} gfns per vNode. */
    private static Rig rig(Promotion p, String policy) {
        return Rig.builder().nodes(1024, 1024, 1024).swap(64).demotionTargets(2, 2, -1)
                .vnodes(new int[] {PAGES, PAGES}, new int[] {0, 1}).promotion(p)
                .policy(Scenarios.policy(policy, MigrationOrder.MIGRATE_BEFORE_MAP)).build();
    }

    private static Promotion tiering(long rateLimitMBps) {
        return new Promotion(Promotion.Mode.TIERING, 1000 * MS, rateLimitMBps, 1000 * MS, 1L << 16);
    }

    /** Backs gfns [0, n) of vNode 0 on node 0 and demotes them to node 2. */
    private static void demote(Rig r, int n) {
        for (int g = 0; g < n; g++) {
            r.host.populate(Rig.VM, g);
            assertThat(r.host.demote(Rig.VM, g, 2)).isPositive();
        }
    }

    private static void scanAt(Rig r, long ns) {
        r.engine.advanceTo(ns);
        HostNumaScanner scanner = r.host.hostNumaScanner();
        assertThat(scanner).isNotNull();
        scanner.doWork(r.engine.now());
    }

    private static int node(Rig r, int gfn) {
        long w = r.host.locate(Rig.VM, gfn);
        assertThat(PageState.isResident(w)).isTrue();
        return PageState.nodeOrDevice(w);
    }

    @Test
    void aPageTouchedWithinTheHotThresholdOfItsScanIsPromotedOneTouchedLaterIsNot() {
        Rig r = rig(tiering(Promotion.DEFAULT_RATE_LIMIT_MBPS), "naive");
        demote(r, 2);
        scanAt(r, 10 * MS);
        assertThat(r.count(Counter.HOST_NUMA_PTE_UPDATES)).isEqualTo(2);
        assertThat(r.word(0) & PageState.PROMOTE_ON_TOUCH).as("PROT_NONE after the scan").isNotZero();

        r.engine.advanceTo(10 * MS + 500 * MS);
        long ns = r.host.touch(Rig.VM, 0, 0);
        assertThat(node(r, 0)).as("hint-fault latency 500ms < 1000ms: promoted").isZero();
        assertThat(ns).isGreaterThanOrEqualTo(r.cost.eptFaultNs + r.cost.hintFaultNs);

        r.engine.advanceTo(10 * MS + 1500 * MS);
        r.host.touch(Rig.VM, 1, 0);
        assertThat(node(r, 1)).as("hint-fault latency 1500ms: stays on the lower tier").isEqualTo(2);
        assertThat(r.word(1) & PageState.PROMOTE_ON_TOUCH).as("the PTE is restored").isZero();

        assertThat(r.count(Counter.HOST_NUMA_HINT_FAULTS)).isEqualTo(2);
        assertThat(r.count(Counter.NUMA_HINT_FAULTS)).as("the guest's own counter is untouched").isZero();
        assertThat(r.count(Counter.PGPROMOTE_CANDIDATE)).isEqualTo(1);
        assertThat(r.count(Counter.PGPROMOTE_SUCCESS)).isEqualTo(1);

        r.host.touch(Rig.VM, 1, 0);
        assertThat(r.count(Counter.HOST_NUMA_HINT_FAULTS)).as("no second fault until the next scan").isEqualTo(2);
    }

    @Test
    void aTouchFromAVcpuOutsideThePagesBindNodeDoesNotPromote() {
        Rig r = rig(tiering(Promotion.DEFAULT_RATE_LIMIT_MBPS), "naive");
        demote(r, 1);
        scanAt(r, 10 * MS);
        r.engine.advanceTo(20 * MS);
        r.host.touch(Rig.VM, 0, 1);
        assertThat(node(r, 0)).as("mpol_misplaced: node 1 is not in the bind mask {0}").isEqualTo(2);
        assertThat(r.count(Counter.HOST_NUMA_HINT_FAULTS)).isEqualTo(1);
        assertThat(r.count(Counter.PGPROMOTE_CANDIDATE)).isZero();
    }

    @Test
    void anUnscannedDemotedPageIsNotPromotedOnTouchInTieringModeButIsInOnTouchMode() {
        Rig tier = rig(tiering(Promotion.DEFAULT_RATE_LIMIT_MBPS), "naive");
        demote(tier, 1);
        tier.engine.advanceTo(20 * MS);
        tier.host.touch(Rig.VM, 0, 0);
        assertThat(node(tier, 0)).isEqualTo(2);
        assertThat(tier.count(Counter.HOST_NUMA_HINT_FAULTS)).isZero();
        assertThat(tier.count(Counter.PGPROMOTE_SUCCESS)).isZero();

        Rig touch = rig(Promotion.ON_TOUCH, "naive");
        demote(touch, 1);
        assertThat(touch.host.hostNumaScanner()).as("no scanner outside tiering mode").isNull();
        touch.host.touch(Rig.VM, 0, 1);
        assertThat(node(touch, 0)).as("on-touch promotes on any first touch").isZero();
        assertThat(touch.count(Counter.PGPROMOTE_SUCCESS)).isEqualTo(1);
    }

    @Test
    void theRateLimitCapsPromotionCandidatesPerSecondPerNode() {
        Rig r = rig(tiering(1), "naive"); // 1 MiB/s: 256 pages per second
        demote(r, PAGES);
        scanAt(r, 10 * MS);
        r.engine.advanceTo(100 * MS);
        for (int g = 0; g < PAGES; g++) {
            r.host.touch(Rig.VM, g, 0);
        }
        // numa_promotion_rate_limit counts the page first, then refuses once 256 are counted in the window
        assertThat(r.count(Counter.PGPROMOTE_CANDIDATE)).isEqualTo(PAGES);
        assertThat(r.count(Counter.PGPROMOTE_SUCCESS)).isEqualTo(255);

        scanAt(r, 1100 * MS); // the pages left on node 2 are marked again
        r.engine.advanceTo(1200 * MS); // more than a second since the window opened: a new one
        for (int g = 0; g < PAGES; g++) {
            r.host.touch(Rig.VM, g, 0);
        }
        assertThat(r.count(Counter.PGPROMOTE_SUCCESS)).as("256 more in the next second").isEqualTo(255 + 256);
        int onNode0 = 0;
        for (int g = 0; g < PAGES; g++) {
            onNode0 += node(r, g) == 0 ? 1 : 0;
        }
        assertThat(onNode0).isEqualTo(255 + 256);
    }

    @Test
    void holdBackSuppressesTheTieringPromotionAndCountsIt() {
        Rig r = rig(tiering(Promotion.DEFAULT_RATE_LIMIT_MBPS), "copyless-holdback");
        demote(r, 1);
        assertThat(r.host.isMoved(Rig.VM, 0)).isTrue();
        scanAt(r, 10 * MS);
        r.engine.advanceTo(20 * MS);
        r.host.touch(Rig.VM, 0, 0);
        assertThat(node(r, 0)).as("claim 12: held on node 2 until the guest's request").isEqualTo(2);
        assertThat(r.count(Counter.HOLDBACK_SKIPPED)).isEqualTo(1);
        assertThat(r.count(Counter.PGPROMOTE_SUCCESS)).isZero();
        assertThat(r.count(Counter.EVICTIONS_CAUSED)).isZero();

        Rig off = rig(tiering(Promotion.DEFAULT_RATE_LIMIT_MBPS), "copyless");
        demote(off, 1);
        scanAt(off, 10 * MS);
        off.engine.advanceTo(20 * MS);
        off.host.touch(Rig.VM, 0, 0);
        assertThat(node(off, 0)).as("the same touch without hold-back promotes").isZero();
        assertThat(off.count(Counter.HOLDBACK_SKIPPED)).isZero();
    }

    @Test
    void aPromotionToANodeBelowItsHighWatermarkFailsAndWakesKswapdInsteadOfReclaiming() {
        Rig r = Rig.builder().nodes(16, 16, 64).watermarks(1, 2, 4).swap(64).demotionTargets(2, 2, -1)
                .vnodes(new int[] {32, 32}, new int[] {0, 1}).promotion(tiering(Promotion.DEFAULT_RATE_LIMIT_MBPS))
                .policy(Scenarios.policy("naive", MigrationOrder.MIGRATE_BEFORE_MAP)).build();
        demote(r, 1);
        for (int g = 1; g < 14; g++) {
            r.host.populate(Rig.VM, g); // node 0: 3 free frames left, below its high watermark (4), above low (2)
        }
        assertThat(r.free(0)).isEqualTo(3);
        scanAt(r, 10 * MS);
        r.engine.advanceTo(20 * MS);
        long wakes = r.count(Counter.KSWAPD_WAKE);
        r.host.touch(Rig.VM, 0, 0);
        assertThat(node(r, 0)).as("migrate_misplaced_folio_prepare: -EAGAIN below the high watermark").isEqualTo(2);
        assertThat(r.count(Counter.PGMIGRATE_FAIL)).isEqualTo(1);
        assertThat(r.count(Counter.KSWAPD_WAKE)).isGreaterThan(wakes);
        assertThat(r.count(Counter.PGSTEAL_DIRECT)).as("promotion never reclaims directly").isZero();
    }
}
