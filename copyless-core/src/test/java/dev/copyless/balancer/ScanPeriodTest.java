package dev.copyless.balancer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.copyless.clock.CostModel;
import dev.copyless.guest.Task;
import dev.copyless.metrics.Counter;
import dev.copyless.metrics.RunResult;
import dev.copyless.mm.MigrationOrder;
import dev.copyless.scenario.Scenario;
import dev.copyless.scenario.ScenarioException;
import dev.copyless.scenario.ScenarioParser;
import dev.copyless.sim.Simulation;
import dev.copyless.testkit.Scenarios;
import dev.copyless.workload.UniformWorkload;
import org.junit.jupiter.api.Test;

/**
 * The scan period as kernel/sched/fair.c adapts it: {@code update_task_scan_period},
 * {@code task_scan_min}'s {@code MAX_SCAN_WINDOW} floor, {@code update_scan_period} on a
 * move, and the first scan after the scan delay.
 */
class ScanPeriodTest {
    private static final long MS = 1_000_000L;

    private static Task task(int footprintPages) {
        Task t = new Task(0, "t", 0, new UniformWorkload(footprintPages), 100, 2, 1);
        t.initScan(1000 * MS, 1000 * MS, 60_000 * MS);
        t.startScanning();
        return t;
    }

    @Test
    void mostlyPrivateFaultsSlowScanningDown() {
        Task t = task(1024);
        t.faultTypes()[1] = 100; // private
        t.faultsLocality()[0] = 90; // remote
        t.faultsLocality()[1] = 10; // local
        NumaBalancer.updateTaskScanPeriod(t);
        // ps_ratio 10 >= 7: diff = (10 - 7) * period_slot (100 ms)
        assertThat(t.scanPeriodNs()).isEqualTo(1300 * MS);
        assertThat(t.faultsLocality()).containsExactly(0, 0, 0);
    }

    @Test
    void sharedRemoteFaultsSpeedScanningUpDownToTheMinimum() {
        Task t = task(1024);
        t.setScanPeriodNs(4000 * MS);
        t.faultTypes()[0] = 80; // shared
        t.faultTypes()[1] = 20; // private: ps_ratio 2
        t.faultsLocality()[0] = 90;
        t.faultsLocality()[1] = 10; // lr_ratio 1
        NumaBalancer.updateTaskScanPeriod(t);
        // diff = -(7 - max(1, 2)) * 400 ms
        assertThat(t.scanPeriodNs()).isEqualTo(2000 * MS);
        t.faultTypes()[0] = 80;
        t.faultTypes()[1] = 20;
        t.faultsLocality()[0] = 90;
        t.faultsLocality()[1] = 10;
        NumaBalancer.updateTaskScanPeriod(t);
        assertThat(t.scanPeriodNs()).isEqualTo(1000 * MS); // clamped to task_scan_min
    }

    @Test
    void aFailedMigrationDoublesThePeriodAndKeepsDoingSo() {
        Task t = task(1024);
        t.faultTypes()[1] = 100;
        t.faultsLocality()[1] = 100;
        t.faultsLocality()[2] = 1; // TNF_MIGRATE_FAIL
        NumaBalancer.updateTaskScanPeriod(t);
        assertThat(t.scanPeriodNs()).isEqualTo(2000 * MS);
        NumaBalancer.updateTaskScanPeriod(t); // Linux does not clear the locality on that path
        assertThat(t.scanPeriodNs()).isEqualTo(4000 * MS);
        for (int i = 0; i < 10; i++) {
            NumaBalancer.updateTaskScanPeriod(t);
        }
        assertThat(t.scanPeriodNs()).isEqualTo(60_000 * MS);
    }

    @Test
    void aMoveToAnotherNodeResetsThePeriodButNotTheScheduledScan() {
        Task t = task(1024);
        t.setScanPeriodNs(30_000 * MS);
        t.setNextScanAt(12_345 * MS);
        t.updateScanPeriod(0, 1);
        assertThat(t.scanPeriodNs()).isEqualTo(1000 * MS);
        assertThat(t.nextScanAt()).isEqualTo(12_345 * MS);
    }

    @Test
    void aMoveToThePreferredNodeAfterAPassKeepsThePeriod() {
        Task t = task(1024);
        t.setScanPeriodNs(30_000 * MS);
        t.scanPassCompleted();
        t.setPreferredVnode(1);
        t.updateScanPeriod(0, 1);
        assertThat(t.scanPeriodNs()).isEqualTo(30_000 * MS);
    }

    @Test
    void theScanDelayComesFirstAndTheScanWindowFloorsTheMinimum() {
        var s = Scenarios.parse(Scenarios.SMALL);
        Simulation sim = new Simulation(s, BalancingPolicy.of("naive", MigrationOrder.MIGRATE_BEFORE_MAP, 16));
        Task t = sim.vms().get(0).tasks().get(0);
        NumaBalancer b = sim.balancer(0);
        // a large task: 1 GiB of footprint needs 4 windows of 256 MiB, so the periods are divided by 4
        Task big = new Task(9, "big", 0, new UniformWorkload(262_144), 100, 2, 1);
        NumaBalancer stock = new NumaBalancer(b.vm(), b.hypervisor(), b.policy(), CostModel.defaults(new int[][] {{10, 21}, {21, 10}}), sim.metrics(),
                1000 * MS, 60_000 * MS, 1000 * MS, 65_536, 1);
        stock.initTask(big);
        assertThat(big.nextScanAt()).isEqualTo(1000 * MS);
        assertThat(big.scanPeriodMinNs()).isEqualTo(250 * MS);
        assertThat(big.scanPeriodMaxNs()).isEqualTo(15_000 * MS);
        // MAX_SCAN_WINDOW: 256 MB per scan is at most 10 scans a second, so a 10 ms minimum becomes 100 ms
        NumaBalancer fast = new NumaBalancer(b.vm(), b.hypervisor(), b.policy(), CostModel.defaults(new int[][] {{10, 21}, {21, 10}}), sim.metrics(),
                10 * MS, 60_000 * MS, 10 * MS, 65_536, 1);
        fast.initTask(big);
        assertThat(big.scanPeriodMinNs()).isEqualTo(100 * MS);
        assertThat(t.scanPeriodMinNs()).isEqualTo(10 * MS); // the small scenario scans 16 MiB: floor 6 ms
    }

    @Test
    void stockScanningSlowsDownOnASettledTask() {
        var s = ScenarioParser.defaultScenario().withDuration(12_000 * MS)
                .withScheduler(new Scenario.Scheduler(60_000 * MS, "none", 100_000));
        Simulation sim = new Simulation(s, BalancingPolicy.of("naive", MigrationOrder.MIGRATE_BEFORE_MAP, 16))
                .checkInvariantsAfterEachEvent(false);
        RunResult r = sim.run();
        Task t = sim.vms().get(0).tasks().get(0);
        // every fault is private and local: the period grows by 30% a pass from 1 s
        assertThat(t.scanPeriodNs()).isGreaterThan(2000 * MS);
        assertThat(r.counter(Counter.NUMA_HINT_FAULTS)).isPositive();
        assertThat(r.counter(Counter.NUMA_PAGES_MIGRATED)).isZero();
    }

    @Test
    void theOldFixedScanPeriodKeyIsRefusedWithItsReplacement() {
        assertThatThrownBy(() -> ScenarioParser.parse("balancer: {scan-period: 50ms}\n", "old.yaml"))
                .isInstanceOf(ScenarioException.class)
                .hasMessageContaining("balancer.scan-period")
                .hasMessageContaining("scan-period-min");
        String bad = ScenarioParser.defaultScenarioText().replace("scan-period-min: 1000ms", "scan-period-min: 2s")
                .replace("scan-period-max: 60000ms", "scan-period-max: 1s");
        assertThatThrownBy(() -> ScenarioParser.parse(bad, "bad.yaml"))
                .isInstanceOf(ScenarioException.class)
                .hasMessageContaining("balancer.scan-period-max")
                .hasMessageContaining("at least scan-period-min (2000ms)");
    }
}
