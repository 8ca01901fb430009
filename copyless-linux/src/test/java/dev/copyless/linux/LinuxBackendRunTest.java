package dev.copyless.linux;

import static org.assertj.core.api.Assertions.assertThat;

import dev.copyless.balancer.BalancingPolicy;
import dev.copyless.metrics.RunResult;
import dev.copyless.scenario.Scenario;
import dev.copyless.scenario.ScenarioParser;
import dev.copyless.sim.Simulation;
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
        scenario = ScenarioParser.defaultScenario().withDuration(600_000_000L);
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
        long balanced = m.counter("balanced_moved_pages");
        assertThat(balanced).isPositive();
        assertThat(m.counter("moved_page_data_movements")).isEqualTo(2 * balanced);
        assertThat(m.counter("moved_page_bytes_copied_by_us")).isEqualTo(4096 * balanced);
        assertThat(m.counter("pages_brought_back")).isEqualTo(balanced);
        assertThat(m.counter("pages_lost")).isZero();
        assertThat(m.counter("pages_verified")).isPositive();
    }

    @Test
    void copylessMovesEachSwappedPageOnceWithNoByteCopiedByUs() {
        RunResult m = run("copyless");
        long balanced = m.counter("balanced_moved_pages");
        assertThat(balanced).isPositive();
        assertThat(m.counter("hypercall_pages")).isGreaterThanOrEqualTo(balanced);
        assertThat(m.counter("moved_page_data_movements")).isEqualTo(balanced);
        assertThat(m.counter("moved_page_bytes_copied_by_us")).isZero();
        assertThat(m.counter("pages_brought_back")).isZero();
        assertThat(m.counter("swapped_page_interconnect_bytes")).isZero();
        assertThat(m.counter("pages_lost")).isZero();
        assertThat(m.counter("pages_verified")).isPositive();
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
