package dev.copyless.stress;

import static org.assertj.core.api.Assertions.assertThat;

import dev.copyless.balancer.BalancingPolicy;
import dev.copyless.scenario.Scenario;
import dev.copyless.scenario.ScenarioParser;
import dev.copyless.sim.HostFactory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The bounded concurrency stress test: {@code examples/stress-small.yaml}'s host, hypervisor and guest on
 * real threads (vCPUs with their balancing migrations, the guest scheduler, host reclaim,
 * demotion, a lock-free list reader, a stop-the-world invariant checker) for 1.5 s of wall
 * time under each policy. Asserts that every kind of thread did its work, that the list
 * reader saw consistent snapshots, that the invariants held at every check, and that the
 * races of the request path really happened (stale hypercall entries under copyless).
 */
class ConcurrentRunTest {
    private static final Scenario SCENARIO = ScenarioParser.load(java.nio.file.Path.of("../examples/stress-small.yaml"));

    @ParameterizedTest
    @ValueSource(strings = {"none", "naive", "copyless"})
    void everyThreadWorksAndNothingBreaks(String policy) {
        ConcurrentRun run = new ConcurrentRun(SCENARIO, BalancingPolicy.of(policy, SCENARIO.copyless()),
                HostFactory.SIMULATED, 7);
        ConcurrentRun.Report r = run.run(1_500);
        assertThat(r.accesses()).isPositive();
        assertThat(r.pagedOut()).isPositive();
        assertThat(r.demoted()).isPositive();
        assertThat(r.taskMoves()).isPositive();
        assertThat(r.listSnapshots()).isPositive();
        assertThat(r.invariantChecks()).isGreaterThan(1);
        if (!policy.equals("none")) {
            assertThat(r.balancingAttempts()).isPositive();
            assertThat(r.result().counter("balanced_moved_pages")).isPositive();
        }
        assertThat(r.vhostReads()).isPositive();
        if (policy.equals("copyless")) {
            assertThat(r.result().counter("hypercall_pages")).isPositive();
            assertThat(r.result().counter("moved_page_data_movements"))
                    .as("at most one movement per balanced moved page")
                    .isLessThanOrEqualTo(r.result().counter("balanced_moved_pages") + r.result().counter("hypercall_stale"));
        }
    }
}
