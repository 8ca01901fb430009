package dev.copyless.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** {@code copyless stress}: the JSON shape of a short run, and one-line errors for bad flags. */
class StressCommandTest {
    @Test
    void jsonCarriesTheDriversCountsAndTheRunsMetricsPerPolicy() throws Exception {
        CliTest.Result r = CliTest.run("stress", "--wall", "300ms",
                "--policies", "naive,copyless", "--format", "json");
        assertThat(r.code()).as("stderr: %s", r.err()).isZero();
        JsonNode root = new ObjectMapper().readTree(r.out());
        assertThat(root.get("scenario").asText()).isEqualTo("stress-small");
        assertThat(root.get("policies").fieldNames()).toIterable().containsExactly("naive", "copyless");
        for (String p : new String[] {"naive", "copyless"}) {
            JsonNode d = root.get("policies").get(p).get("driver");
            assertThat(d.get("accesses").asLong()).as(p).isPositive();
            assertThat(d.get("invariant_checks").asLong()).as(p).isPositive();
            assertThat(root.get("policies").get(p).get("metrics").has("pswpout")).isTrue();
        }
    }

    @Test
    void badFlagsAreOneLineErrors() {
        CliTest.assertUserError(CliTest.run("stress", "--wall", "0s"), "--wall");
        CliTest.assertUserError(CliTest.run("stress", "--wall", "fast"), "--wall");
        CliTest.assertUserError(CliTest.run("stress", "--policies", "naive,bogus"), "--policies", "bogus");
    }
}
