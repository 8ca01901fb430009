package dev.copyless.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.copyless.linux.LinuxDemo;
import dev.copyless.linux.LinuxHost;
import dev.copyless.linux.MovePrimitive;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * {@code copyless linux-demo}: the JSON shape on a host where swap is usable (every path
 * verified, the mapping counts, and under {@code UFFDIO_MOVE} no new mapping); elsewhere the
 * one-line refusal with exit code 2.
 */
class LinuxDemoCommandTest {
    private static final Optional<String> NO_SWAP = LinuxHost.swapUnusableReason();

    @Test
    void jsonShapeWhenSwapIsUsable() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(NO_SWAP.isEmpty(), () -> "skipped: " + NO_SWAP.orElse(""));
        CliTest.Result r = CliTest.run("linux-demo", "--pages", "512", "--format", "json");
        assertThat(r.code()).as("stderr: %s", r.err()).isZero();
        JsonNode root = new ObjectMapper().readTree(r.out());
        assertThat(root.get("pages").asInt()).isEqualTo(512);
        assertThat(root.get("nodes").isArray()).isTrue();
        assertThat(root.get("nodes").size()).isPositive();
        JsonNode paths = root.get("paths");
        assertThat(paths.fieldNames()).toIterable().containsExactlyElementsOf(LinuxDemo.PATHS);
        assertThat(root.get("primitive").asText()).isEqualTo(MovePrimitive.detect().key());
        for (String p : LinuxDemo.PATHS) {
            JsonNode n = paths.get(p);
            for (String k : List.of("ns_per_page", "bytes_copied_by_us", "pages_verified", "pages_corrupt", "pswpin",
                    "pswpout", "pgmajfault", "pages_on_destination_node", "mappings_before", "mappings_after")) {
                assertThat(n.has(k)).as("%s.%s", p, k).isTrue();
                assertThat(n.get(k).isNumber()).as("%s.%s", p, k).isTrue();
            }
            assertThat(n.get("pages_corrupt").asLong()).isZero();
            assertThat(n.get("pages_verified").asLong()).isEqualTo(1024);
            assertThat(n.get("pages_on_destination_node").asLong()).isEqualTo(512);
        }
        assertThat(paths.get("naive").get("bytes_copied_by_us").asLong()).isEqualTo(512L * 4096);
        assertThat(paths.get("copyless").get("bytes_copied_by_us").asLong()).isZero();
        JsonNode c = paths.get("copyless");
        if (MovePrimitive.detect() == MovePrimitive.UFFDIO_MOVE) {
            assertThat(c.get("mappings_after").asInt()).as("UFFDIO_MOVE splits no mapping")
                    .isEqualTo(c.get("mappings_before").asInt());
            assertThat(root.has("primitive_note")).isFalse();
        } else {
            assertThat(root.get("primitive_note").asText()).contains("vm.max_map_count");
        }
    }

    @Test
    void oneLineAndExitTwoWhenSwapIsNotUsable() {
        org.junit.jupiter.api.Assumptions.assumeTrue(NO_SWAP.isPresent(), "swap is usable here");
        CliTest.Result r = CliTest.run("linux-demo", "--pages", "64");
        CliTest.assertUserError(r, "swap is not usable");
        assertThat(r.err().strip().lines()).hasSize(1);
    }

    @Test
    void badArgumentsAreOneLineErrors() {
        CliTest.assertUserError(CliTest.run("linux-demo", "--pages", "0"), "--pages");
        CliTest.assertUserError(CliTest.run("linux-demo", "--order", "sideways"), "--order");
    }
}
