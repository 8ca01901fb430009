package dev.copyless.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import dev.copyless.balancer.BalancingPolicy;
import dev.copyless.mm.MigrationOrder;
import dev.copyless.scenario.ScenarioParser;
import dev.copyless.sim.Simulation;
import dev.copyless.testkit.Scenarios;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The metric catalogue: every metric declared once, docs/METRICS.md generated from it (this test
 * fails when the two disagree, and rewrites the generated parts with
 * {@code -Dcopyless.write-docs=true}), the JSON object of a run in its historical shape, and the
 * typed accessors of {@link RunResult} in agreement with that object.
 */
class MetricCatalogueTest {
    private static final Path DOC = Path.of("..", "docs", "METRICS.md");
    private static final Pattern BLOCK =
            Pattern.compile("<!-- catalogue:([a-z-]+) -->\n(.*?)<!-- /catalogue:\\1 -->\n", Pattern.DOTALL);

    private static List<Metric> declared() {
        return Stream.of(Counter.values(), Gauge.values(), Ratio.values(), Latency.values(), Detail.values())
                .flatMap(Stream::of).map(Metric.class::cast).toList();
    }

    @Test
    void everyMetricIsInTheCatalogueOnceUnderAUniqueName() {
        assertThat(MetricCatalogue.ALL).containsExactlyInAnyOrderElementsOf(declared());
        Set<String> names = new HashSet<>();
        for (Metric m : MetricCatalogue.ALL) {
            assertThat(names.add(m.metricName())).as("name %s used twice", m.metricName()).isTrue();
            assertThat(m.metricName()).matches("[a-z][a-z0-9_]*");
            assertThat(m.meaning()).as(m.metricName()).isNotBlank().doesNotContain("\n");
            assertThat(MetricCatalogue.byName(m.metricName())).isSameAs(m);
        }
        assertThat(MetricCatalogue.byName("no_such_metric")).isNull();
    }

    @Test
    void theHeadlineIsDistinctScalarsAndHeadlineSaysWhichTheyAre() {
        assertThat(MetricCatalogue.HEADLINE).doesNotHaveDuplicates().allMatch(Metric::scalar);
        for (Metric m : MetricCatalogue.ALL) {
            assertThat(m.headline()).as(m.metricName()).isEqualTo(MetricCatalogue.HEADLINE.contains(m));
        }
    }

    @Test
    void docsMetricsMdAgreesWithTheCatalogue() throws IOException {
        assertThat(DOC).exists();
        String doc = Files.readString(DOC);
        Map<String, String> generated = MetricCatalogue.markdown();
        StringBuilder rewritten = new StringBuilder();
        Matcher mt = BLOCK.matcher(doc);
        Set<String> found = new HashSet<>();
        List<String> stale = new ArrayList<>();
        while (mt.find()) {
            String name = mt.group(1);
            String want = generated.get(name);
            assertThat(want).as("docs/METRICS.md has a catalogue:%s block the catalogue does not generate", name).isNotNull();
            assertThat(found.add(name)).as("catalogue:%s twice in docs/METRICS.md", name).isTrue();
            if (!mt.group(2).equals(want)) {
                stale.add(name);
            }
            mt.appendReplacement(rewritten, Matcher.quoteReplacement(
                    "<!-- catalogue:" + name + " -->\n" + want + "<!-- /catalogue:" + name + " -->\n"));
        }
        mt.appendTail(rewritten);
        assertThat(found).as("catalogue blocks in docs/METRICS.md").containsExactlyInAnyOrderElementsOf(generated.keySet());
        if (!stale.isEmpty() && Boolean.getBoolean("copyless.write-docs")) {
            Files.writeString(DOC, rewritten.toString());
            return;
        }
        if (!stale.isEmpty()) {
            fail("docs/METRICS.md disagrees with the metric catalogue in " + stale + "; regenerate with "
                    + "./mvnw -q -pl copyless-core test -Dtest=MetricCatalogueTest -Dcopyless.write-docs=true");
        }
    }

    @Test
    void theGeneratedTablesListEveryMetricOnce() {
        List<String> rows = new ArrayList<>();
        Matcher m = Pattern.compile("(?m)^\\| `([a-z0-9_]+)` \\|").matcher(String.join("", MetricCatalogue.markdown().values()));
        while (m.find()) {
            rows.add(m.group(1));
        }
        assertThat(rows).containsExactlyInAnyOrderElementsOf(MetricCatalogue.ALL.stream().map(Metric::metricName).toList());
    }

    private static RunResult smallRun(String policy) {
        return new Simulation(ScenarioParser.parse(Scenarios.SMALL, "small"),
                BalancingPolicy.of(policy, MigrationOrder.MIGRATE_BEFORE_MAP, 16)).run();
    }

    @Test
    void aSimulatedRunsJsonObjectKeepsItsShape() {
        RunResult r = smallRun(BalancingPolicy.COPYLESS);
        List<String> expected = new ArrayList<>();
        for (Counter c : Counter.values()) {
            expected.add(c.metricName());
        }
        expected.addAll(List.of("freed_gfns_still_backed", "moved_page_list_size", "host_free_pages_mean", "swap_slots_used", "pages_verified",
                "pages_lost", "pages_lost_silently", "lost_pages", "data_movements_per_balanced_moved_page",
                "remote_access_fraction", "virtual_time_ns", "balancing_migration_latency_ns", "guest_access_latency_ns",
                "remote_access_fraction_over_time", "counters_over_time", "link_utilisation_over_time"));
        assertThat(r.metrics().keySet()).containsExactlyElementsOf(expected);
        assertThat(new ArrayList<Object>(((Map<?, ?>) r.metrics().get("guest_access_latency_ns")).keySet()))
                .containsExactly("count", "mean", "p50", "p90", "p99", "max");
        assertThat(new ArrayList<Object>(((Map<?, ?>) r.metrics().get("counters_over_time")).keySet()).getFirst())
                .isEqualTo("t_ms");
        assertThat(r.metrics().get("pswpin")).isInstanceOf(Long.class);
        Map<?, ?> links = (Map<?, ?>) r.metrics().get("link_utilisation_over_time");
        assertThat(new ArrayList<Object>(links.keySet())).as("a two-node host: both directions")
                .containsExactly("t_ms", "0->1", "1->0");
        assertThat(((List<?>) links.get("0->1"))).hasSameSizeAs((List<?>) links.get("t_ms"));
        assertThat(r.metrics().get("remote_access_fraction")).isInstanceOf(Double.class);
        for (Gauge g : Gauge.values()) {
            assertThat(r.has(g)).as(g.metricName()).isEqualTo(!g.scope().linuxOnly());
        }
    }

    @Test
    void theTypedAccessorsAgreeWithTheJsonObject() {
        RunResult r = smallRun(BalancingPolicy.NAIVE);
        assertThat(r.counter(Counter.BALANCED_MOVED_PAGES)).as("the run balanced moved pages").isPositive();
        for (Metric m : MetricCatalogue.ALL) {
            if (m.scalar() && r.has(m)) {
                assertThat(r.json(Scalar.of(m))).as(m.metricName()).isEqualTo(r.metrics().get(m.metricName()));
                assertThat(r.number(m)).isEqualTo(((Number) r.metrics().get(m.metricName())).doubleValue());
            }
        }
        for (Latency l : Latency.values()) {
            Map<?, ?> json = (Map<?, ?>) r.metrics().get(l.metricName());
            for (Statistic q : Statistic.values()) {
                assertThat(r.json(Scalar.of(l, q))).as(l.metricName() + "." + q.key()).isEqualTo(json.get(q.key()));
            }
        }
        Map<?, ?> over = (Map<?, ?>) r.metrics().get("counters_over_time");
        for (Counter c : RunMetrics.SAMPLED) {
            assertThat(r.countersOverTime().of(c)).isEqualTo(over.get(c.metricName())).isNotEmpty();
        }
        assertThat(r.countersOverTime().of(Counter.TASK_MOVES)).as("not sampled").isEmpty();
        assertThat(r.remoteFractionOverTime()).hasSize(((List<?>) r.metrics().get("remote_access_fraction_over_time")).size());
    }

    @Test
    void aRatioIsItsCountersQuotientAndZeroWithoutADenominator() {
        RunResult naive = smallRun(BalancingPolicy.NAIVE);
        long moved = naive.counter(Counter.MOVED_PAGE_DATA_MOVEMENTS);
        long balanced = naive.counter(Counter.BALANCED_MOVED_PAGES);
        assertThat(naive.ratio(Ratio.DATA_MOVEMENTS_PER_BALANCED_MOVED_PAGE))
                .isEqualTo(Math.round((double) moved / balanced * 10_000) / 10_000.0).isGreaterThan(1.0);
        // two per page read from the device, one per page whose data was still in the swap cache
        assertThat(moved).isGreaterThanOrEqualTo(2 * naive.counter(Counter.BALANCED_MOVED_PAGES_SWAP)
                + naive.counter(Counter.BALANCED_MOVED_PAGES_SWAPCACHE));
        RunResult none = smallRun(BalancingPolicy.NONE);
        assertThat(none.counter(Counter.BALANCED_MOVED_PAGES)).isZero();
        assertThat(none.ratio(Ratio.DATA_MOVEMENTS_PER_BALANCED_MOVED_PAGE)).isZero();
        assertThat(none.ratio(Ratio.REMOTE_ACCESS_FRACTION)).isPositive().isLessThan(1.0);
    }

    @Test
    void anUndeclaredGaugeIsRefusedAndAnAbsentOneNamed() {
        assertThatThrownBy(() -> RunResult.of("copyless", new RunMetrics(1_000_000, 4), Map.of("no_such_gauge", 1L), 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no_such_gauge")
                .hasMessageContaining("Gauge");
        RunResult r = RunResult.of("copyless", new RunMetrics(1_000_000, 4), Map.of("swap_slots_used", 3L), 7);
        assertThat(r.gauge(Gauge.SWAP_SLOTS_USED)).isEqualTo(3);
        assertThat(r.gauge(Gauge.VIRTUAL_TIME_NS)).isEqualTo(7);
        assertThat(r.has(Gauge.KERNEL_PSWPIN)).isFalse();
        assertThatThrownBy(() -> r.gauge(Gauge.KERNEL_PSWPIN)).hasMessageContaining("kernel_pswpin")
                .hasMessageContaining("Linux backend");
        assertThat(r.metrics()).doesNotContainKey("kernel_pswpin").containsEntry("swap_slots_used", 3L);
    }

    @Test
    void aScalarIsANumberOrOneStatisticOfASummary() {
        assertThat(Scalar.of(Counter.PSWPIN).key()).isEqualTo("pswpin");
        assertThat(Scalar.of(Latency.GUEST_ACCESS_LATENCY_NS, Statistic.MEAN).key()).isEqualTo("guest_access_latency_ns.mean");
        assertThat(Scalar.of(Latency.GUEST_ACCESS_LATENCY_NS, Statistic.COUNT).unit()).isEqualTo(Unit.EVENTS);
        assertThatThrownBy(() -> Scalar.of(Latency.GUEST_ACCESS_LATENCY_NS)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Scalar.of(Detail.LOST_PAGES)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Scalar(Counter.PSWPIN, Statistic.P99)).isInstanceOf(IllegalArgumentException.class);
    }
}
