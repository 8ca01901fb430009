package dev.copyless.stress;

import static org.assertj.core.api.Assertions.assertThat;

import dev.copyless.balancer.BalancingPolicy;
import dev.copyless.host.Verification;
import dev.copyless.metrics.Counter;
import dev.copyless.metrics.Gauge;
import dev.copyless.scenario.Scenario;
import dev.copyless.scenario.ScenarioParser;
import dev.copyless.sim.HostFactory;
import dev.copyless.swap.FaultConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The bounded concurrency stress test: the embedded stress scenario's host, hypervisor and guest on
 * real threads (vCPUs with their balancing migrations, the guest scheduler, host reclaim,
 * demotion, vhost reads, a lock-free list reader, a stop-the-world invariant checker) for
 * 1.5 s of wall time under each policy, in real-bytes mode. Asserts that every kind of thread
 * did its work, that the list reader saw consistent snapshots, that the invariants held at
 * every check, and that every page's bytes are its own at the end (none lost).
 */
class ConcurrentRunTest {
    private static final Scenario SCENARIO = ScenarioParser.stressScenario()
            .withRealBytes(true);

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
            assertThat(r.result().counter(Counter.BALANCED_MOVED_PAGES)).isPositive();
        }
        assertThat(r.vhostReads()).isPositive();
        assertThat(r.result().gauge(Gauge.PAGES_VERIFIED)).as("every backed page read back").isPositive();
        assertThat(r.result().gauge(Gauge.PAGES_LOST)).isZero();
        if (policy.equals("copyless")) {
            assertThat(r.result().counter(Counter.HYPERCALL_PAGES)).isPositive();
            assertThat(r.result().counter(Counter.MOVED_PAGE_DATA_MOVEMENTS))
                    .as("at most one movement per balanced moved page")
                    .isLessThanOrEqualTo(r.result().counter(Counter.BALANCED_MOVED_PAGES) + r.result().counter(Counter.HYPERCALL_STALE));
        }
    }

    /**
     * The same threads with swap faults on (read errors, a share of them persistent, torn writes,
     * a share of them silent, write errors, slow I/O): some pages are lost, and every one is
     * named; every other backed page is verified byte for byte.
     */
    @Test
    void underSwapFaultsEveryPageIsVerifiedOrNamedAsLost() {
        Scenario faulty = SCENARIO.withFaults(new FaultConfig(3, 0.005, 0.5, 0.005, 0.005, 0.5, 0.05, 20_000));
        ConcurrentRun run = new ConcurrentRun(faulty, BalancingPolicy.of("copyless", faulty.copyless()),
                HostFactory.SIMULATED, 5);
        ConcurrentRun.Report r = run.run(1_000);
        Verification v = run.simulation().verification();
        assertThat(r.result().counter(Counter.SWAP_READ_ERRORS)).isPositive();
        assertThat(r.result().counter(Counter.SWAP_TORN_WRITES)).isPositive();
        assertThat(v.verified() + v.pagesLost()).isEqualTo(v.backed());
        assertThat(v.verified()).isPositive();
        assertThat(r.result().gauge(Gauge.PAGES_LOST)).isEqualTo(v.pagesLost());
        assertThat(r.result().lostPages()).hasSize((int) v.pagesLost());
    }

    /** Two VMs on one crowded host: their vCPUs migrate at the same time through one hypervisor. */
    private static final String TWO_VMS = """
            name: two-vms-stress
            seed: 9
            duration: 1s
            host:
              nodes:
                - {id: 0, memory: 1MiB}
                - {id: 1, memory: 1MiB}
              watermarks: {min: 2%, low: 4%, high: 6%}
              swap:
                - {name: nvme0, profile: nvme, size: 32MiB}
            vms:
              - name: a
                vnodes:
                  - {id: 0, memory: 2MiB, host-node: 0, vcpus: 1}
                  - {id: 1, memory: 2MiB, host-node: 1, vcpus: 1}
                tasks:
                  - {name: a0, vnode: 0, footprint: 1MiB, pattern: uniform}
                  - {name: a1, vnode: 1, footprint: 1MiB, pattern: uniform}
              - name: b
                vnodes:
                  - {id: 0, memory: 2MiB, host-node: 0, vcpus: 1}
                  - {id: 1, memory: 2MiB, host-node: 1, vcpus: 1}
                tasks:
                  - {name: b0, vnode: 0, footprint: 1MiB, pattern: uniform}
                  - {name: b1, vnode: 1, footprint: 1MiB, pattern: uniform}
            """;

    @Test
    void twoVmsMigratingAtOnceKeepTheirOwnPages() {
        Scenario s = ScenarioParser.parse(TWO_VMS, "two-vms stress").withRealBytes(true);
        ConcurrentRun.Report r = new ConcurrentRun(s, BalancingPolicy.of("copyless", s.copyless()),
                HostFactory.SIMULATED, 13).run(1_500);
        assertThat(r.result().counter(Counter.HYPERCALL_PAGES)).isPositive();
        assertThat(r.result().counter(Counter.HYPERCALL_REFUSED)).as("no VM's call was mangled by another's").isZero();
        assertThat(r.result().gauge(Gauge.PAGES_VERIFIED)).isPositive();
        assertThat(r.result().gauge(Gauge.PAGES_LOST)).isZero();
        assertThat(r.invariantChecks()).isGreaterThan(1);
    }
}
