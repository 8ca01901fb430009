package dev.copyless.metrics;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Every metric a run reports, in output order, and the headline metrics. The metrics
 * themselves are the constants of {@link Counter}, {@link Gauge}, {@link Ratio}, {@link Latency}
 * and {@link Detail}, each declared once with its name, {@code /proc/vmstat} namesake, unit and
 * meaning. The JSON object of a run, the table and CSV columns of the CLI, the report and the
 * tables of docs/METRICS.md ({@link #markdown()}) all follow from here.
 */
public final class MetricCatalogue {
    private MetricCatalogue() {}

    /**
     * Every metric, in the order of a run's JSON object (the order it has always been printed in):
     * the counters, the end-of-run gauges, {@code lost_pages}, the ratios, {@code virtual_time_ns},
     * the latency summaries, then the series over time.
     */
    public static final List<Metric> ALL = Stream.of(
            Arrays.stream(Counter.values()),
            Arrays.stream(Gauge.values()).filter(g -> g != Gauge.VIRTUAL_TIME_NS),
            Stream.of(Detail.LOST_PAGES),
            Arrays.stream(Ratio.values()),
            Stream.of(Gauge.VIRTUAL_TIME_NS),
            Arrays.stream(Latency.values()),
            Stream.of(Detail.REMOTE_ACCESS_FRACTION_OVER_TIME, Detail.COUNTERS_OVER_TIME,
                    Detail.LINK_UTILISATION_OVER_TIME))
            .flatMap(Function.identity()).map(Metric.class::cast).toList();

    /**
     * The headline metrics, in the order {@code copyless compare} and the report show them first:
     * what the invention changes (movements, interconnect bytes, evictions, swap I/O, hypercalls),
     * what it leaves behind, and what balancing achieved.
     */
    public static final List<Metric> HEADLINE = List.of(
            Counter.BALANCED_MOVED_PAGES, Counter.MOVED_PAGE_DATA_MOVEMENTS, Ratio.DATA_MOVEMENTS_PER_BALANCED_MOVED_PAGE,
            Counter.SWAPPED_PAGE_INTERCONNECT_BYTES, Counter.MOVED_PAGE_INTERCONNECT_BYTES, Counter.INTERCONNECT_BYTES,
            Counter.EVICTIONS_CAUSED, Counter.PAGES_BROUGHT_BACK, Counter.PSWPIN, Counter.PSWPOUT, Counter.PGMAJFAULT,
            Counter.HYPERCALLS, Counter.HYPERCALL_PAGES, Counter.NUMA_PAGES_MIGRATED, Gauge.FREED_GFNS_STILL_BACKED,
            Ratio.REMOTE_ACCESS_FRACTION);

    private static final Map<String, Metric> BY_NAME =
            ALL.stream().collect(Collectors.toUnmodifiableMap(Metric::metricName, Function.identity()));

    /** The metric of that name, or null when there is none. */
    public static Metric byName(String name) {
        return BY_NAME.get(name);
    }

    // ---------------------------------------------------------------- docs/METRICS.md

    /**
     * The generated parts of docs/METRICS.md, by section name, each the exact text that goes between
     * {@code <!-- catalogue:NAME -->} and {@code <!-- /catalogue:NAME -->}: the numbered headline list,
     * then one table per kind of metric.
     */
    public static Map<String, String> markdown() {
        Map<String, String> out = new LinkedHashMap<>();
        StringBuilder h = new StringBuilder();
        for (int i = 0; i < HEADLINE.size(); i++) {
            h.append(i + 1).append(". `").append(HEADLINE.get(i).metricName()).append("`\n");
        }
        out.put("headline", h.toString());
        out.put("counters", table(List.of(Counter.values())));
        out.put("gauges", table(Arrays.stream(Gauge.values()).filter(g -> !g.scope().linuxOnly()).toList()));
        out.put("ratios", table(List.of(Ratio.values())));
        out.put("latencies", table(List.of(Latency.values())));
        out.put("details", table(List.of(Detail.values())));
        out.put("linux-gauges", table(Arrays.stream(Gauge.values()).filter(g -> g.scope().linuxOnly()).toList()));
        return out;
    }

    private static String table(List<? extends Metric> metrics) {
        StringBuilder b = new StringBuilder("| name | /proc/vmstat | unit | headline | meaning |\n| --- | --- | --- | --- | --- |\n");
        for (Metric m : metrics) {
            List<String> cells = new ArrayList<>();
            cells.add("`" + m.metricName() + "`");
            cells.add(m.vmstat().isEmpty() ? "-" : "`" + m.vmstat() + "`");
            cells.add(m.unit().label());
            cells.add(m.headline() ? "yes" : "");
            String meaning = m.meaning();
            if (m instanceof Gauge g && g.scope() == Gauge.Scope.CONTENT_CHECK) {
                meaning += " The table shows it only where page contents are checked (real bytes, swap faults, the Linux backend).";
            }
            cells.add(meaning.replace("|", "\\|"));
            b.append("| ").append(String.join(" | ", cells)).append(" |\n");
        }
        return b.toString();
    }
}
