package dev.copyless.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.copyless.vm.VmAssets;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * {@code copyless fidelity} for real: one boot of the test VM (calibration and the three policies
 * on the Linux backend with the kernel's reclaim), then the simulator; where QEMU, busybox-static
 * and zstd are installed, elsewhere skipped with what to install (as {@link VmBootTest}).
 */
class FidelityVmTest {
    private static final Optional<String> NOT_BOOTABLE = VmAssets.notBootableReason();

    @Test
    void oneBootGivesEveryPolicysRealCountersAndTheSimulatedOverRealRatios() throws Exception {
        assumeTrue(NOT_BOOTABLE.isEmpty(), () -> "skipped: " + NOT_BOOTABLE.orElse(""));
        CliTest.Result r = CliTest.run("fidelity", "--timeout", "25min", "--real-runs", "2", "--format", "json");
        assertThat(r.code()).as("stderr: %s", r.err()).isZero();
        assertThat(r.err()).as("one boot").containsOnlyOnce("copyless vm: booting");
        JsonNode root = new ObjectMapper().readTree(r.out());
        assertThat(root.get("scenario").get("vm").get("nodes").asInt()).isEqualTo(2);
        assertThat(root.get("scenario").get("cost_profile").get("from").asText()).isEqualTo("the test VM");
        assertThat(root.get("scenario").get("cost_profile").get("swap_read_latency_ns").asLong()).isPositive();
        JsonNode p = root.get("policies");
        long realSwapOuts = 0;
        for (String pol : Fidelity.POLICIES) {
            JsonNode m = p.get(pol);
            assertThat(m.get("pswpout").get("simulated").asLong()).as("%s: the model's host swaps", pol).isPositive();
            realSwapOuts += m.get("pswpout").get("real").asLong();
            for (Fidelity.Metric x : Fidelity.METRICS) {
                JsonNode e = m.get(x.name());
                assertThat(e.get("real_runs")).as("%s %s: each real run's value", pol, x.name()).hasSize(2);
                if (e.get("real").asDouble() == 0) {
                    assertThat(e.get("ratio").isNull()).as("%s %s: no ratio on a real 0", pol, x.name()).isTrue();
                } else {
                    assertThat(e.get("ratio").asDouble()).as("%s %s", pol, x.name()).isCloseTo(
                            e.get("simulated").asDouble() / e.get("real").asDouble(), org.assertj.core.data.Offset.offset(1e-3));
                }
            }
        }
        assertThat(root.get("scenario").get("real_clock").asText()).isEqualTo("modelled");
        // summed over the policies: a run whose node kept more room than the scenario's (too few whole
        // 2 MiB blocks to set it aside) swaps little (docs/FIDELITY.md, "Why they still diverge")
        assertThat(realSwapOuts).as("the kernel swapped guest RAM out").isPositive();
        assertThat(p.get("none").get("numa_pages_migrated").get("real").asLong()).isZero();
        assertThat(p.get("none").get("numa_pages_migrated").get("simulated").asLong()).isZero();
        assertThat(p.get("naive").get("numa_pages_migrated").get("real").asLong()).isPositive();
        assertThat(p.get("copyless").get("numa_pages_migrated").get("real").asLong()).isPositive();
        assertThat(p.get("copyless").get("source_node_swapins").get("simulated").asLong()).isZero();
    }
}
