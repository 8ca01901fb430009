package dev.copyless.kernel;

import static dev.copyless.mm.MigrationOrder.MAP_THEN_MIGRATE;
import static dev.copyless.mm.MigrationOrder.MIGRATE_BEFORE_MAP;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.copyless.balancer.BalancingPolicy;
import dev.copyless.host.PageContent;
import dev.copyless.host.Verification;
import dev.copyless.kernel.PageStore;
import dev.copyless.metrics.Counter;
import dev.copyless.metrics.Gauge;
import dev.copyless.metrics.RunResult;
import dev.copyless.mm.FrameOwner;
import dev.copyless.mm.MigrationOrder;
import dev.copyless.mm.PageState;
import dev.copyless.scenario.Scenario;
import dev.copyless.sim.Simulation;
import dev.copyless.testkit.Rig;
import dev.copyless.testkit.Scenarios;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Real-bytes mode ({@code host.real-bytes}): every data movement of the host moves 4 KiB through
 * off-heap frames and a real swap file, every page keeps its known content wherever it goes, and
 * a remap moves no byte at all. The bytes change no figure of the model.
 */
class RealBytesTest {
    private static final int VM = Rig.VM;
    private static final int PAGE = PageContent.PAGE;

    @ParameterizedTest(name = "{0} {1} {2}")
    @CsvSource({"small, none, migrate-before-map", "small, naive, migrate-before-map",
        "small, copyless-holdback, migrate-before-map", "small, copyless, map-then-migrate",
        "tiered, none, migrate-before-map", "tiered, naive, migrate-before-map",
        "tiered, copyless-holdback, migrate-before-map", "tiered, copyless, map-then-migrate"})
    void everyPageIsVerifiedUnderEveryPolicyAndOrderAndTheFiguresAreTheModels(String which, String key, String order) {
        Scenario s = Scenarios.parse(which.equals("small") ? Scenarios.SMALL : Scenarios.TIERED);
        BalancingPolicy p = Scenarios.policy(key, MigrationOrder.fromKey(order));
        RunResult model = Scenarios.run(s, p);

        Simulation sim = new Simulation(s.withRealBytes(true), p);
        RunResult real = sim.run();
        sim.checkInvariants();
        Verification v = sim.verification();

        assertThat(v.realBytes()).isTrue();
        assertThat(v.backed()).isPositive();
        assertThat(v.lost()).isEmpty();
        assertThat(v.verified()).isEqualTo(v.backed());
        assertThat(real.gauge(Gauge.PAGES_VERIFIED)).isEqualTo(v.backed());
        assertThat(real.gauge(Gauge.PAGES_LOST)).isZero();
        assertThat(real.lostPages()).isEmpty();
        for (Counter c : Counter.values()) {
            assertThat(real.counter(c)).as(c.metricName()).isEqualTo(model.counter(c));
        }
        // the run went through the paths that move data
        Counter[] moved = which.equals("tiered") ? new Counter[] {Counter.PGDEMOTE_KSWAPD, Counter.HOST_PAGE_COPIES}
                : key.startsWith("copyless") ? new Counter[] {Counter.PSWPOUT, Counter.PSWPIN} // hold-back: no readahead
                : new Counter[] {Counter.PSWPOUT, Counter.PSWPIN, Counter.SWAP_RA};
        for (Counter c : moved) {
            assertThat(real.counter(c)).as(c.metricName()).isPositive();
        }
        if (!key.equals("none")) {
            assertThat(real.counter(Counter.NUMA_PAGES_MIGRATED)).as("numa_pages_migrated").isPositive();
        }
        if (key.startsWith("copyless")) {
            assertThat(real.counter(Counter.HYPERCALL_PAGES)).as("hypercall_pages").isPositive();
        }
    }

    @Test
    void aFirstTouchStampsAKnownContentAndARepopulationANewVersion() {
        try (Rig r = Rig.builder().realBytes().build()) {
            int g = r.fault(0, 0);
            long t = r.host.expectedContent(VM, g);
            assertThat(PageContent.vm(t)).isEqualTo(VM);
            assertThat(PageContent.gfn(t)).isEqualTo(g);
            assertThat(r.host.pageStore().frameToken(r.nodeOf(g), PageState.id(r.word(g)))).isEqualTo(t);

            r.host.discard(VM, g);
            assertThat(r.host.expectedContent(VM, g)).isEqualTo(PageContent.NONE);
            r.host.touch(VM, g, 0);
            long t2 = r.host.expectedContent(VM, g);
            assertThat(PageContent.gfn(t2)).isEqualTo(g);
            assertThat(t2).as("a new population is new data").isNotEqualTo(t);
            assertThat(r.host.verifyAll().verified()).isEqualTo(1);
        }
    }

    /** Claims 2-5 with real bytes: re-pointing a swap entry at the destination gfn moves nothing. */
    @Test
    void mapThenMigrateOfASwappedPageMovesNoByteUntilItsFirstTouchReadsIt() {
        try (Rig r = Rig.builder().realBytes().policy(Rig.copyless(MAP_THEN_MIGRATE)).build()) {
            int src = r.fault(0, 0);
            long token = r.host.expectedContent(VM, src);
            assertThat(r.host.pageOut(VM, src)).isPositive();
            long written = r.host.bytesCopied();
            assertThat(written).as("swap-out wrote the page").isEqualTo(PAGE);
            long swapped = r.word(src);
            int slot = PageState.id(swapped);
            int dst = r.vm.allocGfn(1);

            assertThat(r.host.migrate(VM, src, dst, MAP_THEN_MIGRATE)).isNotNegative();

            assertThat(r.host.bytesCopied()).as("the remap of a swap entry moves no bytes").isEqualTo(written);
            assertThat(PageState.locationOnly(r.word(dst))).isEqualTo(PageState.locationOnly(swapped));
            assertThat(r.host.swapDevice(0).owner(slot)).isEqualTo(FrameOwner.of(VM, dst));
            assertThat(r.host.expectedContent(VM, dst)).isEqualTo(token);
            assertThat(r.host.expectedContent(VM, src)).isEqualTo(PageContent.NONE);
            Verification before = r.host.verifyAll();
            assertThat(before.lost()).isEmpty();
            assertThat(before.verified()).isEqualTo(1);

            r.host.touch(VM, dst, 1);
            assertThat(r.host.bytesCopied()).as("one read, straight into the destination node").isEqualTo(written + PAGE);
            assertThat(r.nodeOf(dst)).isEqualTo(1);
            assertThat(r.host.pageStore().frameToken(1, PageState.id(r.word(dst)))).isEqualTo(token);
            assertThat(r.host.verifyAll().verified()).isEqualTo(1);
            r.checkInvariants();
        }
    }

    @Test
    void mapThenMigrateOfADemotedPageMovesNoByteUntilItsFirstTouchCopiesIt() {
        try (Rig r = Rig.builder().realBytes().policy(Rig.copyless(MAP_THEN_MIGRATE)).build()) {
            int src = r.fault(0, 0);
            long token = r.host.expectedContent(VM, src);
            assertThat(r.host.demote(VM, src, 2)).isPositive();
            long copied = r.host.bytesCopied();
            assertThat(copied).isEqualTo(PAGE);
            int dst = r.vm.allocGfn(1);

            assertThat(r.host.migrate(VM, src, dst, MAP_THEN_MIGRATE)).isNotNegative();
            assertThat(r.host.bytesCopied()).as("re-owning the frame on node 2 moves no bytes").isEqualTo(copied);
            assertThat(r.nodeOf(dst)).isEqualTo(2);

            r.host.touch(VM, dst, 1);
            assertThat(r.host.bytesCopied()).isEqualTo(copied + PAGE);
            assertThat(r.nodeOf(dst)).isEqualTo(1);
            assertThat(r.host.pageStore().frameToken(1, PageState.id(r.word(dst)))).isEqualTo(token);
            assertThat(r.host.verifyAll().lost()).isEmpty();
        }
    }

    /** The invention in bytes: one 4 KiB movement for copyless from swap, two for the naive copy. */
    @Test
    void migrateBeforeMapReadsOncePerPageWhereTheNaiveCopyMovesTwice() {
        try (Rig r = Rig.builder().realBytes().build()) {
            int a = r.fault(0, 0);
            int b = r.fault(1, 0);
            long ta = r.host.expectedContent(VM, a);
            long tb = r.host.expectedContent(VM, b);
            r.host.pageOut(VM, a);
            r.host.pageOut(VM, b);
            long start = r.host.bytesCopied();

            int da = r.vm.allocGfn(1);
            assertThat(r.host.migrate(VM, a, da, MIGRATE_BEFORE_MAP)).isNotNegative();
            assertThat(r.host.bytesCopied() - start).as("copyless: swap slot -> destination node").isEqualTo(PAGE);

            int db = r.vm.allocGfn(1);
            long mid = r.host.bytesCopied();
            assertThat(r.host.copy(VM, b, db)).isPositive();
            assertThat(r.host.bytesCopied() - mid).as("naive: swap-in to the source node, then the copy").isEqualTo(2 * PAGE);

            assertThat(r.host.expectedContent(VM, da)).isEqualTo(ta);
            assertThat(r.host.expectedContent(VM, db)).isEqualTo(tb);
            assertThat(r.host.expectedContent(VM, b)).as("the guest's copy leaves the source as it was").isEqualTo(tb);
            Verification v = r.host.verifyAll();
            assertThat(v.lost()).isEmpty();
            assertThat(v.verified()).isEqualTo(3);
        }
    }

    /** The verifier is not vacuous: a page holding another page's bytes, or a torn slot, is reported lost. */
    @Test
    void verificationReportsAPageWhoseBytesAreNotItsOwn() {
        try (Rig r = Rig.builder().realBytes().build()) {
            int a = r.fault(0, 0);
            int b = r.fault(1, 0);
            int c = r.fault(2, 0);
            PageStore store = r.host.pageStore();
            store.copyFrame(r.nodeOf(a), PageState.id(r.word(a)), r.nodeOf(b), PageState.id(r.word(b)));
            r.host.pageOut(VM, c);
            int slot = PageState.id(r.word(c));
            store.writeSlot(r.nodeOf(a), PageState.id(r.word(a)), 0, slot, 512); // a's first sector over c's page

            Verification v = r.host.verifyAll();

            assertThat(v.backed()).isEqualTo(3);
            assertThat(v.verified()).isEqualTo(1);
            assertThat(v.lost()).extracting(Verification.LostPage::gfn).containsExactly(b, c);
            assertThat(v.lost().get(0).reason()).contains("holds vm 0 gfn " + a);
            assertThat(v.lost().get(1).reason()).contains("SWAPPED").contains("no valid page");
        }
    }

    @Test
    void aRunClosesItsMemoryAndSwapFilesEvenWhenItFails() {
        Scenario s = Scenarios.parse(Scenarios.SMALL).withRealBytes(true);
        BalancingPolicy p = Scenarios.policy("copyless-holdback", MIGRATE_BEFORE_MAP);
        Simulation ok = new Simulation(s, p);
        ok.run();
        assertThatThrownBy(() -> ok.host().pageStore().frameToken(0, 0)).isInstanceOf(IllegalStateException.class);

        Simulation failing = new Simulation(s, p);
        assertThatThrownBy(() -> failing.run(t -> {
            throw new IllegalStateException("stop");
        })).hasMessage("stop");
        assertThatThrownBy(() -> failing.host().pageStore().frameToken(0, 0)).isInstanceOf(IllegalStateException.class);
    }
}
