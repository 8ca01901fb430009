package dev.copyless.sweep;

import dev.copyless.metrics.Latency;
import dev.copyless.metrics.Metric;
import dev.copyless.metrics.MetricCatalogue;
import dev.copyless.metrics.RunResult;
import dev.copyless.metrics.Scalar;
import dev.copyless.metrics.Statistic;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The CSV row of a finished sweep point, built the same way by every {@link SweepEngine} (on a
 * worker thread here, on a Spark executor there), so the same grid gives byte-identical rows on
 * every engine: id, seed, parameter values, then {@code policy.metric} for every scalar metric
 * of the catalogue the run holds, and {@code policy.latency.statistic} for
 * {@link #ROW_STATISTICS} of each latency summary. Values are {@link Long}, {@link Double} or
 * {@link String}, so a row is a serializable value.
 */
public final class SweepRows {
    private SweepRows() {}

    /** The summary fields a sweep row keeps of each latency, in this order. */
    public static final List<Statistic> ROW_STATISTICS = List.of(Statistic.MEAN, Statistic.P50, Statistic.P99);

    /** The row of point {@code p} from its runs (policy -> results, in the grid's policy order). */
    public static LinkedHashMap<String, Object> row(SweepPoint p, Map<String, RunResult> results) {
        LinkedHashMap<String, Object> row = new LinkedHashMap<>();
        row.put("point", p.id());
        row.put("seed", p.seed());
        row.putAll(p.values());
        for (Map.Entry<String, RunResult> e : results.entrySet()) {
            RunResult r = e.getValue();
            for (Metric m : MetricCatalogue.ALL) {
                if (m instanceof Latency l) {
                    for (Statistic q : ROW_STATISTICS) {
                        Scalar x = Scalar.of(l, q);
                        row.put(e.getKey() + "." + x.key(), r.json(x));
                    }
                } else if (m.scalar() && r.has(m)) {
                    row.put(e.getKey() + "." + m.metricName(), r.json(Scalar.of(m)));
                }
            }
        }
        return row;
    }

    /** One CSV line of {@code row} in {@code header}'s column order; a field with a comma or quote is quoted. */
    public static String csvLine(List<String> header, Map<String, Object> row) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < header.size(); i++) {
            if (i > 0) {
                b.append(',');
            }
            Object v = row.get(header.get(i));
            String s = v == null ? "" : v.toString();
            b.append(s.contains(",") || s.contains("\"") ? "\"" + s.replace("\"", "\"\"") + "\"" : s);
        }
        return b.toString();
    }
}
