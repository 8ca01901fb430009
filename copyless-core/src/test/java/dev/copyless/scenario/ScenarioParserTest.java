package dev.copyless.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;

import dev.copyless.mm.MigrationOrder;
import dev.copyless.mm.Promotion;
import dev.copyless.scenario.Scenario;
import dev.copyless.scenario.ScenarioException;
import dev.copyless.scenario.ScenarioParser;
import dev.copyless.scenario.Units;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scenario validation: every bad input is refused with a {@link ScenarioException} that names
 * the key and what is expected; good input parses to the values written.
 */
class ScenarioParserTest {

    /** A valid scenario that the bad inputs below spoil one thing at a time. */
    private static final String BASE = """
            host:
              nodes:
                - {id: 0, memory: 8MiB}
                - {id: 1, memory: 8MiB}
              swap:
                - {name: s, size: 8MiB}
            vms:
              - name: vm0
                vnodes:
                  - {id: 0, memory: 8MiB, host-node: 0}
                  - {id: 1, memory: 8MiB, host-node: 1}
                tasks:
                  - {name: a, vnode: 0, footprint: 4MiB}
            """;

    private static String spoil(String from, String to) {
        assertThat(BASE).contains(from);
        return BASE.replace(from, to);
    }

    private static AbstractThrowableAssert<?, ? extends Throwable> rejects(String yaml) {
        return assertThatThrownBy(() -> ScenarioParser.parse(yaml, "bad.yaml"))
                .isInstanceOf(ScenarioException.class)
                .hasMessageStartingWith("bad.yaml: ");
    }

    // ------------------------------------------------------------------ bad inputs

    @Test
    void aHostBeyondWhatTheSimulatedHostNumbersIsRefusedInOneLine() {
        rejects(spoil("    - {id: 0, memory: 8MiB}\n    - {id: 1, memory: 8MiB}\n",
                "    - {id: 0, memory: 5TiB}\n    - {id: 1, memory: 5TiB}\n"))
                .hasMessageContaining("host.nodes: 10240GiB of host memory; expected below 8TiB over all nodes");
        rejects(spoil("    - {name: s, size: 8MiB}\n", "    - {name: s, size: 5TiB}\n    - {name: t, size: 5TiB}\n"))
                .hasMessageContaining("host.swap: 10240GiB of swap; expected below 8TiB over all devices");
        String vm = "    vnodes:\n      - {id: 0, memory: 2047GiB, host-node: 0}\n";
        rejects(spoil("  - name: vm0\n", "  - name: a\n" + vm + "  - name: b\n" + vm + "  - name: c\n" + vm
                + "  - name: vm0\n")).hasMessageContaining("of guest memory over all VMs; expected at most 4TiB on one host")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
        StringBuilder nodes = new StringBuilder();
        for (int i = 0; i < 128; i++) {
            nodes.append("    - {id: ").append(i).append(", memory: 1MiB}\n");
        }
        rejects(spoil("    - {id: 0, memory: 8MiB}\n    - {id: 1, memory: 8MiB}\n", nodes.toString()))
                .hasMessageContaining("host.nodes").hasMessageContaining("at most 127 nodes");
        StringBuilder vnodes = new StringBuilder();
        for (int i = 0; i < 129; i++) {
            vnodes.append("      - {id: ").append(i).append(", memory: 64KiB, host-node: 0}\n");
        }
        rejects(spoil("      - {id: 0, memory: 8MiB, host-node: 0}\n      - {id: 1, memory: 8MiB, host-node: 1}\n",
                vnodes.toString())).hasMessageContaining("vms[0].vnodes").hasMessageContaining("at most 128 vNodes");
    }

    @Test
    void badDeviceAndLinkValuesAreRefusedInOneLine() {
        rejects(spoil("- {name: s, size: 8MiB}", "- {name: s, size: 8MiB, queue-depth: 0}"))
                .hasMessageContaining("host.swap[0].queue-depth").hasMessageContaining("between 1 and 65536");
        rejects(spoil("- {name: s, size: 8MiB}", "- {name: s, size: 8MiB, node: 2}"))
                .hasMessageContaining("host.swap[0].node").hasMessageContaining("expected the id of a host node (0..1)");
        rejects(spoil("- {name: s, size: 8MiB}", "- {name: s, size: 8MiB, profile: zram, queue-depth: 4}"))
                .hasMessageContaining("host.swap[0].queue-depth").hasMessageContaining("synchronous");
        rejects(spoil("host:\n", "host:\n  link-bandwidth: -5GB/s\n"))
                .hasMessageContaining("host.link-bandwidth").hasMessageContaining("expected a positive rate");
        rejects(spoil("host:\n", "host:\n  link-bandwidth: 5 furlongs/s\n"))
                .hasMessageContaining("host.link-bandwidth");
        rejects(spoil("- {name: s, size: 8MiB}", "- {name: s, size: 8MiB, bandwidth-bytes-per-second: -1}"))
                .hasMessageContaining("host.swap[0].bandwidth-bytes-per-second");
    }

    @Test
    void deviceAndLinkValuesAndTheirDefaults() {
        Scenario d = ScenarioParser.parse(BASE, "base.yaml");
        assertThat(d.host().linkBytesPerSecond()).isEqualTo(20_800_000_000L);
        assertThat(d.host().swap().getFirst().queueDepth()).isEqualTo(64);
        assertThat(d.host().swap().getFirst().node()).isZero();
        Scenario s = ScenarioParser.parse(spoil("host:\n", "host:\n  link-bandwidth: 1.5GiB/s\n")
                .replace("- {name: s, size: 8MiB}", "- {name: s, size: 8MiB, profile: ssd, node: 1}"), "x.yaml");
        assertThat(s.host().linkBytesPerSecond()).isEqualTo(1_610_612_736L);
        assertThat(s.host().swap().getFirst().queueDepth()).isEqualTo(32);
        assertThat(s.host().swap().getFirst().node()).isEqualTo(1);
    }

    @Test
    void theBaseScenarioIsValid() {
        Scenario s = ScenarioParser.parse(BASE, "base.yaml");
        assertThat(s.vms()).hasSize(1);
        assertThat(s.workloadPages()).isEqualTo(1024);
    }

    @Test
    void theRemovedHoldBackKeyNamesThePolicyThatReplacesIt() {
        rejects(BASE + "copyless: {hold-back: true}\n")
                .hasMessageContaining("copyless.hold-back: removed").hasMessageContaining("copyless-holdback");
    }

    @Test
    void theRemovedPromoteOnTouchKeyNamesItsReplacement() {
        rejects(spoil("  swap:\n", "  demotion: {promote-on-touch: true}\n  swap:\n"))
                .hasMessageContaining("host.demotion.promote-on-touch: removed")
                .hasMessageContaining("host.demotion.promotion").hasMessageContaining("on-touch")
                .hasMessageContaining("tiering").satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }

    @Test
    void tieringPromotionTakesLinuxsDefaultsAndItsOwnTunables() {
        Scenario d = ScenarioParser.parse(spoil("  swap:\n", "  demotion: {promotion: tiering}\n  swap:\n"), "t.yaml");
        assertThat(d.host().promotion()).isEqualTo(Promotion.TIERING);
        assertThat(d.host().promotion().rateLimitPages()).isEqualTo(65_536L * 256);
        Scenario s = ScenarioParser.parse(spoil("  swap:\n", "  demotion: {promotion: tiering, hot-threshold: 200ms,"
                + " promote-rate-limit: 4, scan-period: 2s, scan-size: 64MiB}\n  swap:\n"), "t.yaml");
        assertThat(s.host().promotion()).isEqualTo(new Promotion(Promotion.Mode.TIERING, 200_000_000L, 4,
                2_000_000_000L, 64L * 256));
        rejects(spoil("  swap:\n", "  demotion: {promotion: sometimes}\n  swap:\n"))
                .hasMessageContaining("host.demotion.promotion");
        rejects(spoil("  swap:\n", "  demotion: {promotion: tiering, hot-threshold: 500us}\n  swap:\n"))
                .hasMessageContaining("host.demotion.hot-threshold").hasMessageContaining("at least 1ms");
    }

    @Test
    void anUnknownKeyIsNamedByItsPathWithTheKeysExpectedThere() {
        rejects(spoil("{id: 0, memory: 8MiB}", "{id: 0, memroy: 8MiB}"))
                .hasMessageContaining("unknown key 'host.nodes[0].memroy'")
                .hasMessageContaining("expected one of").hasMessageContaining("memory");
        rejects(BASE + "schedular: {interval: 1ms}\n")
                .hasMessageContaining("unknown key 'schedular'").hasMessageContaining("scheduler");
        rejects(spoil("{name: a, vnode: 0, footprint: 4MiB}", "{name: a, vnode: 0, footprint: 4MiB, thinktime: 1us}"))
                .hasMessageContaining("'vms[0].tasks[0].thinktime'").hasMessageContaining("think");
    }

    /** A SLIT distance past 32 bits is refused, not truncated (4294967317 = 2^32 + 21 would read as 21). */
    @Test
    void aSlitDistanceThatOverflowsAnIntIsRefused() {
        String withDistance = spoil("  swap:\n", "  distance: [[10, 4294967317], [21, 10]]\n  swap:\n");
        rejects(withDistance).hasMessageContaining("host.distance[0][1]").hasMessageContaining("4294967317");
        assertThat(ScenarioParser.parse(spoil("  swap:\n", "  distance: [[10, 21], [21, 10]]\n  swap:\n"), "ok.yaml")
                .host().distance()[0][1]).isEqualTo(21);
    }

    /** A demotion target past 32 bits is refused, not truncated to a node id. */
    @Test
    void aDemotionTargetThatOverflowsAnIntIsRefused() {
        rejects(spoil("  swap:\n", "  demotion: {targets: {0: 4294967297}}\n  swap:\n"))
                .hasMessageContaining("host.demotion.targets.0");
    }

    @Test
    void aKeyGivenTwiceIsRefused() {
        rejects(BASE + "vms: []\n").hasMessageContaining("key 'vms' given twice in one mapping");
    }

    @Test
    void zeroOrNegativeSizesAreRejected() {
        rejects(spoil("{id: 0, memory: 8MiB}", "{id: 0, memory: 0}"))
                .hasMessageContaining("host.nodes[0].memory").hasMessageContaining("expected a size of at least");
        rejects(spoil("{id: 0, memory: 8MiB}", "{id: 0, memory: -8MiB}"))
                .hasMessageContaining("host.nodes[0].memory").hasMessageContaining("expected a size like 64MiB")
                .hasMessageContaining("-8MiB");
        rejects(spoil("footprint: 4MiB", "footprint: 0"))
                .hasMessageContaining("vms[0].tasks[0].footprint").hasMessageContaining("at least 1 page");
        rejects(spoil("{name: s, size: 8MiB}", "{name: s, size: 0}"))
                .hasMessageContaining("host.swap[0].size").hasMessageContaining("at least 1 page");
        rejects(spoil("{id: 1, memory: 8MiB, host-node: 1}", "{id: 1, memory: -1, host-node: 1}"))
                .hasMessageContaining("vms[0].vnodes[1].memory").hasMessageContaining("expected a size");
        rejects(BASE + "duration: 0s\n")
                .hasMessageContaining("duration").hasMessageContaining("expected a positive duration");
    }

    @Test
    void aVnodePinnedToAMissingHostNodeIsRejected() {
        rejects(spoil("host-node: 1}", "host-node: 2}"))
                .hasMessageContaining("vms[0].vnodes[1].host-node")
                .hasMessageContaining("expected the id of a host node (0..1)").hasMessageContaining("got 2");
        rejects(spoil("host-node: 1}", "host-node: -1}"))
                .hasMessageContaining("vms[0].vnodes[1].host-node");
    }

    @Test
    void taskFootprintsLargerThanTheVmAreRejected() {
        rejects(spoil("footprint: 4MiB", "footprint: 17MiB"))
                .hasMessageContaining("vms[0].tasks")
                .hasMessageContaining("expected task footprints (17MiB) to fit in the VM's memory (16MiB)");
    }

    @Test
    void aWorkloadLargerThanMemoryPlusSwapIsRejected() {
        String yaml = spoil("{name: s, size: 8MiB}", "{name: s, size: 1MiB}")
                .replace("8MiB, host-node", "20MiB, host-node").replace("footprint: 4MiB", "footprint: 30MiB");
        rejects(yaml).hasMessageContaining("vms")
                .hasMessageContaining("footprints (30MiB) exceed the host's memory plus swap (16MiB + 1MiB)");
        // exactly memory plus swap still fits
        ScenarioParser.parse(yaml.replace("footprint: 30MiB", "footprint: 17MiB"), "fits.yaml");
    }

    @Test
    void malformedYamlIsReportedWithItsPosition() {
        rejects(spoil("{id: 0, memory: 8MiB}", "{id: 0, memory: 8MiB"))
                .hasMessageContaining("not valid YAML at line");
        rejects("").hasMessageContaining("the scenario is empty");
        rejects("- 1\n- 2\n").hasMessageContaining("expected a mapping of keys");
    }

    @Test
    void wrongValuesNameTheirKeyAndTheAllowedValues() {
        rejects(spoil("footprint: 4MiB", "footprint: 4MiB, pattern: pareto"))
                .hasMessageContaining("vms[0].tasks[0].pattern").hasMessageContaining("hot-cold, uniform, sequential");
        rejects(spoil("vnode: 0,", "vnode: 3,"))
                .hasMessageContaining("vms[0].tasks[0].vnode").hasMessageContaining("(0..1)");
        rejects(BASE + "copyless: {order: sideways}\n")
                .hasMessageContaining("copyless.order").hasMessageContaining(MigrationOrder.MAP_THEN_MIGRATE.key());
        rejects(BASE + "copyless: {batch: 0}\n")
                .hasMessageContaining("copyless.batch").hasMessageContaining("between 1 and 512");
    }

    @Test
    void aMissingFileIsAScenarioErrorNamingThePath(@TempDir Path dir) {
        Path missing = dir.resolve("nope.yaml");
        assertThatThrownBy(() -> ScenarioParser.load(missing))
                .isInstanceOf(ScenarioException.class)
                .hasMessageContaining(missing.toString()).hasMessageContaining("no such file");
        assertThatThrownBy(() -> ScenarioParser.load(dir))
                .isInstanceOf(ScenarioException.class).hasMessageContaining("is a directory, not a scenario file");
    }

    @Test
    void errorsInAFileNameTheFile(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("typo.yaml");
        Files.writeString(f, BASE + "schedular: {}\n", StandardCharsets.UTF_8);
        assertThatThrownBy(() -> ScenarioParser.load(f))
                .isInstanceOf(ScenarioException.class).hasMessageStartingWith(f + ": ");
    }

    // ------------------------------------------------------------------ good inputs

    @Test
    void theDefaultScenarioParsesIntoAConsistentScenario() {
        Scenario s = ScenarioParser.defaultScenario();
        assertThat(ScenarioParser.defaultScenarioText()).contains("vms:");
        assertThat(s.name()).isEqualTo("default");
        assertThat(s.durationNs()).isPositive();
        assertThat(s.host().nodes()).isNotEmpty();
        assertThat(s.vms()).isNotEmpty();
        long memory = 0;
        for (Scenario.Node n : s.host().nodes()) {
            assertThat(n.wmarkMin()).isLessThanOrEqualTo(n.wmarkLow());
            assertThat(n.wmarkLow()).isLessThanOrEqualTo(n.wmarkHigh());
            assertThat(n.wmarkHigh()).isLessThan(n.pages());
            memory += n.pages();
        }
        for (Scenario.Vm vm : s.vms()) {
            for (Scenario.Vnode v : vm.vnodes()) {
                assertThat(v.hostNode()).isBetween(0, s.host().nodes().size() - 1);
            }
            long footprint = vm.tasks().stream().mapToLong(Scenario.Task::pages).sum();
            assertThat(footprint).isLessThanOrEqualTo(vm.pages());
        }
        long swap = s.host().swap().stream().mapToLong(Scenario.Swap::slots).sum();
        assertThat(s.workloadPages()).isLessThanOrEqualTo(memory + swap);
        MigrationOrder.fromKey(s.copyless().order());
        // the text parses the same way twice, and like the embedded default
        assertThat(ScenarioParser.parse(ScenarioParser.defaultScenarioText(), "again").workloadPages())
                .isEqualTo(s.workloadPages());
    }

    @Test
    void everyKeyIsReadWithItsUnits() {
        Scenario s = ScenarioParser.parse("""
                name: full
                seed: -7
                duration: 1.5s
                host:
                  nodes:
                    - {id: 0, memory: 64MiB}
                    - {id: 1, memory: 16384 pages}
                    - {id: 2, memory: 1GiB}
                  distance: [[10, 21, 17], [21, 10, 28], [17, 28, 10]]
                  watermarks: {min: 0.5%, low: 1%, high: 3%}
                  swap:
                    - {name: z, profile: zram, size: 256MiB}
                    - {name: n, profile: nvme, size: 1GiB, read-latency: 30us, write-latency: 15us, bandwidth-bytes-per-second: 2000000000}
                  reclaim: {batch: 64, page-cluster: 0}
                  demotion: {targets: {0: 2, 1: 2}, interval: 20ms, batch: 128, promotion: off}
                vms:
                  - name: a
                    vnodes:
                      - {id: 0, memory: 32MiB, host-node: 0, vcpus: 3}
                      - {id: 1, memory: 32MiB, host-node: 1}
                    tasks:
                      - {name: t, vnode: 1, footprint: 8MiB, pattern: uniform, think: 2us}
                      - {vnode: 0, footprint: 8MiB, hot-fraction: 0.1, hot-probability: 0.99}
                scheduler: {interval: 100ms, pattern: random, quantum: 50us}
                balancer: {scan-period-min: 1s, scan-period-max: 30s, scan-delay: 2s, scan-size: 64MiB, fault-around: 4}
                copyless: {order: map-then-migrate, batch: 64}
                cost: {access-local-ns: 80, access-remote-ns: 130, migrate-page-ns: 2500}
                metrics: {time-buckets: 20}
                """, "full.yaml");
        assertThat(s.seed()).isEqualTo(-7);
        assertThat(s.durationNs()).isEqualTo(1_500_000_000L);
        assertThat(s.host().nodes()).extracting(Scenario.Node::pages).containsExactly(16384, 16384, 262144);
        Scenario.Node n0 = s.host().nodes().get(0);
        assertThat(n0.wmarkMin()).isEqualTo(82); // ceil(16384 * 0.5%)
        assertThat(n0.wmarkLow()).isEqualTo(164);
        assertThat(n0.wmarkHigh()).isEqualTo(492);
        assertThat(s.host().nodes().get(2).wmarkHigh()).isEqualTo(7865); // ceil(262144 * 3%)
        assertThat(s.host().distance()[1][2]).isEqualTo(28);
        assertThat(s.host().swap()).extracting(Scenario.Swap::slots).containsExactly(65536, 262144);
        Scenario.Swap nvme = s.host().swap().get(1);
        assertThat(nvme.readNs()).isEqualTo(30_000);
        assertThat(nvme.writeNs()).isEqualTo(15_000);
        assertThat(nvme.bytesPerSecond()).isEqualTo(2_000_000_000L);
        assertThat(s.host().swap().get(0).profile()).isEqualTo("zram");
        assertThat(s.host().reclaimBatch()).isEqualTo(64);
        assertThat(s.host().pageCluster()).isZero();
        assertThat(s.host().demotionTarget()).containsExactly(2, 2, -1);
        assertThat(s.host().demotionIntervalNs()).isEqualTo(20_000_000L);
        assertThat(s.host().demotionBatch()).isEqualTo(128);
        assertThat(s.host().promotion()).isEqualTo(Promotion.OFF);
        Scenario.Vm vm = s.vms().get(0);
        assertThat(vm.vnodes()).extracting(Scenario.Vnode::vcpus).containsExactly(3, 1);
        assertThat(vm.pages()).isEqualTo(16384);
        Scenario.Task t = vm.tasks().get(0);
        assertThat(t.vnode()).isEqualTo(1);
        assertThat(t.pages()).isEqualTo(2048);
        assertThat(t.pattern()).isEqualTo("uniform");
        assertThat(t.thinkNs()).isEqualTo(2_000);
        Scenario.Task u = vm.tasks().get(1);
        assertThat(u.name()).isEqualTo("task1");
        assertThat(u.pattern()).isEqualTo("hot-cold");
        assertThat(u.hotFraction()).isEqualTo(0.1);
        assertThat(u.hotProbability()).isEqualTo(0.99);
        assertThat(s.scheduler()).isEqualTo(new Scenario.Scheduler(100_000_000L, "random", 50_000L));
        assertThat(s.balancer()).isEqualTo(new Scenario.Balancer(1_000_000_000L, 30_000_000_000L, 2_000_000_000L, 16384, 4));
        assertThat(s.copyless()).isEqualTo(new Scenario.Copyless("map-then-migrate", 64));
        assertThat(s.cost().accessLocalNs()).isEqualTo(80);
        assertThat(s.cost().accessRemoteNs()).isEqualTo(130);
        assertThat(s.cost().migratePageNs()).isEqualTo(2500);
        assertThat(s.timeBuckets()).isEqualTo(20);
    }

    @Test
    void unitsParseSizesDurationsAndPercentages() {
        assertThat(Units.pages("64MiB")).isEqualTo(16384);
        assertThat(Units.pages("1GiB")).isEqualTo(262144);
        assertThat(Units.pages("2TiB")).isEqualTo(536_870_912L);
        assertThat(Units.pages("4KiB")).isEqualTo(1);
        assertThat(Units.pages("8 kb")).isEqualTo(2);
        assertThat(Units.pages("4096")).isEqualTo(1);
        assertThat(Units.pages("4095")).as("bytes round down to whole pages").isZero();
        assertThat(Units.pages("1.5MiB")).isEqualTo(384);
        assertThat(Units.pages("16384 pages")).isEqualTo(16384);
        assertThat(Units.pages("1 page")).isEqualTo(1);
        assertThat(Units.pages("-1MiB")).isEqualTo(-1);
        assertThat(Units.pages("12 parsecs")).isEqualTo(-1);
        assertThat(Units.pages("MiB")).isEqualTo(-1);

        assertThat(Units.nanos("100ms")).isEqualTo(100_000_000L);
        assertThat(Units.nanos("30us")).isEqualTo(30_000L);
        assertThat(Units.nanos("2s")).isEqualTo(2_000_000_000L);
        assertThat(Units.nanos("1.5ms")).isEqualTo(1_500_000L);
        assertThat(Units.nanos("500ns")).isEqualTo(500L);
        assertThat(Units.nanos("500")).isEqualTo(500L);
        assertThat(Units.nanos("5 minutes")).isEqualTo(-1);

        assertThat(Units.pagesOrPercent("1%", 10240)).isEqualTo(103);
        assertThat(Units.pagesOrPercent("0%", 10240)).isZero();
        assertThat(Units.pagesOrPercent("100%", 10240)).isEqualTo(-1);
        assertThat(Units.pagesOrPercent("x%", 10240)).isEqualTo(-1);
        assertThat(Units.pagesOrPercent("512KiB", 10240)).isEqualTo(128);

        assertThat(Units.size(16384)).isEqualTo("64MiB");
        assertThat(Units.size(262144)).isEqualTo("1GiB");
        assertThat(Units.size(1)).isEqualTo("4KiB");
    }

    @Test
    void sizesRoundTripThroughTheirPrintedForm() {
        qt().withFixedSeed(7L).withExamples(500).forAll(integers().between(0, 1 << 28)).checkAssert(n -> {
            long pages = n;
            assertThat(Units.pages(Units.size(pages))).isEqualTo(pages);
            assertThat(Units.pages(pages + " pages")).isEqualTo(pages);
            assertThat(Units.pages((4 * pages) + "KiB")).isEqualTo(pages);
            assertThat(Units.pages((4096 * pages) + "")).isEqualTo(pages);
        });
    }

    @Test
    void durationsRoundTripThroughTheirPrintedForm() {
        assertThat(Units.duration(1_000_000_000L)).isEqualTo("1s");
        assertThat(Units.duration(50_000L)).isEqualTo("50us");
        assertThat(Units.duration(1_500_000L)).isEqualTo("1500us");
        assertThat(Units.duration(501L)).isEqualTo("501ns");
        qt().withFixedSeed(7L).withExamples(500).forAll(integers().between(1, Integer.MAX_VALUE)).checkAssert(n -> {
            assertThat(Units.nanos(Units.duration(n))).isEqualTo((long) n);
            assertThat(Units.nanos(Units.duration(n * 1000L))).isEqualTo(n * 1000L);
        });
    }
}
