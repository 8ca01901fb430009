package dev.copyless.sim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.copyless.balancer.BalancingPolicy;
import dev.copyless.metrics.Counter;
import dev.copyless.metrics.Ratio;
import dev.copyless.metrics.RunResult;
import dev.copyless.mm.MigrationOrder;
import dev.copyless.scenario.Scenario;
import dev.copyless.scenario.ScenarioParser;
import dev.copyless.sim.Simulation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The headline result on the embedded default scenario: copyless makes at most one data
 * movement per balanced moved page and copies nothing from swap across the interconnect;
 * today's naive balancing makes two and evicts other pages to make room.
 */
class HeadlineTest {

    private static RunResult run(Scenario s, BalancingPolicy p) {
        Simulation sim = new Simulation(s, p).checkInvariantsAfterEachEvent(false);
        RunResult r = sim.run();
        sim.checkInvariants();
        return r;
    }

    private static RunResult copyless(MigrationOrder order) {
        Scenario s = ScenarioParser.defaultScenario().withCopyless(new Scenario.Copyless(order.key(), true, 16));
        Scenario.Copyless c = s.copyless();
        return run(s, BalancingPolicy.of("copyless", MigrationOrder.fromKey(c.order()), c.holdBack(), c.batch()));
    }

    @ParameterizedTest
    @EnumSource(MigrationOrder.class)
    void copylessMakesAtMostOneDataMovementPerBalancedMovedPage(MigrationOrder order) {
        RunResult r = copyless(order);
        long balanced = r.counter(Counter.BALANCED_MOVED_PAGES);
        long movements = r.counter(Counter.MOVED_PAGE_DATA_MOVEMENTS);

        assertThat(balanced).isPositive();
        assertThat(r.counter(Counter.HYPERCALLS)).isPositive();
        if (order == MigrationOrder.MIGRATE_BEFORE_MAP) {
            assertThat(movements).isEqualTo(balanced);
        } else {
            assertThat(movements).isPositive().isLessThanOrEqualTo(balanced);
        }
        assertThat(r.ratio(Ratio.DATA_MOVEMENTS_PER_BALANCED_MOVED_PAGE)).isLessThanOrEqualTo(1.0);
        assertThat(r.counter(Counter.SWAPPED_PAGE_INTERCONNECT_BYTES)).isZero();
        assertThat(r.counter(Counter.MOVED_PAGE_INTERCONNECT_BYTES)).isZero();
        // hold-back: nothing is brought back to the node a page is leaving, so nothing is evicted for it
        assertThat(r.counter(Counter.PAGES_BROUGHT_BACK)).isZero();
        assertThat(r.counter(Counter.EVICTIONS_CAUSED)).isZero();
    }

    @Test
    void naiveMakesTwoDataMovementsPerBalancedPageReadFromTheDeviceAndCausesEvictions() {
        Scenario s = ScenarioParser.defaultScenario();
        RunResult r = run(s, BalancingPolicy.of("naive", MigrationOrder.MIGRATE_BEFORE_MAP, false, 16));
        long balanced = r.counter(Counter.BALANCED_MOVED_PAGES);
        long fromDevice = r.counter(Counter.BALANCED_MOVED_PAGES_SWAP);
        long fromSwapCache = r.counter(Counter.BALANCED_MOVED_PAGES_SWAPCACHE);

        assertThat(fromDevice).isPositive();
        assertThat(fromDevice + fromSwapCache + r.counter(Counter.BALANCED_MOVED_PAGES_NODE)).isEqualTo(balanced);
        // two per page read from the device (swap-in to the source node, then the guest copy), one per page
        // whose data was still in the swap cache (mapped where it is, then copied)
        assertThat(r.counter(Counter.MOVED_PAGE_DATA_MOVEMENTS)).isGreaterThanOrEqualTo(2 * fromDevice + fromSwapCache);
        assertThat(r.counter(Counter.EVICTIONS_CAUSED)).isPositive();
        assertThat(r.counter(Counter.SWAPPED_PAGE_INTERCONNECT_BYTES)).isPositive();
        assertThat(r.counter(Counter.PAGES_BROUGHT_BACK)).isGreaterThanOrEqualTo(fromDevice);
        assertThat(r.counter(Counter.HYPERCALLS)).isZero();
    }

    @Test
    void withoutBalancingNothingIsBalancedButTheHostStillSwaps() {
        RunResult r = run(ScenarioParser.defaultScenario(), BalancingPolicy.of("none", MigrationOrder.MIGRATE_BEFORE_MAP, false, 16));
        assertThat(r.counter(Counter.PSWPOUT)).isPositive();
        assertThat(r.counter(Counter.NUMA_HINT_FAULTS)).isZero();
        assertThat(r.counter(Counter.BALANCED_MOVED_PAGES)).isZero();
        assertThat(r.counter(Counter.MOVED_PAGE_DATA_MOVEMENTS)).isZero();
        assertThat(r.ratio(Ratio.REMOTE_ACCESS_FRACTION)).isPositive();
    }
}
