package dev.copyless.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.copyless.hypervisor.AbiError;
import dev.copyless.hypervisor.HypercallConfig;
import dev.copyless.metrics.Counter;
import dev.copyless.mm.Errno;
import dev.copyless.scenario.Scenario;
import dev.copyless.scenario.ScenarioException;
import dev.copyless.scenario.ScenarioParser;
import dev.copyless.testkit.Scenarios;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The {@code hypercall:} scenario section (defaults, values, one-line errors) and the documents
 * that describe the ABI: every counter in docs/METRICS.md, every refusal with its errno in
 * docs/ABI.md, every key of the section in docs/SCENARIO.md.
 */
class HypercallScenarioTest {
    private static final String BASE = Scenarios.SMALL;

    private static Path doc(String name) {
        Path p = Path.of("..", "docs", name);
        assertThat(p).exists();
        return p;
    }

    @Test
    void theDefaultIsUnlimitedAndFaultFree() {
        Scenario.Hypercall h = ScenarioParser.defaultScenario().hypercall();
        assertThat(h).isEqualTo(new Scenario.Hypercall(0, 0, 10_000_000L, 50_000L, 2, 1, 0, 0, 0));
        assertThat(h.config()).isEqualTo(HypercallConfig.DEFAULT);
        assertThat(h.config().faulty()).isFalse();
        assertThat(Scenarios.parse(BASE).hypercall()).as("a scenario without the section").isEqualTo(h);
    }

    @Test
    void theSectionIsRead() {
        Scenario s = Scenarios.parse(BASE + """
                hypercall:
                  rate-limit-calls: 2000
                  rate-limit-pages: 50000
                  rate-limit-burst: 5ms
                  timeout: 20us
                  retries: 0
                  channel-seed: 7
                  drop-rate: 0.1
                  duplicate-rate: 0.2
                  reorder-rate: 0.3
                """);
        assertThat(s.hypercall()).isEqualTo(new Scenario.Hypercall(2000, 50_000, 5_000_000L, 20_000L, 0, 7, 0.1, 0.2, 0.3));
        assertThat(s.withSeed(3).hypercall()).as("with... keeps the section").isEqualTo(s.hypercall());
    }

    @Test
    void badValuesAreRefusedWithOneLineNamingTheKey() {
        String[][] cases = {
            {"drop-rate: 1.5", "hypercall.drop-rate", "expected a number between 0.0 and 1.0"},
            {"rate-limit-calls: -1", "hypercall.rate-limit-calls", "expected an integer between 0"},
            {"drop-rate: 0.5\n  duplicate-rate: 0.4\n  reorder-rate: 0.2", "hypercall.drop-rate", "at most 1"},
            {"rate-limit-burst: 2s", "hypercall.rate-limit-burst", "at most 1s"},
            {"timeout: 0", "hypercall.timeout", "positive duration"},
            {"drop-rat: 0.1", "unknown key 'hypercall.drop-rat'", "drop-rate"},
        };
        for (String[] c : cases) {
            assertThatThrownBy(() -> ScenarioParser.parse(BASE + "hypercall:\n  " + c[0] + "\n", "bad.yaml"))
                    .isInstanceOf(ScenarioException.class)
                    .hasMessageStartingWith("bad.yaml: ")
                    .hasMessageContaining(c[1]).hasMessageContaining(c[2])
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
        }
    }

    @Test
    void metricsDocListsEveryCounter() throws IOException {
        String text = Files.readString(doc("METRICS.md"));
        for (Counter c : Counter.values()) {
            assertThat(text).as("docs/METRICS.md row for " + c.metricName()).contains("| `" + c.metricName() + "` |");
        }
    }

    @Test
    void abiDocListsEveryRefusalWithItsCodeAndErrno() throws IOException {
        String text = Files.readString(doc("ABI.md"));
        for (AbiError e : AbiError.values()) {
            assertThat(text).as("docs/ABI.md row for " + e)
                    .contains("| " + e.code + " | `" + e.name() + "` | -" + e.errno + " | `"
                            + Errno.name(e.errno) + "` |");
        }
    }

    @Test
    void scenarioDocListsEveryHypercallKey() throws IOException {
        String text = Files.readString(doc("SCENARIO.md"));
        for (String key : new String[] {"rate-limit-calls", "rate-limit-pages", "rate-limit-burst", "timeout", "retries",
            "channel-seed", "drop-rate", "duplicate-rate", "reorder-rate"}) {
            assertThat(text).contains("| `" + key + "` |");
            assertThat(ScenarioParser.defaultScenarioText()).contains("  " + key + ":");
        }
    }
}
