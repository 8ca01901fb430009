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
 * {@code copyless linux-bench --pages 256 --format json}: both pairings by default, the JSON
 * shape (per path the mapping counts and the ratios to naive and to the floor), and no corrupt
 * page, on a host where swap is usable; elsewhere skipped with the reason.
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
        assertThat(results.size()).as("both pairings by default, two cases each").isEqualTo(4);
        String[][] cells = {{"sequential", "swap-cache"}, {"sequential", "device"}, {"shuffled", "swap-cache"}, {"shuffled", "device"}};
        for (int i = 0; i < cells.length; i++) {
            JsonNode c = results.get(i);
            assertThat(c.get("pairing").asText()).isEqualTo(cells[i][0]);
            assertThat(c.get("case").asText()).isEqualTo(cells[i][1]);
            assertThat(c.get("pages").asInt()).isEqualTo(256);
            assertThat(c.get("pages_corrupt").asLong()).isZero();
            assertThat(c.get("paths").fieldNames()).toIterable().containsExactlyElementsOf(LinuxBench.PATHS);
            for (String p : LinuxBench.PATHS) {
                JsonNode n = c.get("paths").get(p);
                for (String k : new String[] {"ns_per_page", "pswpin", "pgmajfault", "pages_verified", "pages_corrupt",
                        "mappings_before", "mappings_after", "vs_naive", "vs_raw_swap_in"}) {
                    assertThat(n.get(k).isNumber()).as("%s.%s", p, k).isTrue();
                }
                assertThat(n.get("pages_corrupt").asLong()).as(p).isZero();
                assertThat(n.get("pages_verified").asLong()).as(p).isEqualTo(512);
                assertThat(n.get("vs_naive").asDouble()).as(p).isPositive();
                if (root.get("primitive").asText().equals("uffdio-move")) {
                    assertThat(n.get("mappings_after").asInt()).as("%s: no mapping split", p)
                            .isEqualTo(n.get("mappings_before").asInt());
                }
            }
            assertThat(c.get("paths").get("naive").get("vs_naive").asDouble()).isEqualTo(1.0);
            assertThat(c.get("paths").get("raw-swap-in").get("vs_raw_swap_in").asDouble()).isEqualTo(1.0);
            assertThat(c.get("ratios").fieldNames()).toIterable()
                    .containsExactly("copyless/naive", "copyless/linux-move-per-page", "copyless/linux-move",
                            "copyless/raw-swap-in");
        }
    }
}
