package dev.copyless.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.copyless.balancer.BalancingPolicy;
import dev.copyless.linux.LinuxHost;
import dev.copyless.metrics.Gauge;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * {@code --backend} on {@code run} and {@code compare}: the Linux backend runs the same
 * policies on real memory where swap is usable (and says once how the scenario's nodes map
 * onto this host's); elsewhere a one-line refusal with exit code 2; a bad value is a usage error.
 */
class BackendOptionTest {
    private static final Optional<String> NO_SWAP = LinuxHost.swapUnusableReason();

    @Test
    void compareOnTheLinuxBackendPrintsEveryPolicyWithEveryPageVerified() throws Exception {
        Assumptions.assumeTrue(NO_SWAP.isEmpty(), () -> "skipped: " + NO_SWAP.orElse(""));
        CliTest.Result r = CliTest.run("compare", "--backend", "linux", "--duration", "300ms", "--format", "json");
        assertThat(r.code()).as("stderr: %s", r.err()).isZero();
        JsonNode root = new ObjectMapper().readTree(r.out());
        assertThat(root.get("scenario").get("backend").asText()).isEqualTo("linux");
        for (String p : BalancingPolicy.KEYS) {
            JsonNode m = root.get("policies").get(p);
            for (Gauge g : Gauge.values()) {
                boolean expected = switch (g.scope()) {
                    case LINUX_MULTI_NODE -> LinuxHost.onlineNodes().length > 1; // the placement read-back
                    case LINUX_KERNEL_RECLAIM -> false; // --host-reclaim kernel only (the test VM)
                    default -> true;
                };
                assertThat(m.has(g.metricName())).as("%s reports %s", p, g.metricName()).isEqualTo(expected);
            }
            assertThat(m.get("pages_verified").asLong()).as(p).isPositive();
            assertThat(m.get("pages_lost").asLong()).as(p).isZero();
            assertThat(m.get("pswpout").asLong()).as("%s: the backend's kswapd paged out", p).isPositive();
            assertThat(m.has("kernel_pswpout")).isTrue();
        }
        if (LinuxHost.onlineNodes().length == 1) {
            assertThat(r.err()).contains("this host has one NUMA node");
        }
    }

    @Test
    void hostReclaimIsALinuxBackendOptionAndKernelOnlyRunsInTheTestVm() {
        CliTest.assertUserError(CliTest.run("compare", "--host-reclaim", "kernel", "--duration", "100ms"),
                "--host-reclaim kernel: only with --backend linux");
        CliTest.assertUserError(CliTest.run("compare", "--backend", "linux", "--host-reclaim", "kswapd", "--duration", "100ms"),
                "--host-reclaim", "[pageout, kernel]");
        Assumptions.assumeFalse(LinuxHost.isTestVm(), "this is the copyless test VM");
        CliTest.Result r = CliTest.run("compare", "--backend", "linux", "--host-reclaim", "kernel", "--duration", "100ms");
        // on a machine of its own, a run never resizes the nodes: swap first, then the test VM, are what it asks for
        CliTest.assertUserError(r, "--backend linux");
        assertThat(r.err()).containsAnyOf("only in the copyless test VM", "swap is not usable");
        assertThat(r.err().strip().lines()).hasSize(1);
    }

    @Test
    void realClockIsALinuxBackendOptionWithTwoValues() {
        CliTest.assertUserError(CliTest.run("compare", "--real-clock", "modelled", "--duration", "100ms"),
                "--real-clock modelled: only with --backend linux");
        CliTest.assertUserError(CliTest.run("compare", "--backend", "linux", "--real-clock", "wall", "--duration", "100ms"),
                "--real-clock", "[measured, modelled]");
    }

    @Test
    void theLinuxBackendRefusesInOneLineWhenSwapIsNotUsable() {
        Assumptions.assumeTrue(NO_SWAP.isPresent(), "swap is usable here");
        CliTest.Result r = CliTest.run("run", "--backend", "linux", "--duration", "100ms");
        CliTest.assertUserError(r, "--backend linux: swap is not usable");
        assertThat(r.err().strip().lines()).hasSize(1);
    }

    @Test
    void aScenarioTheLinuxBackendCannotRunIsRefusedBeforeAnythingRuns() {
        Assumptions.assumeTrue(NO_SWAP.isEmpty(), () -> "skipped: " + NO_SWAP.orElse(""));
        Assumptions.assumeTrue(LinuxHost.onlineNodes().length < 3, "this host has a node to demote to");
        CliTest.Result r = CliTest.run("compare", "--backend", "linux", "--scenario", "../examples/demotion-cxl.yaml");
        CliTest.assertUserError(r, "demotion needs distinct online nodes");
    }

    @Test
    void anUnknownBackendIsAUsageError() {
        CliTest.Result r = CliTest.run("run", "--backend", "xen");
        CliTest.assertUserError(r, "--backend");
        assertThat(r.err()).contains("simulated, linux");
    }
}
