package dev.copyless.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code copyless reliability}, shortened: every part runs, every fault kind is tried and
 * counted, pages are lost only where a fault destroys them and then each is detected and
 * named, none silently; bad flags are one-line errors.
 */
class ReliabilityCommandTest {
    @Test
    void everyFaultIsTriedAndNoPageIsLostSilently() throws Exception {
        CliTest.Result r = CliTest.run("reliability", "--fuzz-inputs", "2000", "--stress-wall", "200ms",
                "--format", "json");
        assertThat(r.code()).as("stderr: %s", r.err()).isZero();
        JsonNode root = new ObjectMapper().readTree(r.out());
        assertThat(root.get("ok").asBoolean()).isTrue();
        assertThat(root.get("pages_lost_silently").asLong()).isZero();
        assertThat(root.get("pages_verified").asLong()).isPositive();
        List<String> parts = new ArrayList<>();
        for (JsonNode row : root.get("rows")) {
            parts.add(row.get("part").asText());
            assertThat(row.get("pagesLostSilently").asLong()).as(row.toString()).isZero();
            String what = row.get("what").asText();
            if (row.get("part").asText().equals("swap faults") || row.get("part").asText().equals("request channel")) {
                row.get("tried").fields().forEachRemaining(e ->
                        assertThat(e.getValue().asLong()).as("%s %s: %s", what, row.get("policy").asText(), e.getKey()).isPositive());
            }
            boolean destroys = what.contains("persistent") || what.contains("silent") || what.contains("+ swap faults");
            if (!destroys) {
                assertThat(row.get("pagesLost").asLong()).as("%s %s loses nothing", what, row.get("policy").asText()).isZero();
            }
            for (JsonNode lost : row.get("lostPages")) {
                assertThat(lost.get("detected").asBoolean()).as(lost.toString()).isTrue();
                assertThat(lost.has("gfn")).isTrue();
            }
        }
        assertThat(parts).contains("real bytes", "swap faults", "request channel", "stress, simulated host");
    }

    @Test
    void badFlagsAreOneLineErrors() {
        CliTest.assertUserError(CliTest.run("reliability", "--stress-wall", "0s"), "--stress-wall");
        CliTest.assertUserError(CliTest.run("reliability", "--fuzz-inputs", "-1"), "--fuzz-inputs");
    }
}
