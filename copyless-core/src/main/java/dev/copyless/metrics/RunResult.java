package dev.copyless.metrics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * The results of one policy's run, flattened for tables and JSON: every {@link Counter}
 * under its metric name, the end-of-run gauges, derived ratios, latency summaries and the
 * remote-access fraction over time. Immutable once built.
 *
 * @param policy  {@code none}, {@code naive} or {@code copyless}
 * @param metrics metric name -> number, histogram summary or time series, in output order
 */
public record RunResult(String policy, Map<String, Object> metrics) {

    /** Builds the result of a finished run with no lost pages. */
    public static RunResult of(String policy, RunMetrics m, Map<String, Long> gauges, long virtualNs) {
        return of(policy, m, gauges, virtualNs, List.of());
    }

    /**
     * Builds the result of a finished run.
     *
     * @param lostPages the pages the end-of-run verification found lost ({@code vm}, {@code gfn},
     *                  {@code reason}), kept under {@code lost_pages}
     */
    public static RunResult of(String policy, RunMetrics m, Map<String, Long> gauges, long virtualNs,
                               List<Map<String, Object>> lostPages) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Counter c : Counter.values()) {
            out.put(c.metricName(), m.stat.get(c));
        }
        out.putAll(gauges);
        out.put("lost_pages", List.copyOf(lostPages));
        long balanced = m.stat.get(Counter.BALANCED_MOVED_PAGES);
        out.put("data_movements_per_balanced_moved_page",
                balanced == 0 ? 0.0 : round((double) m.stat.get(Counter.MOVED_PAGE_DATA_MOVEMENTS) / balanced));
        long acc = m.stat.get(Counter.GUEST_ACCESSES);
        out.put("remote_access_fraction", acc == 0 ? 0.0 : round((double) m.stat.get(Counter.REMOTE_ACCESSES) / acc));
        out.put("virtual_time_ns", virtualNs);
        out.put("balancing_migration_latency_ns", summary(m.migrationLatency));
        out.put("guest_access_latency_ns", summary(m.accessLatency));
        List<Map<String, Object>> series = new ArrayList<>();
        for (int b = 0; b < m.buckets(); b++) {
            double f = m.remoteFraction(b);
            if (!Double.isNaN(f)) {
                Map<String, Object> p = new LinkedHashMap<>();
                p.put("t_ms", round(b * m.bucketNs() / 1e6));
                p.put("remote_fraction", round(f));
                series.add(p);
            }
        }
        out.put("remote_access_fraction_over_time", series);
        Map<String, Object> over = new LinkedHashMap<>();
        List<Double> t = new ArrayList<>();
        for (int b = 0; b < m.buckets(); b++) {
            t.add(round((b + 1) * m.bucketNs() / 1e6));
        }
        over.put("t_ms", t);
        for (int i = 0; i < RunMetrics.SAMPLED.length; i++) {
            List<Long> v = new ArrayList<>();
            for (int b = 0; b < m.buckets(); b++) {
                v.add(m.sampled(b, i));
            }
            over.put(RunMetrics.SAMPLED[i].metricName(), v);
        }
        out.put("counters_over_time", over);
        return new RunResult(policy, java.util.Collections.unmodifiableMap(out));
    }

    private static Map<String, Object> summary(Histogram h) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("count", h.getTotalCount());
        s.put("mean", h.getTotalCount() == 0 ? 0.0 : round(h.getMean()));
        s.put("p50", h.getValueAtPercentile(50));
        s.put("p90", h.getValueAtPercentile(90));
        s.put("p99", h.getValueAtPercentile(99));
        s.put("max", h.getMaxValue());
        return s;
    }

    private static double round(double v) {
        return Math.round(v * 10_000.0) / 10_000.0;
    }

    /** The pages the end-of-run verification found lost: {@code vm}, {@code gfn}, {@code reason} each. */
    @SuppressWarnings("unchecked")
    public List<Map<String, Object>> lostPages() {
        return metrics.get("lost_pages") instanceof List<?> l ? (List<Map<String, Object>>) l : List.of();
    }

    /** A counter or gauge by metric name. */
    public long counter(String name) {
        Object v = metrics.get(name);
        if (!(v instanceof Long l)) {
            throw new IllegalArgumentException("no counter named " + name);
        }
        return l;
    }

    public long counter(Counter c) {
        return counter(c.metricName());
    }

    public double number(String name) {
        Object v = metrics.get(name);
        if (!(v instanceof Number n)) {
            throw new IllegalArgumentException("no number named " + name);
        }
        return n.doubleValue();
    }
}
