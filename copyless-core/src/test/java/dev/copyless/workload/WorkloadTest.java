package dev.copyless.workload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.copyless.balancer.BalancingPolicy;
import dev.copyless.guest.GuestVm;
import dev.copyless.guest.Task;
import dev.copyless.metrics.Counter;
import dev.copyless.mm.MigrationOrder;
import dev.copyless.scenario.Scenario;
import dev.copyless.scenario.ScenarioParser;
import dev.copyless.sim.Simulation;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The workload library: distributions, phase changes, shared regions and scheduler patterns. */
class WorkloadTest {

    @Test
    void zipfFollowsItsLawAndStaysInRange() {
        int n = 1000;
        double s = 1.0;
        ZipfWorkload z = new ZipfWorkload(n, s);
        SplittableRandom rng = new SplittableRandom(1);
        long[] counts = new long[n];
        int samples = 2_000_000;
        for (int i = 0; i < samples; i++) {
            int k = z.next(rng);
            assertThat(k).isBetween(0, n - 1);
            counts[k]++;
        }
        double h = 0;
        for (int k = 1; k <= n; k++) {
            h += 1.0 / Math.pow(k, s);
        }
        for (int k : new int[] {1, 2, 10, 100}) {
            double expected = 1.0 / Math.pow(k, s) / h;
            assertThat((double) counts[k - 1] / samples).as("P(rank %d)", k).isCloseTo(expected, within(expected * 0.05));
        }
        assertThat(counts[0]).isGreaterThan(counts[1]).isGreaterThan(counts[9]);
    }

    @Test
    void phaseMovesTheHotSetEveryPeriod() {
        PhaseWorkload p = new PhaseWorkload(1000, 0.1, 1.0, 100);
        SplittableRandom rng = new SplittableRandom(2);
        p.tick(0);
        for (int i = 0; i < 1000; i++) {
            assertThat(p.next(rng)).isBetween(0, 99);
        }
        p.tick(250); // third phase: pages 200..299
        for (int i = 0; i < 1000; i++) {
            assertThat(p.next(rng)).isBetween(200, 299);
        }
        p.tick(100 * 10); // wraps around the footprint
        assertThat(p.hotStart()).isZero();
    }

    @Test
    void hotColdSendsTheHotProbabilityToTheHotSet() {
        HotColdWorkload w = new HotColdWorkload(1000, 0.2, 0.9);
        SplittableRandom rng = new SplittableRandom(3);
        int hot = 0;
        for (int i = 0; i < 100_000; i++) {
            if (w.next(rng) < 200) {
                hot++;
            }
        }
        assertThat(hot / 100_000.0).isCloseTo(0.9, within(0.01));
    }

    private static Scenario scenario(String tasks, String scheduler) {
        String yaml = ScenarioParser.defaultScenarioText();
        int a = yaml.indexOf("    tasks:");
        int b = yaml.indexOf("scheduler:");
        yaml = yaml.substring(0, a) + tasks + "\n" + yaml.substring(b);
        yaml = yaml.replaceAll("(?m)^  pattern: swap .*$", "  pattern: " + scheduler)
                .replaceAll("(?m)^  interval: 5s .*$", "  interval: 250ms")
                .replaceAll("(?m)^  (scan-period-min|scan-period-max|scan-delay): .*$", "  $1: 50ms");
        return ScenarioParser.parse(yaml, "test").withDuration(600_000_000L);
    }

    @Test
    void sharedRegionTasksMapTheSameGuestPages() {
        Scenario s = scenario("""
                    tasks:
                      - {name: a, vnode: 0, footprint: 8MiB, shared-region: r}
                      - {name: b, vnode: 1, footprint: 8MiB, shared-region: r}
                      - {name: c, vnode: 1, footprint: 4MiB}
                """, "none");
        assertThat(s.workloadPages()).isEqualTo(3072); // 8 MiB shared once + 4 MiB
        Simulation sim = new Simulation(s, BalancingPolicy.of("naive", MigrationOrder.MIGRATE_BEFORE_MAP, 16))
                .checkInvariantsAfterEachEvent(false);
        GuestVm vm = sim.vms().get(0);
        Task a = vm.tasks().get(0);
        Task b = vm.tasks().get(1);
        Task c = vm.tasks().get(2);
        assertThat(b.gvpnStart()).isEqualTo(a.gvpnStart());
        assertThat(c.gvpnStart()).isEqualTo(a.gvpnStart() + a.footprint());
        var r = sim.run();
        sim.checkInvariants();
        // tasks on both vNodes touch the shared pages: hinting faults see other tasks' cpupids
        assertThat(r.counter(Counter.NUMA_HINT_FAULTS)).isPositive();
        assertThat(r.counter(Counter.TASK_MOVES)).isZero();
    }

    @Test
    void sharedRegionWithDifferentFootprintsIsRefused() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> scenario("""
                    tasks:
                      - {name: a, vnode: 0, footprint: 8MiB, shared-region: r}
                      - {name: b, vnode: 1, footprint: 4MiB, shared-region: r}
                """, "none")).hasMessageContaining("vms[0].tasks[1].footprint").hasMessageContaining("region 'r'");
    }

    @Test
    void pingpongMovesTheFirstTaskBackAndForth() {
        Scenario s = scenario("""
                    tasks:
                      - {name: a, vnode: 0, footprint: 4MiB}
                      - {name: b, vnode: 1, footprint: 4MiB}
                """, "pingpong").withDuration(1_100_000_000L);
        Simulation sim = new Simulation(s, BalancingPolicy.of("none", MigrationOrder.MIGRATE_BEFORE_MAP, 16))
                .checkInvariantsAfterEachEvent(false);
        var r = sim.run();
        assertThat(r.counter(Counter.TASK_MOVES)).isEqualTo(4); // at 250, 500, 750, 1000 ms
        GuestVm vm = sim.vms().get(0);
        assertThat(vm.tasks().get(0).vnode()).isEqualTo(0); // moved four times: back home
        assertThat(vm.tasks().get(1).vnode()).isEqualTo(1); // never moved
    }
}
