package dev.copyless.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.copyless.balancer.BalancingPolicy;
import dev.copyless.metrics.Counter;
import dev.copyless.metrics.Gauge;
import dev.copyless.metrics.Metric;
import dev.copyless.metrics.MetricCatalogue;
import dev.copyless.scenario.ScenarioParser;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The {@code copyless} command end to end: outputs, exit codes, and one-line errors for bad input. */
class CliTest {
    /** The default scenario with busy balancing (a fixed 50 ms scan period): stock scanning starts after 1 s. */
    static final String BUSY = "../examples/busy-balancing.yaml";

    private static final ObjectMapper JSON = new ObjectMapper();

    record Result(int code, String out, String err) {}

    static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = CopylessCommand.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Result(code, out.toString(), err.toString());
    }

    static void assertUserError(Result r, String... mustMention) {
        assertThat(r.code()).as("exit code; stderr: %s", r.err()).isEqualTo(2);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).doesNotContain("Exception").doesNotContain("\tat ");
        for (String m : mustMention) {
            assertThat(r.err()).contains(m);
        }
    }

    @Test
    void compareJsonHasEveryMetricForEveryPolicyAndTheHeadline() throws Exception {
        Result r = run("compare", "--scenario", BUSY, "--duration", "600ms", "--format", "json");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode root = JSON.readTree(r.out());
        assertThat(root.get("scenario").get("name").asText()).isEqualTo("busy-balancing");
        JsonNode pol = root.get("policies");
        assertThat(pol.fieldNames()).toIterable().containsExactly("none", "naive", "copyless", "copyless-holdback");
        assertThat(root.has("ratios")).as("one seed: the JSON of one run per policy, no statistics").isFalse();
        assertThat(root.get("scenario").has("hold_back")).isFalse();
        for (String p : BalancingPolicy.KEYS) {
            for (Counter c : Counter.values()) {
                assertThat(pol.get(p).has(c.metricName())).as(p + " has " + c.metricName()).isTrue();
            }
            assertThat(pol.get(p).get("balancing_migration_latency_ns").has("p99")).isTrue();
            assertThat(pol.get(p).get("guest_access_latency_ns").get("count").asLong()).isPositive();
            assertThat(pol.get(p).get("remote_access_fraction_over_time").isArray()).isTrue();
            assertThat(pol.get(p).has("freed_gfns_still_backed")).isTrue();
        }
        JsonNode naive = pol.get("naive");
        JsonNode copyless = pol.get("copyless");
        assertThat(copyless.get("balanced_moved_pages").asLong()).isPositive();
        assertThat(copyless.get("moved_page_data_movements").asLong())
                .isEqualTo(copyless.get("balanced_moved_pages").asLong());
        assertThat(copyless.get("swapped_page_interconnect_bytes").asLong()).isZero();
        assertThat(naive.get("moved_page_data_movements").asLong())
                .isGreaterThanOrEqualTo(2 * naive.get("balanced_moved_pages_swap").asLong()
                        + naive.get("balanced_moved_pages_swapcache").asLong()); // 2 per page read from the device, 1 from the swap cache
        assertThat(naive.get("evictions_caused").asLong()).isPositive();
        assertThat(pol.get("none").get("numa_pages_migrated").asLong()).isZero();
        // hold-back is its own column: copyless alone skips nothing, copyless-holdback brings nothing back
        JsonNode held = pol.get("copyless-holdback");
        assertThat(held.get("moved_page_data_movements").asLong()).isEqualTo(held.get("balanced_moved_pages").asLong());
        assertThat(copyless.get("holdback_skipped").asLong()).isZero();
        assertThat(held.get("holdback_skipped").asLong()).isPositive();
        assertThat(held.get("pages_brought_back").asLong()).isLessThan(copyless.get("pages_brought_back").asLong());
    }

    @Test
    void compareTableShowsTheFourPoliciesThenEachRatioToNaive() {
        Result r = run("compare", "--scenario", BUSY, "--duration", "600ms");
        assertThat(r.code()).as(r.err()).isZero();
        String head = r.out().lines().filter(l -> l.startsWith("metric ")).findFirst().orElseThrow();
        assertThat(head.substring(40).strip().split(" +")).containsExactly("none", "naive", "copyless",
                "copyless-holdback", "copyless/naive", "copyless-holdback/naive");
        assertThat(r.out()).doesNotContain("hold-back on").doesNotContain("hold-back off");
        // each ratio column is that policy's cell over naive's
        String row = r.out().lines().filter(l -> l.startsWith("moved_page_data_movements ")).findFirst().orElseThrow();
        String[] cells = row.substring(40).strip().split(" +");
        double naive = Double.parseDouble(cells[1].replace(",", ""));
        assertThat(Double.parseDouble(cells[4])).isCloseTo(Double.parseDouble(cells[2].replace(",", "")) / naive,
                org.assertj.core.api.Assertions.within(0.0005));
        assertThat(Double.parseDouble(cells[5])).isCloseTo(Double.parseDouble(cells[3].replace(",", "")) / naive,
                org.assertj.core.api.Assertions.within(0.0005));
    }

    @Test
    void theRemovedHoldBackFlagIsAUserErrorThatNamesThePolicy() {
        assertUserError(run("compare", "--no-hold-back"), "--[no-]hold-back: removed", "copyless-holdback");
        assertUserError(run("run", "--hold-back"), "copyless-holdback");
    }

    @Test
    void runTakesTheHoldBackPolicy() throws Exception {
        Result r = run("run", "--scenario", BUSY, "--policy", "copyless-holdback", "--duration", "300ms", "--format", "json");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode pol = JSON.readTree(r.out()).get("policies");
        assertThat(pol.fieldNames()).toIterable().containsExactly("copyless-holdback");
        assertThat(pol.get("copyless-holdback").get("pages_brought_back").asLong()).isZero();
    }

    @Test
    void compareWithSeedsGivesEachNumberItsMeanIntervalAndValuesAndEachRatioToNaive() throws Exception {
        Result r = run("compare", "--scenario", BUSY, "--seeds", "3", "--duration", "600ms", "--format", "json");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode root = JSON.readTree(r.out());
        assertThat(root.get("scenario").get("seeds").toString()).isEqualTo("[42,43,44]");
        JsonNode pol = root.get("policies");
        assertThat(pol.fieldNames()).toIterable().containsExactlyElementsOf(BalancingPolicy.KEYS);
        for (String p : BalancingPolicy.KEYS) {
            JsonNode x = pol.get(p).get("pswpout");
            assertThat(x.get("values").size()).isEqualTo(3);
            double mean = (x.get("values").get(0).asDouble() + x.get("values").get(1).asDouble()
                    + x.get("values").get(2).asDouble()) / 3;
            assertThat(x.get("mean").asDouble()).isCloseTo(mean, org.assertj.core.api.Assertions.within(0.001));
            assertThat(x.get("ci95").get(0).asDouble()).isLessThanOrEqualTo(mean);
            assertThat(x.get("ci95").get(1).asDouble()).isGreaterThanOrEqualTo(mean);
            assertThat(pol.get(p).get("guest_access_latency_ns").get("p99").get("values").size()).isEqualTo(3);
            assertThat(pol.get(p).get("lost_pages").get("values").size()).isEqualTo(3);
        }
        // the seeds really differ: the host's swap traffic is not the same under each
        JsonNode v = pol.get("naive").get("pswpout").get("values");
        assertThat(v.get(0).asLong() != v.get(1).asLong() || v.get(1).asLong() != v.get(2).asLong()).isTrue();
        // and each seed's run is the run of that seed
        Result one = run("run", "--scenario", BUSY, "--policy", "naive", "--seed", "43", "--duration", "600ms", "--format", "json");
        assertThat(JSON.readTree(one.out()).get("policies").get("naive").get("pswpout").asLong()).isEqualTo(v.get(1).asLong());
        JsonNode ratios = root.get("ratios");
        assertThat(ratios.fieldNames()).toIterable().containsExactly("copyless/naive", "copyless-holdback/naive");
        JsonNode mv = ratios.get("copyless/naive").get("moved_page_data_movements");
        double c = pol.get("copyless").get("moved_page_data_movements").get("mean").asDouble();
        double n = pol.get("naive").get("moved_page_data_movements").get("mean").asDouble();
        assertThat(mv.get("mean").asDouble()).isCloseTo(c / n, org.assertj.core.api.Assertions.within(0.0001));
        assertThat(mv.get("values").size()).isEqualTo(3);
        assertThat(ratios.get("copyless/naive").get("guest_access_latency_ns.p99").has("ci95")).isTrue();
        // naive makes no hypercall: no ratio is defined
        assertThat(ratios.get("copyless/naive").get("hypercalls").get("mean").isNull()).isTrue();
    }

    @Test
    void compareTableWithSeedsShowsMeanAndHalfWidth() {
        Result r = run("compare", "--scenario", BUSY, "--seeds", "2", "--duration", "600ms");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("seeds 42..43").contains("95% confidence interval");
        String row = r.out().lines().filter(l -> l.startsWith("moved_page_data_movements ")).findFirst().orElseThrow();
        String[] cells = row.substring(40).strip().split(" {2,}");
        assertThat(cells).hasSize(6).allSatisfy(cell -> assertThat(cell).matches("[0-9.,]+ ± [0-9.,]+"));
        assertThat(cells[0]).isEqualTo("0 ± 0"); // none balances nothing, under every seed
        // naive: 2 movements per balanced moved page, so its mean is far from 0 and its ratios below 1
        assertThat(Double.parseDouble(cells[4].split(" ")[0])).isBetween(0.0, 1.0);
    }

    @Test
    void badSeedCountsAreUserErrors() {
        assertUserError(run("compare", "--seeds", "0"), "--seeds: expected 1 to 1000, got 0");
        assertUserError(run("compare", "--scenario", BUSY, "--seeds", "2", "--report", "/tmp/copyless-never-written"), "--report");
        assertThat(Files.exists(Path.of("/tmp/copyless-never-written"))).isFalse();
    }

    @Test
    void theTableShowsTheHeadlineThenEveryOtherNumberThenTheLatencies() {
        Result r = run("compare", "--scenario", BUSY, "--duration", "300ms");
        assertThat(r.code()).as(r.err()).isZero();
        List<String> lines = r.out().lines().toList();
        int head = lines.indexOf(lines.stream().filter(l -> l.startsWith("metric ")).findFirst().orElseThrow());
        assertThat(lines.get(head + 1)).matches("-+");
        int first = head + 2;
        List<List<String>> blocks = new ArrayList<>(List.of(new ArrayList<>()));
        for (String l : lines.subList(first, lines.size())) {
            if (l.isBlank()) {
                blocks.add(new ArrayList<>());
            } else {
                blocks.getLast().add(l.substring(0, 40).strip());
            }
        }
        assertThat(blocks).hasSize(3);
        assertThat(blocks.get(0)).containsExactlyElementsOf(MetricCatalogue.HEADLINE.stream().map(Metric::metricName).toList());
        List<String> rest = MetricCatalogue.ALL.stream()
                .filter(m -> m.scalar() && !m.headline())
                .filter(m -> !(m instanceof Gauge g) || g.scope() == Gauge.Scope.EVERY_RUN)
                .map(Metric::metricName).toList();
        assertThat(blocks.get(1)).containsExactlyElementsOf(rest).contains("pgmigrate_success", "virtual_time_ns")
                .doesNotContain("pages_verified", "kernel_pswpin");
        assertThat(blocks.get(2)).containsExactly("balancing_migration_latency_ns p50", "balancing_migration_latency_ns p99",
                "balancing_migration_latency_ns mean", "guest_access_latency_ns p50", "guest_access_latency_ns p99",
                "guest_access_latency_ns mean");
    }

    @Test
    void runPrintsOnePolicyAndHonoursTheOrderFlag() throws Exception {
        Result r = run("run", "--scenario", BUSY, "--policy", "copyless", "--order", "map-then-migrate", "--duration", "300ms",
                "--format", "json");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode root = JSON.readTree(r.out());
        assertThat(root.get("scenario").get("copyless_order").asText()).isEqualTo("map-then-migrate");
        JsonNode c = root.get("policies").get("copyless");
        assertThat(c.get("moved_page_data_movements").asLong()).isLessThanOrEqualTo(c.get("balanced_moved_pages").asLong());
    }

    @Test
    void printDefaultRoundTripsThroughTheParser(@TempDir Path dir) throws Exception {
        Result r = run("scenario", "--print-default");
        assertThat(r.code()).isZero();
        Path f = dir.resolve("s.yaml");
        Files.writeString(f, r.out());
        assertThat(ScenarioParser.load(f)).isEqualTo(ScenarioParser.defaultScenario());
        Result check = run("scenario", "--check", f.toString());
        assertThat(check.code()).isZero();
        assertThat(check.out()).contains("ok");
    }

    @ParameterizedTest
    @ValueSource(strings = {"run", "compare", "scenario"})
    void everyCommandHasHelp(String cmd) {
        Result r = run(cmd, "--help");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("Usage: copyless " + cmd);
    }

    @Test
    void unknownKeyNamesTheKey(@TempDir Path dir) throws Exception {
        String yaml = ScenarioParser.defaultScenarioText().replace("- {id: 0, memory: 40MiB}", "- {id: 0, memroy: 40MiB}");
        Path f = dir.resolve("bad.yaml");
        Files.writeString(f, yaml);
        assertUserError(run("compare", "--scenario", f.toString()), "host.nodes[0].memroy", "unknown key");
    }

    @Test
    void vnodePinnedToAMissingNodeIsRefused(@TempDir Path dir) throws Exception {
        String yaml = ScenarioParser.defaultScenarioText().replace("host-node: 1,", "host-node: 7,");
        Path f = dir.resolve("bad.yaml");
        Files.writeString(f, yaml);
        assertUserError(run("run", "--scenario", f.toString()), "vms[0].vnodes[1].host-node", "host node");
    }

    @Test
    void zeroSizeIsRefused(@TempDir Path dir) throws Exception {
        String yaml = ScenarioParser.defaultScenarioText().replace("size: 512MiB", "size: 0MiB");
        Path f = dir.resolve("bad.yaml");
        Files.writeString(f, yaml);
        assertUserError(run("run", "--scenario", f.toString()), "host.swap[0].size");
    }

    @Test
    void workloadLargerThanMemoryPlusSwapIsRefused(@TempDir Path dir) throws Exception {
        String yaml = ScenarioParser.defaultScenarioText().replace("size: 512MiB", "size: 4MiB");
        Path f = dir.resolve("bad.yaml");
        Files.writeString(f, yaml);
        assertUserError(run("compare", "--scenario", f.toString()), "exceed the host's memory plus swap");
    }

    @Test
    void missingFileIsOneLine() {
        assertUserError(run("run", "--scenario", "/nonexistent/x.yaml"), "/nonexistent/x.yaml", "no such file");
    }

    @Test
    void badFlagsExitTwo() {
        assertUserError(run("run", "--policy", "bogus"), "--policy");
        assertUserError(run("run", "--scenario", BUSY, "--duration", "-5s"), "--duration");
        assertUserError(run("run", "--order", "sideways"), "--order");
        assertUserError(run("compare", "--no-such-flag"), "--no-such-flag");
        assertUserError(run("run", "--format", "xml"), "--format");
    }
}
