package dev.copyless.linux;

import static org.assertj.core.api.Assertions.assertThat;

import dev.copyless.balancer.BalancingPolicy;
import dev.copyless.metrics.Counter;
import dev.copyless.metrics.Gauge;
import dev.copyless.metrics.RunResult;
import dev.copyless.scenario.Scenario;
import dev.copyless.sim.Simulation;
import dev.copyless.testkit.Scenarios;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The default scenario, shortened to 600 ms of virtual time (two task moves), run end to end
 * on the Linux backend: the same guest, balancer and hypervisor as on the simulated host, with
 * guest RAM in real memory and the kernel's swap. Asserts the patent's headline on the real
 * thing: the naive guest moves each swapped page twice and copies its bytes itself; copyless
 * moves it once with no byte copied by our code; every page's content survives either way,
 * and the moved-page list matches the host at the end. Skipped without usable swap.
 */
class LinuxBackendRunTest {
    private static Scenario scenario;

    @BeforeAll
    static void scenario() {
        SwapAvailable.assume();
        scenario = Scenarios.quickDefault(600_000_000L); // a fixed 50 ms scan period: stock scanning starts after 1 s
        assertThat(LinuxBackend.unusableReason(scenario)).isEmpty();
    }

    private static RunResult run(String policy) {
        Simulation sim = new Simulation(scenario, BalancingPolicy.of(policy, scenario.copyless()), new LinuxBackend())
                .checkInvariantsAfterEachEvent(false);
        RunResult r = sim.run();
        sim.checkInvariants(); // the list equals the host's moved set; guest page table and rmap agree
        return r;
    }

    @Test
    void naiveMovesEachSwappedPageTwiceAndCopiesItsBytesItself() {
        RunResult m = run("naive");
        long balanced = m.counter(Counter.BALANCED_MOVED_PAGES);
        assertThat(balanced).isPositive();
        assertThat(m.counter(Counter.MOVED_PAGE_DATA_MOVEMENTS)).isEqualTo(2 * balanced);
        assertThat(m.gauge(Gauge.MOVED_PAGE_BYTES_COPIED_BY_US)).isEqualTo(4096 * balanced);
        assertThat(m.counter(Counter.PAGES_BROUGHT_BACK)).isEqualTo(balanced);
        assertThat(m.gauge(Gauge.PAGES_LOST)).isZero();
        assertThat(m.gauge(Gauge.PAGES_VERIFIED)).isPositive();
    }

    @Test
    void copylessMovesEachSwappedPageOnceWithNoByteCopiedByUs() {
        RunResult m = run("copyless");
        long balanced = m.counter(Counter.BALANCED_MOVED_PAGES);
        assertThat(balanced).isPositive();
        assertThat(m.counter(Counter.HYPERCALL_PAGES)).isGreaterThanOrEqualTo(balanced);
        assertThat(m.counter(Counter.MOVED_PAGE_DATA_MOVEMENTS)).isEqualTo(balanced);
        assertThat(m.gauge(Gauge.MOVED_PAGE_BYTES_COPIED_BY_US)).isZero();
        assertThat(m.counter(Counter.PAGES_BROUGHT_BACK)).isZero();
        assertThat(m.counter(Counter.SWAPPED_PAGE_INTERCONNECT_BYTES)).isZero();
        assertThat(m.gauge(Gauge.PAGES_LOST)).isZero();
        assertThat(m.gauge(Gauge.PAGES_VERIFIED)).isPositive();
    }

    @Test
    void atTheEndTheHostsLocationWordsAreWhatThePagemapSays() {
        Simulation sim = new Simulation(scenario, BalancingPolicy.of("copyless", scenario.copyless()), new LinuxBackend())
                .checkInvariantsAfterEachEvent(false);
        try {
            sim.engine().runUntil(scenario.durationNs(), null);
            LinuxHostMemory host = (LinuxHostMemory) sim.hostMemory();
            assertThat(host.rescan()).as("gfns whose shadow location differs from the kernel's page tables").isZero();
            sim.checkInvariants();
        } finally {
            sim.close();
        }
    }
}
