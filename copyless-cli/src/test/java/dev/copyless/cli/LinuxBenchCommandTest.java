package dev.copyless.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.copyless.linux.LinuxBench;
import dev.copyless.linux.LinuxHost;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * {@code copyless linux-bench --pages 256 --format json}: the JSON shape and no corrupt page
 * on a host where swap is usable; elsewhere skipped with the reason.
 */
class LinuxBenchCommandTest {
    private static final Optional<String> NO_SWAP = LinuxHost.swapUnusableReason();

    @Test
    void jsonShapeAndNoCorruptPage() throws Exception {
        Assumptions.assumeTrue(NO_SWAP.isEmpty(), () -> "skipped: " + NO_SWAP.orElse(""));
        CliTest.Result r = CliTest.run("linux-bench", "--pages", "256", "--repeat", "1", "--format", "json");
        assertThat(r.code()).as("stderr: %s", r.err()).isZero();
        JsonNode root = new ObjectMapper().readTree(r.out());
        JsonNode results = root.get("results");
        assertThat(results.isArray()).isTrue();
        assertThat(results.size()).isEqualTo(2);
        assertThat(results.get(0).get("case").asText()).isEqualTo("swap-cache");
        assertThat(results.get(1).get("case").asText()).isEqualTo("device");
        for (JsonNode c : results) {
            assertThat(c.get("pages").asInt()).isEqualTo(256);
            assertThat(c.get("pairing").asText()).isEqualTo("sequential");
            assertThat(c.get("pages_corrupt").asLong()).isZero();
            assertThat(c.get("paths").fieldNames()).toIterable().containsExactlyElementsOf(LinuxBench.PATHS);
            for (String p : LinuxBench.PATHS) {
                JsonNode n = c.get("paths").get(p);
                for (String k : new String[] {"ns_per_page", "pswpin", "pgmajfault", "pages_verified", "pages_corrupt"}) {
                    assertThat(n.get(k).isNumber()).as("%s.%s", p, k).isTrue();
                }
                assertThat(n.get("pages_corrupt").asLong()).as(p).isZero();
                assertThat(n.get("pages_verified").asLong()).as(p).isEqualTo(512);
            }
            assertThat(c.get("ratios").fieldNames()).toIterable()
                    .containsExactly("copyless/naive", "copyless/linux-move", "copyless/raw-swap-in");
        }
    }
}
