package dev.copyless.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.copyless.linux.LinuxHost;
import dev.copyless.scenario.CostProfile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code copyless calibrate}: a real run on a small N where swap is usable (every figure the
 * profile needs measured, the swap-in read from the device, the profile written and loadable by
 * {@code --cost-profile}); elsewhere the one-line refusal with exit code 2; bad flags refused.
 */
class CalibrateCommandTest {
    private static final Optional<String> NO_SWAP = LinuxHost.swapUnusableReason();

    @Test
    void aRealRunMeasuresAndWritesALoadableProfile(@TempDir Path dir) throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(NO_SWAP.isEmpty(), () -> "skipped: " + NO_SWAP.orElse(""));
        Path out = dir.resolve("profile.yaml");
        CliTest.Result r = CliTest.run("calibrate", "--pages", "128", "--repeat", "3", "--format", "json", "--out", out.toString());
        assertThat(r.code()).as("stderr: %s", r.err()).isZero();
        JsonNode root = new ObjectMapper().readTree(r.out());
        JsonNode m = root.get("measurements");
        for (String k : new String[] {"swap-in-qd1", "swap-in-batch", "swap-out-batch", "first-touch-fault", "copy-4k-local",
                "remap-mremap-swapped-scattered", "move-pages-per-page", "list-inspect"}) {
            assertThat(m.get(k).get("median_ns").asDouble()).as(k).isPositive();
            assertThat(m.get(k).get("p10_ns").asDouble()).as(k).isLessThanOrEqualTo(m.get(k).get("p90_ns").asDouble());
        }
        assertThat(m.get("swap-in-qd1").get("note").asText()).as("each touch read the device").startsWith("pswpin +");
        assertThat(m.get("hypercall-exit").get("note").asText()).contains("published");
        CostProfile p = CostProfile.load(out);
        assertThat(p.cost()).containsKeys("remap-page-ns", "list-inspect-ns", "hypercall-exit-ns", "ept-fault-ns");
        assertThat(p.swapBytesPerSecond()).isPositive();
        CliTest.Result run = CliTest.run("run", "--policy", "copyless", "--duration", "50ms", "--cost-profile", out.toString());
        assertThat(run.code()).as("stderr: %s", run.err()).isZero();
        assertThat(run.err()).contains("cost profile " + out);
    }

    @Test
    void oneLineAndExitTwoWhenSwapIsNotUsable() {
        org.junit.jupiter.api.Assumptions.assumeTrue(NO_SWAP.isPresent(), "swap is usable here");
        CliTest.assertUserError(CliTest.run("calibrate", "--pages", "64"), "swap is not usable");
    }

    @Test
    void badArgumentsAreOneLineErrors(@TempDir Path dir) throws Exception {
        CliTest.assertUserError(CliTest.run("calibrate", "--pages", "8"), "--pages");
        CliTest.assertUserError(CliTest.run("calibrate", "--repeat", "1"), "--repeat");
        CliTest.assertUserError(CliTest.run("calibrate", "--out", dir.toString()), "is a folder");
        CliTest.assertUserError(CliTest.run("calibrate", "--out", dir.resolve("no/such/p.yaml").toString()), "does not exist");
        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, "cost:\n  remap-ns: 3\n");
        CliTest.assertUserError(CliTest.run("compare", "--cost-profile", bad.toString()), "cost.remap-ns: unknown key");
    }
}
