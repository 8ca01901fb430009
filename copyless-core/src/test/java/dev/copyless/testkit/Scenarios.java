package dev.copyless.testkit;

import dev.copyless.balancer.BalancingPolicy;
import dev.copyless.metrics.RunResult;
import dev.copyless.mm.MigrationOrder;
import dev.copyless.scenario.Scenario;
import dev.copyless.scenario.ScenarioParser;
import dev.copyless.sim.Simulation;

/** Small scenarios (a few thousand pages) that tests can afford to run with per-event invariant checks. */
public final class Scenarios {
    private Scenarios() {}

    /** Two nodes under memory pressure with NVMe swap, one VM of two vNodes, two tasks moved between vNodes. */
    public static final String SMALL = """
            name: small
            seed: 11
            duration: 300ms
            host:
              nodes:
                - {id: 0, memory: 6MiB}
                - {id: 1, memory: 6MiB}
              swap:
                - {name: nvme0, profile: nvme, size: 24MiB}
            vms:
              - name: vm0
                vnodes:
                  - {id: 0, memory: 10MiB, host-node: 0, vcpus: 1}
                  - {id: 1, memory: 10MiB, host-node: 1, vcpus: 1}
                tasks:
                  - {name: a, vnode: 0, footprint: 7MiB, hot-probability: 0.9}
                  - {name: b, vnode: 1, footprint: 7MiB, hot-probability: 0.9}
            scheduler: {interval: 50ms, quantum: 100us}
            balancer: {scan-period-min: 10ms, scan-period-max: 10ms, scan-delay: 10ms, scan-size: 16MiB, fault-around: 8}
            """;

    /**
     * A tiered host: nodes 0 and 1 back the VM's vNodes, node 2 is a memory-only (CXL-like) node
     * that the host demotes cold pages to; promotion on touch is on (numa_balancing=2).
     */
    public static final String TIERED = """
            name: tiered
            seed: 5
            duration: 300ms
            host:
              nodes:
                - {id: 0, memory: 6MiB}
                - {id: 1, memory: 6MiB}
                - {id: 2, memory: 12MiB}
              distance: [[10, 21, 17], [21, 10, 28], [17, 28, 10]]
              swap:
                - {name: nvme0, profile: nvme, size: 16MiB}
              demotion:
                targets: {0: 2, 1: 2}
                interval: 5ms
                batch: 64
                promotion: on-touch
            vms:
              - name: vm0
                vnodes:
                  - {id: 0, memory: 10MiB, host-node: 0, vcpus: 1}
                  - {id: 1, memory: 10MiB, host-node: 1, vcpus: 1}
                tasks:
                  - {name: a, vnode: 0, footprint: 7MiB, hot-probability: 0.9}
                  - {name: b, vnode: 1, footprint: 7MiB, hot-probability: 0.9}
            scheduler: {interval: 50ms, quantum: 100us}
            balancer: {scan-period-min: 10ms, scan-period-max: 10ms, scan-delay: 10ms, scan-size: 16MiB, fault-around: 8}
            """;

    /**
     * The default scenario, shortened to {@code durationNs} and made to balance within it: a
     * fixed 50 ms scan period (no delay, no adaptation) and two tasks exchanging vNodes every
     * 250 ms. For tests of mechanisms that need balancing in a short run, not of the stock figures.
     */
    public static Scenario quickDefault(long durationNs) {
        return ScenarioParser.busyDefault(durationNs);
    }

    /**
     * {@link ScenarioParser#busyDefault}'s settings as a scenario file's text (the default scenario
     * with a fixed 50 ms scan period and a task exchange every 250 ms), for command-line tests
     * that need balancing within a short {@code --duration}.
     */
    public static String busyDefaultYaml() {
        return ScenarioParser.defaultScenarioText()
                .replaceAll("(?m)^  (scan-period-min|scan-period-max|scan-delay): [0-9]+ms", "  $1: 50ms")
                .replaceAll("(?m)^  interval: 5s ", "  interval: 250ms ");
    }

    public static Scenario parse(String yaml) {
        return ScenarioParser.parse(yaml, "test");
    }

    /** The policy {@code key} (which decides hold-back) in {@code order}, 16 pages per hypercall. */
    public static BalancingPolicy policy(String key, MigrationOrder order) {
        return BalancingPolicy.of(key, order, 16);
    }

    /** The scenario's own copyless options as a policy. */
    public static BalancingPolicy policy(String key, Scenario s) {
        Scenario.Copyless c = s.copyless();
        return BalancingPolicy.of(key, MigrationOrder.fromKey(c.order()), c.batch());
    }

    /** Runs with invariant checks after every event (as configured by -Dcopyless.checks) and once at the end. */
    public static RunResult run(Scenario s, BalancingPolicy p) {
        Simulation sim = new Simulation(s, p);
        RunResult r = sim.run();
        sim.checkInvariants();
        return r;
    }
}
