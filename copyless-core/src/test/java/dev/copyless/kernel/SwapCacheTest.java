package dev.copyless.kernel;

import static dev.copyless.mm.MigrationOrder.MAP_THEN_MIGRATE;
import static dev.copyless.mm.MigrationOrder.MIGRATE_BEFORE_MAP;
import static dev.copyless.testkit.Rig.VM;
import static org.assertj.core.api.Assertions.assertThat;

import dev.copyless.balancer.BalancingPolicy;
import dev.copyless.metrics.Counter;
import dev.copyless.metrics.RunResult;
import dev.copyless.mm.FrameOwner;
import dev.copyless.mm.MigrationOrder;
import dev.copyless.mm.PageState;
import dev.copyless.scenario.Scenario;
import dev.copyless.scenario.ScenarioParser;
import dev.copyless.swap.SwapDevice;
import dev.copyless.swap.SwapProfile;
import dev.copyless.testkit.Rig;
import dev.copyless.testkit.Scenarios;
import org.junit.jupiter.api.Test;

/**
 * The swap cache and swap readahead as Linux has them ({@code mm/swap_state.c},
 * {@code do_swap_page}, {@code shrink_folio_list}): what keeps a slot, what frees it, what reclaim
 * writes and what it drops, where readahead reads, and what a balanced page in the swap cache
 * costs each policy.
 */
class SwapCacheTest {

    /** Copyless without claim 12's hold-back, which would keep readahead off the VM's pages. */
    private static BalancingPolicy copylessNoHoldBack(MigrationOrder order) {
        return BalancingPolicy.of("copyless", order, 16);
    }

    /** A page of vNode 0 at gvpn 0, paged out: its gfn. */
    private static int swappedOut(Rig r) {
        int g = r.fault(0, 0);
        assertThat(r.host.pageOut(VM, g)).isGreaterThanOrEqualTo(0);
        assertThat(r.kind(g)).isEqualTo(PageState.SWAPPED);
        return g;
    }

    @Test
    void aPageReadFromSwapKeepsItsSlotWhileCleanAndReclaimDropsItWithoutAWrite() {
        Rig r = Rig.builder().build();
        int g = swappedOut(r);
        int slot = PageState.id(r.word(g));
        SwapDevice dev = r.host.swapDevice(0);
        assertThat(r.count(Counter.PSWPOUT)).isEqualTo(1);

        r.touch(0, 0); // a load

        long w = r.word(g);
        assertThat(PageState.isResident(w) && PageState.inSwapCache(w)).as(PageState.describe(w)).isTrue();
        assertThat(w & PageState.DIRTY).as("read from swap: clean").isZero();
        assertThat(dev.owner(slot)).isEqualTo(FrameOwner.of(VM, g));
        assertThat(r.count(Counter.PGMAJFAULT)).isEqualTo(1);
        r.checkInvariants();

        long ns = r.host.pageOut(VM, g);

        assertThat(ns).isGreaterThanOrEqualTo(0);
        assertThat(r.word(g)).as("back on its own slot").isEqualTo(PageState.swapped(0, slot));
        assertThat(r.count(Counter.PSWPOUT)).as("dropped without a write").isEqualTo(1);
        r.checkInvariants();
    }

    @Test
    void aDirtySwapCachePageIsWrittenBackToItsOwnSlot() {
        Rig r = Rig.builder().build();
        int g = swappedOut(r);
        int slot = PageState.id(r.word(g));
        r.touch(0, 0);
        r.host.touch(VM, g, 0, true); // a store to the mapped page: the dirty bit, the slot stays
        assertThat(PageState.inSwapCache(r.word(g))).isTrue();
        assertThat(r.word(g) & PageState.DIRTY).isNotZero();

        r.host.pageOut(VM, g);

        assertThat(r.word(g)).isEqualTo(PageState.swapped(0, slot));
        assertThat(r.count(Counter.PSWPOUT)).as("written back to its slot").isEqualTo(2);
        r.checkInvariants();
    }

    @Test
    void aStoreThatFaultsThePageInFreesItsSlot() {
        Rig r = Rig.builder().build();
        int g = swappedOut(r);
        SwapDevice dev = r.host.swapDevice(0);
        int freeSlots = dev.freeSlots();

        r.host.touch(VM, g, 0, true); // FAULT_FLAG_WRITE: should_try_to_free_swap

        long w = r.word(g);
        assertThat(PageState.isResident(w)).isTrue();
        assertThat(PageState.inSwapCache(w)).isFalse();
        assertThat(w & PageState.DIRTY).isNotZero();
        assertThat(dev.freeSlots()).isEqualTo(freeSlots + 1);
        r.host.pageOut(VM, g);
        assertThat(r.count(Counter.PSWPOUT)).as("no copy left on swap: written again").isEqualTo(2);
        r.checkInvariants();
    }

    @Test
    void lessThanHalfOfTheSwapFreeFreesTheSlotAtSwapIn() {
        Rig r = Rig.builder().swap(4).build();
        int[] g = new int[3];
        for (int i = 0; i < 3; i++) {
            g[i] = r.fault(i, 0);
            r.host.pageOut(VM, g[i]);
        }
        assertThat(r.host.swapDevice(0).freeSlots()).isEqualTo(1); // 1 * 2 < 4: vm_swap_full

        r.touch(0, 0);

        assertThat(PageState.inSwapCache(r.word(g[0]))).isFalse();
        assertThat(r.host.swapDevice(0).freeSlots()).isEqualTo(2);
        r.checkInvariants();
    }

    @Test
    void zramSkipsTheSwapCache() {
        Rig r = Rig.builder().swapProfile(SwapProfile.ZRAM).build();
        int g = swappedOut(r);
        int freeSlots = r.host.swapDevice(0).freeSlots();

        r.touch(0, 0);

        assertThat(PageState.inSwapCache(r.word(g))).isFalse();
        assertThat(r.host.swapDevice(0).freeSlots()).isEqualTo(freeSlots + 1);
        r.checkInvariants();
    }

    @Test
    void everySlotTakenFreesASlotOnlyTheSwapCacheHolds() {
        Rig r = Rig.builder().swap(4).build();
        int[] g = new int[5];
        for (int i = 0; i < 5; i++) {
            g[i] = r.fault(i, 0);
        }
        r.host.pageOut(VM, g[0]);
        r.host.pageOut(VM, g[1]);
        r.touch(0, 0); // 2 of 4 slots used: not vm_swap_full, so g0 keeps its slot in the swap cache
        assertThat(PageState.inSwapCache(r.word(g[0]))).isTrue();
        r.host.pageOut(VM, g[2]);
        r.host.pageOut(VM, g[3]); // every slot taken, g0's only by the swap cache

        assertThat(r.host.pageOut(VM, g[4])).isGreaterThanOrEqualTo(0);

        assertThat(r.kind(g[4])).isEqualTo(PageState.SWAPPED);
        assertThat(PageState.inSwapCache(r.word(g[0]))).as("g0's slot was taken back").isFalse();
        assertThat(r.word(g[0]) & PageState.DIRTY).as("its only copy is in memory now").isNotZero();
        r.checkInvariants();
    }

    /**
     * gfns 0..2 of vNode 0 paged out; faults on 0 then 1 (next to it) read gfn 2 ahead into the
     * swap cache on node 0, unmapped.
     */
    private static Rig readaheadPage(BalancingPolicy p) {
        Rig r = Rig.builder().pageCluster(3).policy(p).build();
        for (int i = 0; i < 3; i++) {
            assertThat(r.fault(i, 0)).isEqualTo(i);
        }
        for (int i = 0; i < 3; i++) {
            r.host.pageOut(VM, i);
        }
        r.touch(0, 0);
        r.touch(1, 0);
        long w = r.word(2);
        assertThat(PageState.isSwapped(w) && PageState.inSwapCache(w)).as(PageState.describe(w)).isTrue();
        assertThat(w & PageState.READAHEAD).isNotZero();
        assertThat(r.host.swapCacheFrame(PageState.nodeOrDevice(w), PageState.id(w)) >>> 32)
                .as("on the faulting VMA's node").isZero();
        assertThat(r.list().isMoved(2)).as("still a swap entry: listed").isTrue();
        assertThat(r.count(Counter.SWAP_RA)).isEqualTo(1);
        r.checkInvariants();
        return r;
    }

    @Test
    void aFaultOnAReadaheadPageIsAMinorFaultWithNoDeviceRead() {
        Rig r = readaheadPage(copylessNoHoldBack(MIGRATE_BEFORE_MAP));
        long majors = r.count(Counter.PGMAJFAULT);
        long reads = r.count(Counter.PSWPIN);

        r.touch(2, 0);

        assertThat(PageState.isResident(r.word(2)) && PageState.inSwapCache(r.word(2))).isTrue();
        assertThat(r.count(Counter.PGMAJFAULT)).isEqualTo(majors);
        assertThat(r.count(Counter.PSWPIN)).isEqualTo(reads);
        assertThat(r.count(Counter.SWAP_RA_HIT)).isEqualTo(1);
        assertThat(r.count(Counter.SWAP_CACHE_HITS)).isEqualTo(1);
        r.checkInvariants();
    }

    @Test
    void reclaimDropsAReadaheadPageNoFaultUsedWithoutIo() {
        Rig r = readaheadPage(copylessNoHoldBack(MIGRATE_BEFORE_MAP));
        long writes = r.count(Counter.PSWPOUT);
        int free0 = r.free(0);

        r.host.shrinkNode(0, r.host.node(0).frames());

        assertThat(r.word(2)).as("the unused readahead frame is dropped").isEqualTo(PageState.swapped(0, 2));
        assertThat(r.word(0)).as("a clean swap-cache page is dropped").isEqualTo(PageState.swapped(0, 0));
        assertThat(r.free(0)).isEqualTo(free0 + 3);
        assertThat(r.count(Counter.PSWPOUT)).as("all three without a write").isEqualTo(writes);
        r.checkInvariants();
    }

    @Test
    void naiveMakesOneMovementForABalancedPageInTheSwapCache() {
        Rig r = readaheadPage(BalancingPolicy.of("naive", MIGRATE_BEFORE_MAP, 16));
        long reads = r.count(Counter.PSWPIN);

        r.balanceFrom(2, 1);

        int d = r.gfnOf(2);
        assertThat(PageState.isResident(r.word(d)) && PageState.nodeOrDevice(r.word(d)) == 1).isTrue();
        assertThat(r.count(Counter.BALANCED_MOVED_PAGES_SWAPCACHE)).isEqualTo(1);
        assertThat(r.count(Counter.BALANCED_MOVED_PAGES_SWAP)).isZero();
        assertThat(r.count(Counter.MOVED_PAGE_DATA_MOVEMENTS)).as("mapped where it is, then copied").isEqualTo(1);
        assertThat(r.count(Counter.PSWPIN)).isEqualTo(reads);
        r.checkInvariants();
    }

    @Test
    void copylessMigrateBeforeMapCopiesTheCachedFrameIntoTheDestinationNode() {
        Rig r = readaheadPage(copylessNoHoldBack(MIGRATE_BEFORE_MAP));
        long reads = r.count(Counter.PSWPIN);
        int freeSlots = r.host.swapDevice(0).freeSlots();

        r.balanceFrom(2, 1);

        int d = r.gfnOf(2);
        assertThat(PageState.isResident(r.word(d)) && PageState.nodeOrDevice(r.word(d)) == 1)
                .as("landed on the destination node, not left where the swap cache had it").isTrue();
        assertThat(r.count(Counter.BALANCED_MOVED_PAGES_SWAPCACHE)).isEqualTo(1);
        assertThat(r.count(Counter.MOVED_PAGE_DATA_MOVEMENTS)).isEqualTo(1);
        assertThat(r.count(Counter.HOST_PAGE_COPIES)).isEqualTo(1);
        assertThat(r.count(Counter.PSWPIN)).as("no device read").isEqualTo(reads);
        assertThat(r.host.swapDevice(0).freeSlots()).isEqualTo(freeSlots + 1);
        r.checkInvariants();
    }

    @Test
    void copylessMigrateBeforeMapKeepsAPageReadFromSwapInTheSwapCacheCleanAsDoSwapPageDoes() {
        Rig r = Rig.builder().policy(copylessNoHoldBack(MIGRATE_BEFORE_MAP)).build();
        int g = swappedOut(r);
        int slot = PageState.id(r.word(g));
        SwapDevice dev = r.host.swapDevice(0);
        int freeSlots = dev.freeSlots();
        long writes = r.count(Counter.PSWPOUT);

        r.balanceFrom(0, 1);

        int d = r.gfnOf(0);
        long w = r.word(d);
        assertThat(PageState.isResident(w) && PageState.nodeOrDevice(w) == 1).as(PageState.describe(w)).isTrue();
        assertThat(r.count(Counter.PSWPIN)).as("one device read, into the destination node").isEqualTo(1);
        assertThat(PageState.inSwapCache(w)).as("the read keeps its slot, as a naive swap-in does").isTrue();
        assertThat(w & PageState.DIRTY).as("read from swap: clean").isZero();
        assertThat(dev.owner(slot)).isEqualTo(FrameOwner.of(VM, d));
        assertThat(dev.freeSlots()).isEqualTo(freeSlots);
        r.checkInvariants();

        r.host.pageOut(VM, d);

        assertThat(r.word(d)).as("back on its own slot").isEqualTo(PageState.swapped(0, slot));
        assertThat(r.count(Counter.PSWPOUT)).as("dropped without a write").isEqualTo(writes);
        r.checkInvariants();
    }

    @Test
    void copylessMigrateBeforeMapFromZramFreesTheSlotAsDoSwapPageSkipsTheSwapCache() {
        Rig r = Rig.builder().swapProfile(SwapProfile.ZRAM).policy(copylessNoHoldBack(MIGRATE_BEFORE_MAP)).build();
        int g = swappedOut(r);
        SwapDevice dev = r.host.swapDevice(0);
        int freeSlots = dev.freeSlots();

        r.balanceFrom(0, 1);

        long w = r.word(r.gfnOf(0));
        assertThat(PageState.isResident(w) && PageState.nodeOrDevice(w) == 1).as(PageState.describe(w)).isTrue();
        assertThat(PageState.inSwapCache(w)).as("SWP_SYNCHRONOUS_IO: no swap cache").isFalse();
        assertThat(dev.freeSlots()).as("the slot is freed at the read").isEqualTo(freeSlots + 1);
        assertThat(g).isNotNegative();
        r.checkInvariants();
    }

    @Test
    void copylessMapThenMigrateMovesTheCachedFrameOnFirstTouch() {
        Rig r = readaheadPage(copylessNoHoldBack(MAP_THEN_MIGRATE));

        r.balanceFrom(2, 1);
        int d = r.gfnOf(2);
        assertThat(r.count(Counter.MOVED_PAGE_DATA_MOVEMENTS)).isZero();
        assertThat(PageState.inSwapCache(r.word(d))).isTrue();
        r.checkInvariants();
        long majors = r.count(Counter.PGMAJFAULT);

        r.touch(2, 1);

        assertThat(PageState.isResident(r.word(d)) && PageState.nodeOrDevice(r.word(d)) == 1).isTrue();
        assertThat(r.count(Counter.MOVED_PAGE_DATA_MOVEMENTS)).isEqualTo(1);
        assertThat(r.count(Counter.BALANCED_MOVED_PAGES_SWAPCACHE)).isEqualTo(1);
        assertThat(r.count(Counter.PGMAJFAULT)).isEqualTo(majors);
        r.checkInvariants();
    }

    @Test
    void clusterReadaheadReadsTheNeighbouringSlots() {
        Rig r = Rig.builder().pageCluster(3).clusterReadahead().policy(copylessNoHoldBack(MIGRATE_BEFORE_MAP)).build();
        for (int i = 0; i < 4; i++) {
            r.fault(i, 0);
        }
        for (int i = 0; i < 4; i++) {
            r.host.pageOut(VM, i); // slots 0..3
        }
        r.touch(0, 0); // slot 0, previous offset 0: not adjacent, window 1
        r.touch(1, 0); // slot 1 next to slot 0: window 2, slots [0, 2): nothing left to read
        r.touch(3, 0); // no hit, slot 3 not next to 1: window max(1, 2 / 2) = 1
        assertThat(r.count(Counter.SWAP_RA)).isZero();

        Rig s = Rig.builder().pageCluster(3).clusterReadahead().policy(copylessNoHoldBack(MIGRATE_BEFORE_MAP)).build();
        for (int i = 0; i < 4; i++) {
            s.fault(i, 0);
        }
        for (int i = 0; i < 4; i++) {
            s.host.pageOut(VM, i);
        }
        s.touch(1, 0); // slot 1 next to the initial previous offset 0: window 2, slots [0, 2) -> slot 0 read ahead
        assertThat(s.count(Counter.SWAP_RA)).isEqualTo(1);
        assertThat(PageState.inSwapCache(s.word(0))).isTrue();
        s.checkInvariants();
    }

    @Test
    void swapinNrPagesIsLinuxsHeuristic() {
        assertThat(SwapState.swapinNrPages(10, 20, 0, 8, 0)).as("a miss far away").isEqualTo(1);
        assertThat(SwapState.swapinNrPages(10, 11, 0, 8, 0)).as("next to the previous fault").isEqualTo(2);
        assertThat(SwapState.swapinNrPages(10, 20, 1, 8, 0)).as("hits + 2, rounded up to 4").isEqualTo(4);
        assertThat(SwapState.swapinNrPages(10, 20, 5, 8, 0)).as("7 rounds up to 8").isEqualTo(8);
        assertThat(SwapState.swapinNrPages(10, 20, 30, 8, 0)).as("at most 2^page-cluster").isEqualTo(8);
        assertThat(SwapState.swapinNrPages(10, 20, 0, 8, 8)).as("shrinks by half at most").isEqualTo(4);
    }

    /**
     * Issue 10's acceptance: under {@code none}, readahead with the default page-cluster is not a
     * pure loss against no readahead (page-cluster 0): pswpout rises by less than 15% and
     * pgmajfault by at most 5%; the swap cache's hits are reported.
     */
    @Test
    void underNoneTheDefaultReadaheadCostsFewWritesAndNoMajorFaults() {
        Scenario s = ScenarioParser.defaultScenario().withDuration(1_000_000_000L);
        Scenario.Host host = s.host();
        Scenario off = s.withHost(new Scenario.Host(host.nodes(), host.distance(), host.swap(), host.reclaimBatch(), 0,
                host.demotionTarget(), host.demotionIntervalNs(), host.demotionBatch(), host.promotion(),
                host.realBytes(), host.vmaReadahead()));
        assertThat(s.host().pageCluster()).isEqualTo(3);

        RunResult on = Scenarios.run(s, Scenarios.policy("none", MIGRATE_BEFORE_MAP));
        RunResult none = Scenarios.run(off, Scenarios.policy("none", MIGRATE_BEFORE_MAP));

        assertThat(none.counter(Counter.SWAP_RA)).isZero();
        assertThat(none.counter(Counter.PSWPOUT)).isPositive();
        assertThat((double) on.counter(Counter.PSWPOUT)).isLessThan(1.15 * none.counter(Counter.PSWPOUT));
        assertThat((double) on.counter(Counter.PGMAJFAULT)).isLessThanOrEqualTo(1.05 * none.counter(Counter.PGMAJFAULT));
        assertThat(on.counter(Counter.PGSTEAL_KSWAPD)).as("clean swap-cache pages dropped without a write")
                .isGreaterThan(on.counter(Counter.PSWPOUT));
    }
}
