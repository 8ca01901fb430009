package dev.copyless.kernel;

import static dev.copyless.mm.MigrationOrder.MAP_THEN_MIGRATE;
import static dev.copyless.mm.MigrationOrder.MIGRATE_BEFORE_MAP;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.copyless.balancer.BalancingPolicy;
import dev.copyless.host.PageContent;
import dev.copyless.host.Verification;
import dev.copyless.kernel.PageStore;
import dev.copyless.kernel.SimulatedHost;
import dev.copyless.metrics.Counter;
import dev.copyless.metrics.Gauge;
import dev.copyless.metrics.Latency;
import dev.copyless.metrics.RunResult;
import dev.copyless.metrics.VmStat;
import dev.copyless.mm.Errno;
import dev.copyless.mm.MigrationOrder;
import dev.copyless.mm.PageState;
import dev.copyless.scenario.Scenario;
import dev.copyless.scenario.ScenarioException;
import dev.copyless.sim.Simulation;
import dev.copyless.swap.FaultConfig;
import dev.copyless.testkit.Rig;
import dev.copyless.testkit.Scenarios;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Swap fault injection (scenario section {@code faults:}) on small real-bytes runs, each fault
 * kind at a high rate, with invariants checked after every event: the counters show the faults
 * happened, and every backed page is either verified byte for byte or listed as lost with its
 * reason; write errors, slow I/O and torn writes caught while the page is in memory lose nothing.
 */
class SwapFaultsTest {

    /** What a faulty run left behind. */
    record Outcome(RunResult result, Verification verification, VmStat stat) {
        long count(Counter c) {
            return result.counter(c);
        }
    }

    private static Scenario faulty(String faults) {
        return Scenarios.parse(Scenarios.SMALL + "faults: {" + faults + "}\n").withRealBytes(true);
    }

    /**
     * Runs to the end, checks independently (before the end-of-run flush) that a page is
     * reported lost if and only if its bytes are not its own, then finishes the run.
     */
    private static Outcome run(Scenario s, BalancingPolicy p) {
        Simulation sim = new Simulation(s, p);
        sim.engine().runUntil(s.durationNs(), null);
        checkLostIffWrong(sim.host());
        RunResult r = sim.run();
        sim.checkInvariants();
        Verification v = sim.verification();
        assertAccounted(r, v);
        return new Outcome(r, v, sim.metrics().stat);
    }

    /** Every backed page is verified or lost, never both, and each loss is reported with a reason. */
    private static void assertAccounted(RunResult r, Verification v) {
        assertThat(v.realBytes()).isTrue();
        assertThat(v.backed()).isPositive();
        assertThat(v.verified() + v.pagesLost()).as("verified + lost == backed").isEqualTo(v.backed());
        assertThat(r.gauge(Gauge.PAGES_VERIFIED)).isEqualTo(v.verified());
        assertThat(r.gauge(Gauge.PAGES_LOST)).isEqualTo(v.pagesLost());
        assertThat(r.lostPages()).hasSize((int) v.pagesLost());
        for (RunResult.LostPage p : r.lostPages()) {
            assertThat(p.reason()).isNotBlank();
        }
    }

    /** Reads every backed page itself: intact pages must not be listed lost, wrong or poisoned ones must be. */
    private static void checkLostIffWrong(SimulatedHost host) {
        Verification v = host.verifyAll();
        Set<Long> lost = new HashSet<>();
        for (Verification.LostPage p : v.lost()) {
            lost.add((long) p.vm() << 32 | p.gfn());
        }
        PageStore store = host.pageStore();
        long intact = 0;
        for (int vm = 0; vm < host.vmCount(); vm++) {
            long[] st = host.stateArray(vm);
            for (int gfn = 0; gfn < st.length; gfn++) {
                long w = st[gfn];
                long got = switch (PageState.kind(w)) {
                    case PageState.RESIDENT -> store.frameToken(PageState.nodeOrDevice(w), PageState.id(w));
                    case PageState.SWAPPED -> store.slotToken(PageState.nodeOrDevice(w), PageState.id(w));
                    default -> PageContent.NONE;
                };
                if (PageState.kind(w) == PageState.UNBACKED) {
                    continue;
                }
                boolean ok = got != PageContent.NONE && got == host.expectedContent(vm, gfn);
                intact += ok ? 1 : 0;
                assertThat(lost.contains((long) vm << 32 | gfn)).as("vm %d gfn %d at %s intact=%s listed lost", vm, gfn,
                        PageState.describe(w), ok).isEqualTo(!ok);
            }
        }
        assertThat(v.verified()).isEqualTo(intact);
    }

    private static BalancingPolicy copyless() {
        return Scenarios.policy("copyless-holdback", MIGRATE_BEFORE_MAP);
    }

    @Test
    void swapWriteErrorsKeepThePageResidentAndLoseNothing() {
        Outcome o = run(faulty("seed: 3, swap-write-error-rate: 0.3"), copyless());
        assertThat(o.count(Counter.SWAP_WRITE_ERRORS)).isPositive();
        assertThat(o.count(Counter.PSWPOUT)).isPositive();
        assertThat(o.count(Counter.PAGES_POISONED)).isZero();
        assertThat(o.verification().lost()).isEmpty();
    }

    @Test
    void slowIoCostsTimeAndLosesNothing() {
        Outcome base = run(faulty(""), copyless());
        Outcome slow = run(faulty("seed: 4, slow-io-rate: 0.5, slow-io-ns: 200000"), copyless());
        assertThat(slow.count(Counter.SWAP_SLOW_IO)).isPositive();
        assertThat(base.count(Counter.SWAP_SLOW_IO)).isZero();
        assertThat(slow.verification().lost()).isEmpty();
        double slowMean = slow.result().latency(Latency.GUEST_ACCESS_LATENCY_NS).mean();
        double baseMean = base.result().latency(Latency.GUEST_ACCESS_LATENCY_NS).mean();
        assertThat(slowMean).as("slow swap reads make guest accesses slower").isGreaterThan(baseMean);
    }

    @Test
    void tornWritesCaughtWhileThePageIsInMemoryAreRewrittenAndLoseNothing() {
        Outcome o = run(faulty("seed: 5, torn-write-rate: 0.3"), copyless());
        assertThat(o.count(Counter.SWAP_TORN_WRITES)).isPositive();
        assertThat(o.count(Counter.SWAP_CHECKSUM_FAILURES)).isPositive();
        assertThat(o.count(Counter.SWAP_REWRITES)).isPositive();
        assertThat(o.count(Counter.PAGES_POISONED)).isZero();
        assertThat(o.verification().lost()).isEmpty();
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"naive, migrate-before-map", "copyless-holdback, migrate-before-map", "copyless, map-then-migrate"})
    void silentTornWritesAreFoundByTheChecksumAtReadAndTheirPagesReportedLost(String key, String order) {
        Outcome o = run(faulty("seed: 6, torn-write-rate: 0.2, torn-write-silent-rate: 1"),
                Scenarios.policy(key, MigrationOrder.fromKey(order)));
        assertThat(o.count(Counter.SWAP_TORN_WRITES)).isPositive();
        assertThat(o.count(Counter.SWAP_CHECKSUM_FAILURES)).isPositive();
        assertThat(o.count(Counter.SWAP_REWRITES)).isZero();
        assertThat(o.count(Counter.PAGES_POISONED)).isPositive();
        assertThat(o.verification().pagesLost()).isPositive();
        assertThat(o.verification().lost()).anySatisfy(p -> assertThat(p.reason()).contains("CRC32C"));
    }

    @Test
    void transientSwapReadErrorsAreRetried() {
        Outcome o = run(faulty("seed: 7, swap-read-error-rate: 0.2"), copyless());
        assertThat(o.count(Counter.SWAP_READ_ERRORS)).isPositive();
        assertThat(o.count(Counter.SWAP_READ_RETRIES)).isPositive().isLessThanOrEqualTo(o.count(Counter.SWAP_READ_ERRORS));
        // a demand read is lost only after 1 + MAX_READ_RETRIES failures in a row
        assertThat(o.count(Counter.PAGES_POISONED) * 4).isLessThanOrEqualTo(o.count(Counter.SWAP_READ_ERRORS));
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"none, migrate-before-map", "naive, migrate-before-map", "copyless-holdback, migrate-before-map",
        "copyless, map-then-migrate"})
    void persistentSwapReadErrorsLoseThePageExplicitly(String key, String order) {
        Outcome o = run(faulty("seed: 8, swap-read-error-rate: 0.05, swap-read-error-persistent-rate: 1"),
                Scenarios.policy(key, MigrationOrder.fromKey(order)));
        assertThat(o.count(Counter.PAGES_POISONED)).isPositive();
        assertThat(o.count(Counter.SWAP_READ_RETRIES)).isPositive();
        assertThat(o.verification().pagesLost()).isPositive();
        assertThat(o.verification().lost()).allSatisfy(p -> assertThat(p.reason()).contains("EIO"));
        assertThat(o.count(Counter.HWPOISON_FAULTS)).as("the guest touched a lost page").isPositive();
    }

    /** A lost page is never copied: the guest's copy fails with EIO and the migration with it. */
    @Test
    void aGuestCopyOfALostPageFailsAndCopiesNothing() {
        FaultConfig readFails = new FaultConfig(1, 1, 1, 0, 0, 0, 0, 0);
        try (Rig r = Rig.builder().realBytes().faults(readFails).build()) {
            int a = r.fault(0, 0);
            assertThat(r.host.pageOut(VM, a)).isPositive();
            int d = r.vm.allocGfn(1);
            long bytes = r.host.bytesCopied();

            assertThat(r.host.copy(VM, a, d)).isEqualTo(-Errno.EIO);

            assertThat(r.host.bytesCopied()).isEqualTo(bytes);
            assertThat(PageState.isPoisoned(r.word(a))).isTrue();
            assertThat(r.kind(d)).isEqualTo(PageState.UNBACKED);
            assertThat(r.count(Counter.PAGES_POISONED)).isEqualTo(1);
            assertThat(r.count(Counter.SWAP_READ_ERRORS)).as("the read and its retries").isEqualTo(4);
            assertThat(r.count(Counter.SWAP_READ_RETRIES)).isEqualTo(3);
            assertThat(r.host.verifyAll().lost()).singleElement().satisfies(p -> {
                assertThat(p.gfn()).isEqualTo(a);
                assertThat(p.reason()).contains("EIO");
            });
            r.host.touch(VM, a, 0);
            assertThat(r.count(Counter.HWPOISON_FAULTS)).isEqualTo(1);
            assertThat(PageState.isPoisoned(r.word(a))).as("a lost page stays lost").isTrue();
            r.checkInvariants();
            r.host.discard(VM, a);
            assertThat(r.host.verifyAll().lost()).isEmpty();
        }
    }

    /** A copyless migrate-before-map whose read fails: -EIO for the entry, the source poisoned, the destination free. */
    @Test
    void aCopylessMigrationFromAnUnreadableSlotAnswersEio() {
        FaultConfig readFails = new FaultConfig(1, 1, 1, 0, 0, 0, 0, 0);
        try (Rig r = Rig.builder().realBytes().faults(readFails).build()) {
            int a = r.fault(0, 0);
            r.host.pageOut(VM, a);
            int d = r.vm.allocGfn(1);
            int free = r.free(1);

            assertThat(r.host.migrate(VM, a, d, MIGRATE_BEFORE_MAP)).isEqualTo(-Errno.EIO);

            assertThat(PageState.isPoisoned(r.word(a))).isTrue();
            assertThat(r.kind(d)).isEqualTo(PageState.UNBACKED);
            assertThat(r.free(1)).isEqualTo(free);
            assertThat(r.list().isMoved(a)).as("a lost page is not a moved page").isFalse();
            r.checkInvariants();
        }
    }

    @Test
    void aFailedSwapWriteLeavesThePageResidentAndItsSlotFree() {
        FaultConfig writeFails = new FaultConfig(1, 0, 0, 1, 0, 0, 0, 0);
        try (Rig r = Rig.builder().realBytes().faults(writeFails).build()) {
            int a = r.fault(0, 0);
            long word = r.word(a);
            int slots = r.host.swapDevice(0).freeSlots();
            assertThat(r.host.pageOut(VM, a)).isEqualTo(-Errno.EIO);
            assertThat(PageState.locationOnly(r.word(a))).isEqualTo(PageState.locationOnly(word));
            assertThat(r.host.swapDevice(0).freeSlots()).isEqualTo(slots);
            assertThat(r.count(Counter.SWAP_WRITE_ERRORS)).isEqualTo(1);
            assertThat(r.host.verifyAll().verified()).isEqualTo(1);
        }
    }

    @Test
    void faultsAreDeterministicAndDrawFromTheirOwnStream() {
        String f = "seed: 9, swap-read-error-rate: 0.05, swap-read-error-persistent-rate: 0.5, swap-write-error-rate: 0.1,"
                + " torn-write-rate: 0.1, torn-write-silent-rate: 0.5, slow-io-rate: 0.2, slow-io-ns: 50000";
        BalancingPolicy p = copyless();
        Outcome a = run(faulty(f), p);
        Outcome b = run(faulty(f), p);
        assertThat(b.result().metrics()).isEqualTo(a.result().metrics());
        Outcome c = run(faulty(f.replace("seed: 9", "seed: 10")), p);
        assertThat(c.result().metrics()).isNotEqualTo(a.result().metrics());
        // zero rates draw nothing: any seed gives the run without a faults section
        RunResult none = Scenarios.run(Scenarios.parse(Scenarios.SMALL), p);
        RunResult zero = Scenarios.run(Scenarios.parse(Scenarios.SMALL + "faults: {seed: 123}\n"), p);
        assertThat(zero.metrics()).isEqualTo(none.metrics());
    }

    /** Fault decisions do not depend on bytes: without torn writes the model sees exactly the same faults. */
    @Test
    void theModelInjectsTheSameFaultsAsRealBytes() {
        String f = "seed: 11, swap-read-error-rate: 0.1, swap-read-error-persistent-rate: 0.3, swap-write-error-rate: 0.2,"
                + " slow-io-rate: 0.3, slow-io-ns: 100000";
        BalancingPolicy p = copyless();
        Outcome real = run(faulty(f), p);
        Simulation sim = new Simulation(faulty(f).withRealBytes(false), p);
        RunResult model = sim.run();
        for (Counter c : Counter.values()) {
            assertThat(model.counter(c)).as(c.metricName()).isEqualTo(real.count(c));
        }
        assertThat(real.count(Counter.PAGES_POISONED)).isPositive();
        assertThat(sim.verification().verified()).as("the model reads no bytes").isZero();
        assertThat(sim.verification().lost()).extracting(Verification.LostPage::gfn)
                .as("the model knows which pages it lost").isEqualTo(real.verification().lost().stream()
                        .map(Verification.LostPage::gfn).toList());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "swap-read-error-rate: 1.5 | faults.swap-read-error-rate: expected a number between 0.0 and 1.0, got 1.5",
        "torn-write-rate: -0.1 | faults.torn-write-rate: expected a number between 0.0 and 1.0, got -0.1",
        "slow-io-ns: -5 | faults.slow-io-ns: expected an integer between 0 and",
        "slow-io-rate: often | faults.slow-io-rate: expected a number between 0.0 and 1.0, got 'often'",
        "swap-eror-rate: 0.1 | unknown key 'faults.swap-eror-rate'"})
    void badFaultValuesAreRefusedInOneLine(String entry, String message) {
        assertThatThrownBy(() -> Scenarios.parse(Scenarios.SMALL + "faults: {" + entry + "}\n"))
                .isInstanceOf(ScenarioException.class)
                .hasMessageContaining(message)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }

    @Test
    void realBytesIsAHostKey() {
        assertThat(Scenarios.parse(Scenarios.SMALL).host().realBytes()).isFalse();
        Scenario s = Scenarios.parse(Scenarios.SMALL.replace("host:\n", "host:\n  real-bytes: true\n"));
        assertThat(s.host().realBytes()).isTrue();
        assertThatThrownBy(() -> Scenarios.parse(Scenarios.SMALL.replace("host:\n", "host:\n  real-bytes: maybe\n")))
                .isInstanceOf(ScenarioException.class).hasMessageContaining("host.real-bytes");
    }

    private static final int VM = Rig.VM;
}
