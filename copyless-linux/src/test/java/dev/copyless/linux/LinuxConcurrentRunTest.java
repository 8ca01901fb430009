package dev.copyless.linux;

import static org.assertj.core.api.Assertions.assertThat;

import dev.copyless.balancer.BalancingPolicy;
import dev.copyless.metrics.Counter;
import dev.copyless.metrics.Gauge;
import dev.copyless.scenario.Scenario;
import dev.copyless.scenario.ScenarioParser;
import dev.copyless.stress.ConcurrentRun;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The concurrency stress run on the Linux backend: vCPU threads making real loads and real
 * copies, host reclaim by {@code MADV_PAGEOUT}, vhost reads and copyless {@code mremap}
 * migrations racing on real guest RAM and the kernel's swap for one second per policy; then
 * every page's content is read back and must match (no page lost), and the moved-page list
 * must match the host's shadow. Skipped without usable swap.
 */
class LinuxConcurrentRunTest {
    @ParameterizedTest
    @ValueSource(strings = {"naive", "copyless"})
    void realMemoryUnderRealThreadsLosesNoPage(String policy) {
        SwapAvailable.assume();
        Scenario s = ScenarioParser.stressScenario();
        ConcurrentRun.Report r = new ConcurrentRun(s, BalancingPolicy.of(policy, s.copyless()), new LinuxBackend(), 11)
                .run(1_000);
        assertThat(r.accesses()).isPositive();
        assertThat(r.pagedOut()).isPositive();
        assertThat(r.balancingAttempts()).isPositive();
        assertThat(r.invariantChecks()).isGreaterThan(1);
        assertThat(r.result().gauge(Gauge.PAGES_VERIFIED)).isPositive();
        assertThat(r.result().gauge(Gauge.PAGES_LOST)).isZero();
        if (policy.equals("copyless")) {
            assertThat(r.result().counter(Counter.HYPERCALL_PAGES)).isPositive();
            // our code copies a moved page only when the host moved it between the guest's look at the list and
            // the copy (a race of real threads, e.g. "swapped out after the guest decided"): the exception, not the rule
            assertThat(r.result().gauge(Gauge.MOVED_PAGE_BYTES_COPIED_BY_US))
                    .isLessThan(4096 * r.result().counter(Counter.HYPERCALL_PAGES));
        }
    }
}
