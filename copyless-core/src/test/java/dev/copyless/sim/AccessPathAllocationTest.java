package dev.copyless.sim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.copyless.balancer.BalancingPolicy;
import dev.copyless.metrics.Counter;
import dev.copyless.mm.MigrationOrder;
import dev.copyless.scenario.Scenario;
import dev.copyless.testkit.Scenarios;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

/**
 * The guest access path allocates nothing: once a run is warm, simulating hundreds of
 * thousands of accesses (fast path, hinting faults, swap faults, copyless hypercalls)
 * allocates next to no heap on the engine thread. Measured with the JDK's per-thread
 * allocation counter, not with time.
 */
class AccessPathAllocationTest {

    @Test
    void steadyStateSimulationAllocatesAlmostNothingPerAccess() {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        Scenario s = Scenarios.quickDefault(2_000_000_000L);
        Simulation sim = new Simulation(s, BalancingPolicy.of("copyless-holdback", MigrationOrder.MIGRATE_BEFORE_MAP, 16))
                .checkInvariantsAfterEachEvent(false);
        sim.engine().runUntil(600_000_000L, null); // warm up: pages faulted in, host under pressure, tasks moved
        long accessesBefore = sim.metrics().stat.get(Counter.GUEST_ACCESSES);
        long migratedBefore = sim.metrics().stat.get(Counter.NUMA_PAGES_MIGRATED);
        long tid = Thread.currentThread().threadId();
        long bytesBefore = threads.getThreadAllocatedBytes(tid);
        sim.engine().runUntil(1_200_000_000L, null);
        long bytes = threads.getThreadAllocatedBytes(tid) - bytesBefore;
        long accesses = sim.metrics().stat.get(Counter.GUEST_ACCESSES) - accessesBefore;
        long migrated = sim.metrics().stat.get(Counter.NUMA_PAGES_MIGRATED) - migratedBefore;

        assertThat(accesses).isGreaterThan(500_000);
        assertThat(migrated).as("the window exercises balancing too").isPositive();
        // Engine bookkeeping may allocate a little (queue growth); the per-access path must not.
        assertThat((double) bytes / accesses).as("bytes allocated per simulated access (%d bytes)", bytes)
                .isLessThan(0.05);
    }
}
