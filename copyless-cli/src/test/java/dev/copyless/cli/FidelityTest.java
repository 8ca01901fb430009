package dev.copyless.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.copyless.linux.LinuxHost;
import dev.copyless.metrics.Counter;
import dev.copyless.metrics.RunResult;
import dev.copyless.scenario.CostProfile;
import dev.copyless.scenario.Scenario;
import dev.copyless.scenario.ScenarioParser;
import dev.copyless.sim.HostFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code copyless fidelity} without the VM: the ratios, the pairing of each simulated metric with
 * its real counter, the JSON shape (through {@code --real FILE}, a stand-in for the VM's output
 * whose real values are the simulated ones scaled by known factors), the guest's command line and
 * the one-line errors. The real boot is {@link FidelityVmTest}.
 */
class FidelityTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PROFILE = """
            host: "test profile"
            cost:
              remap-page-ns: 1500
            swap:
              read-latency: 200000ns
              write-latency: 150000ns
              bandwidth-bytes-per-second: 100000000
            """;
    /** Real = simulated x this factor, per metric, so that every ratio is known (about 1 / factor). */
    private static final double[] FACTOR = {2.0, 0.5, 4.0, 1.0, 0.8, 1.25, 2.0};

    private static Map<String, RunResult> sim;

    @BeforeAll
    static void simulateTheFidelityScenarioWithTheProfileBriefly() {
        Scenario s = ScenarioParser.parse(ScenarioParser.resourceText(FidelityCommand.SCENARIO_RESOURCE), "fidelity");
        s = Fidelity.asTheModelledClockSees(CostProfile.parse(PROFILE, "test").applyTo(s));
        sim = Runner.run(s, Fidelity.POLICIES, Progress.off(), HostFactory.SIMULATED, 3);
    }

    @Test
    void theSimulatedDeviceChargesWhatTheModelledClockChargesTheRealOne() {
        Scenario s = ScenarioParser.parse(ScenarioParser.resourceText(FidelityCommand.SCENARIO_RESOURCE), "fidelity");
        Scenario profiled = CostProfile.parse(PROFILE, "test").applyTo(s);
        Scenario.Swap before = profiled.host().swap().get(0);
        Scenario.Swap after = Fidelity.asTheModelledClockSees(profiled).host().swap().get(0);
        // a read: the latency plus one page at the calibrated bandwidth, as RealClock charges a major fault
        assertThat(after.readNs()).isEqualTo(before.readNs() + 4096L * 1_000_000_000L / before.bytesPerSecond());
        assertThat(after.writeNs()).isZero(); // the kernel's writeback is not on the modelled clock
        assertThat(after.queueDepth()).isEqualTo(Fidelity.UNQUEUED_DEPTH);
        assertThat(after.slots()).isEqualTo(before.slots());
        assertThat(after.name()).isEqualTo(before.name());
        Scenario.Cost cost = Fidelity.asTheModelledClockSees(profiled).cost(); // neither is on the modelled clock
        assertThat(cost.reclaimScanNs()).isZero();
        assertThat(cost.tlbShootdownNs()).isZero();
        assertThat(cost.accessLocalNs()).isEqualTo(profiled.cost().accessLocalNs());
        // and no request waited for the device beyond the calendar's nanosecond transfers: every policy
        // swapped, and the queueing is under 10 ns per I/O on average (a read alone takes over 100 us here)
        for (String p : Fidelity.POLICIES) {
            long ios = sim.get(p).counter(Counter.PSWPIN) + sim.get(p).counter(Counter.PSWPOUT);
            assertThat(sim.get(p).counter(Counter.PSWPOUT)).as(p + " swaps").isPositive();
            assertThat(sim.get(p).counter(Counter.SWAP_QUEUE_DELAY_NS)).as(p + " queueing").isLessThan(10 * ios);
        }
    }

    @Test
    void aSynchronousDeviceKeepsItsNoQueue() {
        Scenario s = ScenarioParser.parse(ScenarioParser.resourceText(FidelityCommand.SCENARIO_RESOURCE)
                .replace("profile: nvme", "profile: zram"), "fidelity on zram");
        assertThat(Fidelity.asTheModelledClockSees(s).host().swap().get(0).queueDepth()).isZero();
    }

    @Test
    void ratioIsSimulatedOverRealAndUndefinedWhenRealIsZero() {
        assertThat(Fidelity.ratio(150, 100)).isEqualTo(1.5);
        assertThat(Fidelity.ratio(0, 0)).isNull();
        assertThat(Fidelity.ratio(5, 0)).isNull();
        assertThat(Fidelity.ratioText(0, 0)).isEqualTo("-");
        assertThat(Fidelity.ratioText(5, 0)).isEqualTo("inf");
        assertThat(Fidelity.ratioText(1, 3)).isEqualTo("0.333");
        assertThat(Fidelity.withinTarget(80, 100)).isTrue();
        assertThat(Fidelity.withinTarget(125, 100)).isTrue();
        assertThat(Fidelity.withinTarget(79, 100)).isFalse();
        assertThat(Fidelity.withinTarget(126, 100)).isFalse();
        assertThat(Fidelity.withinTarget(0, 0)).isTrue();
        assertThat(Fidelity.withinTarget(1, 0)).isFalse();
        Map<String, Object> e = Fidelity.entry(3, 4);
        assertThat(e).containsExactly(Map.entry("simulated", 3L), Map.entry("real", 4L), Map.entry("real_runs", List.of(4L)),
                Map.entry("ratio", 0.75));
        // several real runs: the ratio is to their mean, every run is kept
        Map<String, Object> three = Fidelity.entry(100, new long[] {90, 100, 130});
        assertThat(three.get("real")).isEqualTo(Math.round(320 / 3.0 * 100) / 100.0);
        assertThat(three.get("real_runs")).isEqualTo(List.of(90L, 100L, 130L));
        assertThat((Double) three.get("ratio")).isCloseTo(100 / (320 / 3.0), org.assertj.core.data.Offset.offset(1e-4));
        assertThat(Fidelity.withinTarget(100, 320 / 3.0)).isTrue();
        assertThat(Fidelity.withinTarget(100, 130.0)).isFalse();
    }

    @Test
    void severalRealRunsAreAveragedAndAnOutputOfOneRunStillReads(@TempDir Path dir) throws Exception {
        ObjectNode root = (ObjectNode) JSON.readTree(standInForTheVmsOutput().substring(standInForTheVmsOutput().indexOf('{')));
        ObjectNode second = root.get("policies").deepCopy();
        for (String p : Fidelity.POLICIES) {
            ObjectNode m = (ObjectNode) second.get(p);
            m.put("kernel_pswpin", m.get("kernel_pswpin").asLong() * 3); // the second run read three times as much
        }
        root.putArray("runs").add(root.get("policies")).add(second);
        root.put("clock", "modelled");
        Path real = dir.resolve("real.json");
        Files.writeString(real, JSON.writeValueAsString(root));
        CliTest.Result r = CliTest.run("fidelity", "--real", real.toString(), "--format", "json");
        assertThat(r.code()).as("stderr: %s", r.err()).isZero();
        JsonNode out = JSON.readTree(r.out());
        assertThat(out.get("scenario").get("real_runs").asInt()).isEqualTo(2);
        assertThat(out.get("scenario").get("real_clock").asText()).isEqualTo("modelled");
        JsonNode e = out.get("policies").get("naive").get("pswpin");
        long first = root.get("policies").get("naive").get("kernel_pswpin").asLong();
        assertThat(e.get("real_runs").get(0).asLong()).isEqualTo(first);
        assertThat(e.get("real_runs").get(1).asLong()).isEqualTo(3 * first);
        assertThat(e.get("real").asDouble()).isEqualTo(2.0 * first);
        assertThat(e.get("ratio").asDouble()).isCloseTo(e.get("simulated").asLong() / (2.0 * first),
                org.assertj.core.data.Offset.offset(1e-4));
        CliTest.Result table = CliTest.run("fidelity", "--real", real.toString());
        assertThat(table.out()).contains("2 runs per policy on the modelled clock")
                .contains(String.format(java.util.Locale.ROOT, "[%,d-%,d]", first, 3 * first));
        CliTest.assertUserError(CliTest.run("fidelity", "--real-runs", "0"), "--real-runs", "1 to 10");
        CliTest.assertUserError(CliTest.run("fidelity", "--lru-gen", "maybe"), "--lru-gen", "on or off");
    }

    @Test
    void theSevenMetricsAreHeldToTheKernelsCountersWhereTheKernelCountsTheSameEvent() {
        assertThat(Fidelity.METRICS.stream().map(Fidelity.Metric::name)).containsExactly("pswpin", "pswpout", "pgmajfault",
                "numa_pages_migrated", "balanced_moved_pages", "moved_page_data_movements", "source_node_swapins");
        assertThat(Fidelity.METRICS.stream().map(Fidelity.Metric::realKey)).containsExactly("kernel_pswpin", "kernel_pswpout",
                "kernel_pgmajfault", "numa_pages_migrated", "balanced_moved_pages", "moved_page_data_movements",
                "source_node_swapins");
    }

    @Test
    void theSimulatorsSourceNodeSwapinsAreTheNaiveReadsOfSwappedSources() {
        RunResult naive = sim.get("naive");
        RunResult copyless = sim.get("copyless");
        assertThat(naive.counter(Counter.BALANCED_MOVED_PAGES_SWAP)).as("the scenario makes naive read swapped sources")
                .isPositive();
        // naive: two movements per page read from the device (to the source node, then across), one per swap-cache page
        assertThat(Fidelity.simulatedSourceNodeSwapins(naive)).isEqualTo(naive.counter(Counter.BALANCED_MOVED_PAGES_SWAP));
        // copyless reads into the destination: one movement per page, nothing onto the source node
        assertThat(Fidelity.simulatedSourceNodeSwapins(copyless)).isZero();
        assertThat(Fidelity.simulatedSourceNodeSwapins(sim.get("none"))).isZero();
    }

    @Test
    void jsonIsScenarioAndPoliciesWithSimulatedRealAndRatioOfEachMetric(@TempDir Path dir) throws Exception {
        Path real = dir.resolve("real.json");
        Files.writeString(real, standInForTheVmsOutput());
        CliTest.Result r = CliTest.run("fidelity", "--real", real.toString(), "--format", "json");
        assertThat(r.code()).as("stderr: %s", r.err()).isZero();
        JsonNode root = JSON.readTree(r.out());
        assertThat(names(root)).containsExactly("scenario", "policies");
        assertThat(root.get("scenario").get("name").asText()).isEqualTo("fidelity");
        assertThat(root.get("scenario").get("cost_profile").get("host").asText()).isEqualTo("test profile");
        assertThat(root.get("scenario").get("cost_profile").get("swap_read_latency_ns").asLong()).isEqualTo(200_000L);
        assertThat(names(root.get("policies"))).containsExactly("none", "naive", "copyless");
        for (String p : Fidelity.POLICIES) {
            JsonNode pol = root.get("policies").get(p);
            assertThat(names(pol)).containsExactlyElementsOf(Fidelity.METRICS.stream().map(Fidelity.Metric::name).toList());
            for (int i = 0; i < Fidelity.METRICS.size(); i++) {
                Fidelity.Metric m = Fidelity.METRICS.get(i);
                JsonNode e = pol.get(m.name());
                assertThat(names(e)).containsExactly("simulated", "real", "real_runs", "ratio");
                long s = m.simulated().applyAsLong(sim.get(p));
                long rv = e.get("real").asLong();
                assertThat(e.get("simulated").asLong()).as("%s %s: same scenario, profile and seed", p, m.name()).isEqualTo(s);
                assertThat(rv).as("%s %s: the real value is read from the VM's output", p, m.name())
                        .isEqualTo(Math.round(s * FACTOR[i]));
                if (rv == 0) {
                    assertThat(e.get("ratio").isNull()).as("%s %s", p, m.name()).isTrue();
                } else {
                    assertThat(e.get("ratio").asDouble()).as("%s %s", p, m.name())
                            .isCloseTo(s / (double) rv, org.assertj.core.data.Offset.offset(1e-4));
                }
            }
        }
        assertThat(root.get("policies").get("none").get("numa_pages_migrated").get("simulated").asLong()).isZero();
        assertThat(root.get("policies").get("naive").get("numa_pages_migrated").get("simulated").asLong()).isPositive();

        JsonNode sc = root.get("scenario");
        for (String p : Fidelity.POLICIES) { // the context beside the metrics: the reclaim's own counts, the work done
            long steals = sim.get(p).counter(Counter.PGSTEAL_KSWAPD) + sim.get(p).counter(Counter.PGSTEAL_DIRECT);
            assertThat(sc.get("pgsteal").get(p).get("simulated").asLong()).isEqualTo(steals);
            assertThat(sc.get("pgsteal").get(p).get("real").asLong()).isEqualTo(2 * steals);
            assertThat(sc.get("host_free_pages_mean").get(p).get("real").asLong())
                    .isEqualTo(sc.get("host_free_pages_mean").get(p).get("simulated").asLong()).isPositive();
            assertThat(sc.get("guest_accesses").get(p).get("simulated").asLong()).isPositive();
        }
        assertThat(sc.get("real_slowdown").get("min").asDouble()).isEqualTo(20.0);
        assertThat(sc.get("real_slowdown").get("max").asDouble()).isEqualTo(20.0);

        CliTest.Result table = CliTest.run("fidelity", "--real", real.toString());
        assertThat(table.code()).as("stderr: %s", table.err()).isZero();
        assertThat(table.out()).contains("kernel_pswpin").contains("source_node_swapins").contains("(guest_accesses)")
                .contains("(pgsteal)").contains("(host_free_pages_mean)").contains("took 20.0 to 20.0 s of wall time");
    }

    @Test
    void theGuestGetsTheScenarioAndProfileInline() {
        List<String> c = FidelityCommand.guestCommand("name: x\n", PROFILE);
        assertThat(c.subList(0, 3)).containsExactly("fidelity", "--in-vm", "--scenario-text");
        assertThat(new String(Base64.getDecoder().decode(c.get(3)))).isEqualTo("name: x\n");
        assertThat(c.get(4)).isEqualTo("--profile-text");
        assertThat(new String(Base64.getDecoder().decode(c.get(5)))).isEqualTo(PROFILE);
        assertThat(FidelityCommand.guestCommand("a", null)).hasSize(4);
    }

    @Test
    void badArgumentsAreOneLineErrors(@TempDir Path dir) throws Exception {
        Path real = dir.resolve("real.json");
        Files.writeString(real, standInForTheVmsOutput());
        CliTest.assertUserError(CliTest.run("fidelity", "--real", real.toString(), "--keep-real",
                dir.resolve("k.json").toString()), "--keep-real");
        Path other = dir.resolve("other.json");
        Files.writeString(other, "{\"scenario\": {}, \"policies\": {}}");
        CliTest.assertUserError(CliTest.run("fidelity", "--real", other.toString()), "not the output of copyless fidelity");
        CliTest.assertUserError(CliTest.run("fidelity", "--real", dir.resolve("missing.json").toString()), "missing.json");
        CliTest.assertUserError(CliTest.run("fidelity", "--timeout", "soon"), "--timeout");
        Path threeNodes = dir.resolve("three.yaml");
        Files.writeString(threeNodes, ScenarioParser.resourceText(FidelityCommand.SCENARIO_RESOURCE).replace(
                "    - {id: 1, memory: 24MiB}\n", "    - {id: 1, memory: 24MiB}\n    - {id: 2, memory: 24MiB}\n")
                .replace("[[10, 21], [21, 10]]", "[[10, 21, 21], [21, 10, 21], [21, 21, 10]]"));
        CliTest.assertUserError(CliTest.run("fidelity", "--scenario", threeNodes.toString()), "3 host nodes", "2");
        CliTest.assertUserError(CliTest.run("fidelity", "--keep-real", dir.toString()), "is a folder");
        Path badScenario = dir.resolve("bad.yaml");
        Files.writeString(badScenario, "host: {nodes: []}\nbogus: 1\n");
        CliTest.assertUserError(CliTest.run("fidelity", "--scenario", badScenario.toString(), "--real", real.toString()),
                "bad.yaml");
        Path badProfile = dir.resolve("p.yaml");
        Files.writeString(badProfile, "cost:\n  remap-ns: 3\n");
        CliTest.assertUserError(CliTest.run("fidelity", "--profile", badProfile.toString()), "cost.remap-ns: unknown key");
        CliTest.assertUserError(CliTest.run("fidelity", "--real", real.toString(), "--profile", badProfile.toString()),
                "--profile");
        if (!LinuxHost.isTestVm()) {
            CliTest.assertUserError(CliTest.run("fidelity", "--in-vm"), "only inside the copyless test VM");
        }
    }

    /**
     * What the VM prints, made from the simulated runs: each policy's metrics, with every real key
     * of {@link Fidelity#METRICS} set to the simulated value times {@link #FACTOR}.
     */
    private static String standInForTheVmsOutput() throws Exception {
        ObjectNode root = JSON.createObjectNode();
        root.put("kind", FidelityCommand.KIND);
        root.put("kernel", "6.12.0-test");
        root.put("nodes", 2);
        root.put("profile_from", "given");
        root.put("profile", PROFILE);
        ObjectNode pol = root.putObject("policies");
        for (String p : Fidelity.POLICIES) {
            ObjectNode m = JSON.valueToTree(sim.get(p).metrics());
            for (int i = 0; i < Fidelity.METRICS.size(); i++) {
                Fidelity.Metric x = Fidelity.METRICS.get(i);
                m.put(x.realKey(), Math.round(x.simulated().applyAsLong(sim.get(p)) * FACTOR[i]));
            }
            // the kernel's reclaim counts: twice the model's steals, all by kswapd; 20 s of wall time per second
            m.put("kernel_pgsteal_kswapd", 2 * (sim.get(p).counter(Counter.PGSTEAL_KSWAPD) + sim.get(p).counter(Counter.PGSTEAL_DIRECT)));
            m.put("kernel_pgsteal_direct", 0);
            m.put("wall_time_ns", 20 * m.get("virtual_time_ns").asLong());
            pol.set(p, m);
        }
        return "note: a line the guest printed first\n" + JSON.writeValueAsString(root);
    }

    private static List<String> names(JsonNode n) {
        List<String> out = new ArrayList<>();
        n.fieldNames().forEachRemaining(out::add);
        return out;
    }
}
