package dev.copyless.sim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.copyless.balancer.BalancingPolicy;
import dev.copyless.metrics.Counter;
import dev.copyless.metrics.RunResult;
import dev.copyless.mm.MigrationOrder;
import dev.copyless.scenario.Scenario;
import dev.copyless.sim.Simulation;
import dev.copyless.testkit.Scenarios;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code (scenario, seed, policy) -> results} is a pure function. */
class DeterminismTest {

    /** The default scenario, shortened; too large for per-event checks, so it is checked once at the end. */
    private static Scenario defaultScenario() {
        return Scenarios.quickDefault(600_000_000L);
    }

    private static BalancingPolicy policy(String key, String order) {
        return BalancingPolicy.of(key, MigrationOrder.fromKey(order), 16);
    }

    private static RunResult runChecked(Scenario s, BalancingPolicy p) {
        Simulation sim = new Simulation(s, p).checkInvariantsAfterEachEvent(false);
        RunResult r = sim.run();
        sim.checkInvariants();
        return r;
    }

    @ParameterizedTest
    @CsvSource({"none, migrate-before-map", "naive, migrate-before-map", "copyless, migrate-before-map",
        "copyless, map-then-migrate"})
    void theSameScenarioAndSeedGiveIdenticalMetrics(String key, String order) {
        Scenario s = defaultScenario();
        RunResult a = runChecked(s, policy(key, order));
        RunResult b = runChecked(s, policy(key, order));

        assertThat(a.counter(Counter.GUEST_ACCESSES)).isPositive();
        assertThat(a.counter(Counter.PSWPOUT)).as("the run is under memory pressure").isPositive();
        if (!key.equals("none")) {
            assertThat(a.counter(Counter.NUMA_PAGES_MIGRATED)).isPositive();
        }
        assertThat(b.policy()).isEqualTo(a.policy()).isEqualTo(key);
        assertThat(b.metrics()).isEqualTo(a.metrics());
    }

    @ParameterizedTest
    @CsvSource({"none, migrate-before-map", "naive, migrate-before-map", "copyless, migrate-before-map",
        "copyless, map-then-migrate"})
    void aDifferentSeedGivesDifferentMetrics(String key, String order) {
        Scenario s = defaultScenario();
        RunResult a = runChecked(s, policy(key, order));
        RunResult c = runChecked(s.withSeed(s.seed() + 1), policy(key, order));

        assertThat(c.metrics()).isNotEqualTo(a.metrics());
        assertThat(c.counter(Counter.GUEST_ACCESSES)).isNotEqualTo(a.counter(Counter.GUEST_ACCESSES));
    }

    @ParameterizedTest
    @CsvSource({"none, migrate-before-map", "naive, migrate-before-map", "copyless, map-then-migrate"})
    void perEventInvariantChecksDoNotChangeTheResults(String key, String order) {
        Scenario s = Scenarios.parse(Scenarios.SMALL).withDuration(150_000_000L);
        RunResult checked = new Simulation(s, policy(key, order)).checkInvariantsAfterEachEvent(true).run();
        RunResult unchecked = new Simulation(s, policy(key, order)).checkInvariantsAfterEachEvent(false).run();
        assertThat(checked.metrics()).isEqualTo(unchecked.metrics());
    }

    @ParameterizedTest
    @CsvSource({"naive, migrate-before-map", "copyless, migrate-before-map"})
    void twoSimulationsRunInterleavedShareNoState(String key, String order) {
        Scenario s = Scenarios.parse(Scenarios.TIERED);
        RunResult alone = new Simulation(s, policy(key, order)).run();

        Simulation x = new Simulation(s, policy(key, order));
        Simulation y = new Simulation(s.withSeed(s.seed() + 7), policy(key, order));
        for (long t = 10_000_000L; t < s.durationNs(); t += 10_000_000L) {
            x.engine().runUntil(t, null);
            y.engine().runUntil(t, null);
        }
        y.run();
        assertThat(x.run().metrics()).isEqualTo(alone.metrics());
    }
}
