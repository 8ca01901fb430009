package dev.copyless.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.copyless.balancer.BalancingPolicy;
import dev.copyless.testkit.Scenarios;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --real-bytes} and the {@code faults:} section through the CLI: verification figures, lost-page warnings, errors. */
class RealBytesCliTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static final String SMALL = Scenarios.SMALL;

    @Test
    void compareWithRealBytesVerifiesEveryPageOfEveryPolicy(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("small.yaml");
        Files.writeString(f, SMALL);
        CliTest.Result r = CliTest.run("compare", "--scenario", f.toString(), "--real-bytes", "--format", "json");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.err()).doesNotContain("warning");
        JsonNode root = JSON.readTree(r.out());
        assertThat(root.get("scenario").get("real_bytes").asBoolean()).isTrue();
        for (String p : BalancingPolicy.KEYS) {
            JsonNode m = root.get("policies").get(p);
            assertThat(m.get("pages_verified").asLong()).as(p).isPositive();
            assertThat(m.get("pages_lost").asLong()).as(p).isZero();
            assertThat(m.get("lost_pages").isArray() && m.get("lost_pages").isEmpty()).isTrue();
        }
    }

    @Test
    void theTableShowsVerificationOnlyWhenItMeansSomething(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("small.yaml");
        Files.writeString(f, SMALL);
        CliTest.Result model = CliTest.run("run", "--scenario", f.toString(), "--policy", "copyless");
        assertThat(model.code()).as(model.err()).isZero();
        assertThat(model.out()).doesNotContain("pages_verified").doesNotContain("real bytes");
        CliTest.Result real = CliTest.run("run", "--scenario", f.toString(), "--policy", "copyless", "--real-bytes");
        assertThat(real.code()).as(real.err()).isZero();
        assertThat(real.out()).contains("real bytes").containsPattern("pages_verified +[1-9]").containsPattern("pages_lost +0");
    }

    @Test
    void lostPagesAreWarnedAboutByGfn(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("torn.yaml");
        Files.writeString(f, SMALL + "faults: {seed: 6, torn-write-rate: 0.2, torn-write-silent-rate: 1}\n");
        CliTest.Result r = CliTest.run("run", "--scenario", f.toString(), "--policy", "naive", "--real-bytes");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("swap faults injected").containsPattern("swap_torn_writes +[1-9]");
        assertThat(r.err()).containsPattern("warning: policy naive lost [0-9,]+ page\\(s\\)")
                .containsPattern("vm 0 gfn [0-9]+: .*CRC32C");
    }

    @Test
    void aBadFaultRateIsOneLine(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("bad.yaml");
        Files.writeString(f, SMALL + "faults: {torn-write-rate: 2}\n");
        CliTest.Result r = CliTest.run("run", "--scenario", f.toString());
        CliTest.assertUserError(r, "faults.torn-write-rate", "between 0.0 and 1.0");
        assertThat(r.err().strip()).doesNotContain("\n");
    }
}
