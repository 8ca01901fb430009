package dev.copyless.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.copyless.clock.CostModel;
import dev.copyless.scenario.CostProfile;
import dev.copyless.scenario.Scenario;
import dev.copyless.scenario.ScenarioException;
import dev.copyless.scenario.ScenarioParser;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The cost-model profile of {@code copyless calibrate}: written then loaded it gives the same
 * {@link CostModel}; its precedence over the scenario (its keys win, the rest stays, every swap
 * device takes its timing); a bad profile is refused in one line.
 */
class CostProfileTest {

    private static CostProfile sample() {
        Map<String, Long> cost = new LinkedHashMap<>();
        long v = 3;
        for (String k : CostProfile.costKeys()) {
            cost.put(k, 100 + v++ * 7);
        }
        Map<String, String> source = new LinkedHashMap<>();
        cost.keySet().forEach(k -> source.put(k, "measured: " + k));
        return new CostProfile("copyless calibrate test host", cost, source, 61_000, 9_000, 520_000_000L, "swap bench");
    }

    private static Map<String, Long> fields(CostModel m) throws IllegalAccessException {
        Map<String, Long> out = new LinkedHashMap<>();
        for (Field f : CostModel.class.getFields()) {
            if (f.getType() == long.class && !Modifier.isStatic(f.getModifiers())) {
                out.put(f.getName(), f.getLong(m));
            }
        }
        return out;
    }

    @Test
    void writtenThenLoadedGivesTheSameCostModel() throws Exception {
        CostProfile p = sample();
        CostProfile back = CostProfile.parse(p.toYaml(), "profile.yaml");
        Scenario base = ScenarioParser.defaultScenario();

        Scenario a = p.applyTo(base);
        Scenario b = back.applyTo(base);

        assertThat(back.cost()).isEqualTo(p.cost());
        assertThat(b.cost()).isEqualTo(a.cost());
        assertThat(fields(Simulation.costModel(b))).isEqualTo(fields(Simulation.costModel(a)));
        assertThat(fields(Simulation.costModel(a))).containsEntry("remapPageNs", p.cost().get("remap-page-ns"))
                .containsEntry("tlbShootdownNs", p.cost().get("tlb-shootdown-ns"))
                .containsEntry("listInspectNs", p.cost().get("list-inspect-ns"));
        assertThat(b.host().swap()).isEqualTo(a.host().swap());
    }

    @Test
    void theProfileOverridesTheScenarioWhereItSpeaksAndEverySwapDeviceTakesItsTiming() {
        Scenario base = ScenarioParser.defaultScenario();
        CostProfile p = CostProfile.parse("cost:\n  remap-page-ns: 1234\nswap:\n  read-latency: 61us\n"
                + "  write-latency: 9000ns\n  bandwidth-bytes-per-second: 520000000\n", "p.yaml");

        Scenario s = p.applyTo(base);

        assertThat(s.cost().remapPageNs()).isEqualTo(1234);
        assertThat(s.cost().hintFaultNs()).as("a key the profile does not give").isEqualTo(base.cost().hintFaultNs());
        assertThat(s.host().swap()).hasSameSizeAs(base.host().swap()).allSatisfy(d -> {
            assertThat(d.readNs()).isEqualTo(61_000);
            assertThat(d.writeNs()).isEqualTo(9_000);
            assertThat(d.bytesPerSecond()).isEqualTo(520_000_000L);
        });
        for (int i = 0; i < s.host().swap().size(); i++) {
            assertThat(s.host().swap().get(i).profile()).isEqualTo(base.host().swap().get(i).profile());
        }
    }

    @Test
    void aBadProfileIsRefusedInOneLineNamingTheKey() {
        assertThatThrownBy(() -> CostProfile.parse("cost:\n  remap-ns: 5\n", "p.yaml"))
                .isInstanceOf(ScenarioException.class).hasMessageContaining("cost.remap-ns: unknown key")
                .hasMessageNotContaining("\n");
        assertThatThrownBy(() -> CostProfile.parse("cost:\n  remap-page-ns: -5\n", "p.yaml"))
                .isInstanceOf(ScenarioException.class).hasMessageContaining("cost.remap-page-ns: expected an integer");
        assertThatThrownBy(() -> CostProfile.parse("cost:\n  remap-page-ns: 1.5\n", "p.yaml"))
                .isInstanceOf(ScenarioException.class).hasMessageContaining("cost.remap-page-ns");
        assertThatThrownBy(() -> CostProfile.parse("swap:\n  read-latency: soon\n  write-latency: 1us\n"
                + "  bandwidth-bytes-per-second: 5\n", "p.yaml"))
                .isInstanceOf(ScenarioException.class).hasMessageContaining("swap.read-latency");
        assertThatThrownBy(() -> CostProfile.parse("nodes: 2\n", "p.yaml"))
                .isInstanceOf(ScenarioException.class).hasMessageContaining("nodes: unknown key");
        assertThatThrownBy(() -> CostProfile.parse("host: x\n", "p.yaml"))
                .isInstanceOf(ScenarioException.class).hasMessageContaining("sets nothing");
        assertThatThrownBy(() -> CostProfile.parse("cost:\n  access-local-ns: 500\n", "p.yaml")
                .applyTo(ScenarioParser.defaultScenario()))
                .isInstanceOf(ScenarioException.class).hasMessageContaining("access-remote-ns");
    }
}
