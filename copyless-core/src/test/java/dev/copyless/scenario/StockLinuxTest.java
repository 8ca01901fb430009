package dev.copyless.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import dev.copyless.testkit.Scenarios;
import org.junit.jupiter.api.Test;

/** {@link StockLinux}: the default scenario is stock; a changed tunable is named with Linux's value. */
class StockLinuxTest {
    @Test
    void theDefaultScenarioIsStockLinux() {
        assertThat(StockLinux.deviations(ScenarioParser.defaultScenario())).isEmpty();
    }

    @Test
    void theBusyDefaultIsNotStockAndItsYamlSaysTheSame() {
        Scenario busy = ScenarioParser.busyDefault(600_000_000L);
        assertThat(StockLinux.deviations(busy)).extracting(StockLinux.Deviation::key)
                .containsExactly("balancer.scan-period-min", "balancer.scan-period-max", "balancer.scan-delay");
        Scenario fromText = ScenarioParser.parse(Scenarios.busyDefaultYaml(), "busy.yaml");
        assertThat(fromText.balancer()).isEqualTo(busy.balancer());
        assertThat(fromText.scheduler()).isEqualTo(busy.scheduler());
    }

    @Test
    void everyNonStockValueIsNamedWithLinuxsDefault() {
        String yaml = ScenarioParser.defaultScenarioText()
                .replace("fault-around: 1 ", "fault-around: 8 ")
                .replace("readahead: vma ", "readahead: cluster ")
                .replace("scan-period-min: 1000ms", "scan-period-min: 50ms")
                .replace("promotion: off ", "promotion: on-touch ");
        Scenario s = ScenarioParser.parse(yaml, "changed.yaml");
        assertThat(StockLinux.deviations(s)).extracting(Object::toString).containsExactly(
                "host.reclaim.readahead cluster (Linux: vma)",
                "host.demotion.promotion on-touch (Linux: off, or tiering (numa_balancing=2))",
                "balancer.scan-period-min 50ms (Linux: 1000ms)",
                "balancer.fault-around 8 (Linux: 1)");
    }
}
