package dev.copyless.sweep;

import dev.copyless.metrics.Counter;
import dev.copyless.metrics.Latency;
import dev.copyless.metrics.Scalar;
import dev.copyless.metrics.SeedStatistics;
import dev.copyless.metrics.SeedStatistics.Estimate;
import dev.copyless.metrics.Statistic;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A sweep's rows summarised over seeds: one {@link Group} per combination of the swept
 * parameters' values (a grid point without its seed), holding for every metric column the mean
 * over the seeds and its Student t 95% confidence interval ({@link SeedStatistics#meanCi95}), and
 * for each copyless policy the paired ratio to {@code naive} with its delta-method interval
 * ({@link SeedStatistics#ratioCi95}): the statistics of {@code compare --seeds N}, per point. A
 * pure function of the rows, so it is recomputed from {@code results.csv} on every engine and
 * after a resume.
 */
public final class SweepSummary {
    private SweepSummary() {}

    /** The metrics the terminal table shows as ratios, in this order: the headline costs and the work done. */
    public static final List<String> HEADLINE = List.of(
            Scalar.of(Counter.MOVED_PAGE_DATA_MOVEMENTS).key(),
            Scalar.of(Counter.EVICTIONS_CAUSED).key(),
            Scalar.of(Counter.PSWPIN).key(),
            Scalar.of(Latency.GUEST_ACCESS_LATENCY_NS, Statistic.MEAN).key(),
            Scalar.of(Counter.GUEST_ACCESSES).key());

    /** The policies compared to {@code naive} in ratios. */
    public static final List<String> RATIO_POLICIES = List.of("copyless", "copyless-holdback");

    /**
     * One combination of parameter values over its seeds.
     *
     * @param values  parameter -> value, in the grid's order
     * @param seeds   the seeds of its rows, in point order
     * @param metrics column ({@code policy.metric}) -> mean and interval over the seeds
     * @param ratios  {@code policy/naive.metric} -> ratio of the means and its interval
     */
    public record Group(Map<String, String> values, List<Long> seeds, Map<String, Estimate> metrics,
                        Map<String, Estimate> ratios) {}

    /** Groups {@code rows} (sorted by point) by the values of {@code parameters}, in order of first appearance. */
    public static List<Group> of(List<String> parameters, List<Map<String, Object>> rows) {
        Map<String, List<Map<String, Object>>> byKey = new LinkedHashMap<>();
        for (Map<String, Object> r : rows) {
            StringBuilder k = new StringBuilder();
            for (String p : parameters) {
                k.append(r.get(p)).append('\u0000');
            }
            byKey.computeIfAbsent(k.toString(), x -> new ArrayList<>()).add(r);
        }
        Set<String> skip = new java.util.HashSet<>(parameters);
        skip.add("point");
        skip.add("seed");
        List<Group> out = new ArrayList<>();
        for (List<Map<String, Object>> g : byKey.values()) {
            Map<String, String> values = new LinkedHashMap<>();
            for (String p : parameters) {
                values.put(p, String.valueOf(g.get(0).get(p)));
            }
            List<Long> seeds = new ArrayList<>();
            for (Map<String, Object> r : g) {
                seeds.add(((Number) r.get("seed")).longValue());
            }
            Map<String, Estimate> metrics = new LinkedHashMap<>();
            for (String col : g.get(0).keySet()) {
                double[] v = column(g, col);
                if (!skip.contains(col) && v != null) {
                    metrics.put(col, SeedStatistics.meanCi95(v));
                }
            }
            Map<String, Estimate> ratios = new LinkedHashMap<>();
            for (String policy : RATIO_POLICIES) {
                for (String col : metrics.keySet()) {
                    if (!col.startsWith("naive.")) {
                        continue;
                    }
                    String metric = col.substring("naive.".length());
                    double[] x = column(g, policy + "." + metric);
                    double[] y = column(g, col);
                    if (x != null && y != null) {
                        ratios.put(policy + "/naive." + metric, SeedStatistics.ratioCi95(x, y));
                    }
                }
            }
            out.add(new Group(values, seeds, metrics, ratios));
        }
        return out;
    }

    /** The column's numbers over the group's rows; null when any is missing or not a number (NaN counts as missing). */
    private static double[] column(List<Map<String, Object>> g, String col) {
        double[] v = new double[g.size()];
        for (int i = 0; i < v.length; i++) {
            if (!(g.get(i).get(col) instanceof Number n) || Double.isNaN(n.doubleValue())) {
                return null;
            }
            v[i] = n.doubleValue();
        }
        return v;
    }

    /**
     * summary.csv: one line per group: the parameter values, {@code runs}, then for every metric and
     * every ratio its {@code .mean}, {@code .ci95_lo} and {@code .ci95_hi} (empty where a ratio is not
     * defined: naive's mean was 0). The header is the union of the groups' columns, in first-seen order.
     */
    public static String csv(List<String> parameters, List<Group> groups) {
        List<String> cols = new ArrayList<>();
        for (Group g : groups) {
            for (String c : g.metrics().keySet()) {
                if (!cols.contains(c)) {
                    cols.add(c);
                }
            }
            for (String c : g.ratios().keySet()) {
                if (!cols.contains(c)) {
                    cols.add(c);
                }
            }
        }
        List<String> header = new ArrayList<>(parameters);
        header.add("runs");
        for (String c : cols) {
            header.add(c + ".mean");
            header.add(c + ".ci95_lo");
            header.add(c + ".ci95_hi");
        }
        StringBuilder b = new StringBuilder(String.join(",", header)).append('\n');
        for (Group g : groups) {
            Map<String, Object> row = new LinkedHashMap<>(g.values());
            row.put("runs", g.seeds().size());
            for (String c : cols) {
                Estimate e = g.metrics().containsKey(c) ? g.metrics().get(c) : g.ratios().get(c);
                if (e != null && e.defined()) {
                    row.put(c + ".mean", num(e.mean()));
                    row.put(c + ".ci95_lo", num(e.lo()));
                    row.put(c + ".ci95_hi", num(e.hi()));
                }
            }
            b.append(SweepRows.csvLine(header, row)).append('\n');
        }
        return b.toString();
    }

    /** A number as CSV text: whole numbers without a fraction, others with up to 17 significant digits. */
    static String num(double d) {
        if (d == Math.rint(d) && Math.abs(d) < 1e15) {
            return Long.toString((long) d);
        }
        return Double.toString(d);
    }

    /**
     * The terminal table: per group, its values, the number of runs, and each {@link #HEADLINE}
     * metric's copyless/naive ratio as {@code mean ± half-width} (no interval for one run).
     */
    public static String table(List<String> parameters, List<Group> groups) {
        List<String> head = new ArrayList<>(parameters);
        head.add("runs");
        for (String m : HEADLINE) {
            head.add("copyless/naive " + m);
        }
        List<List<String>> lines = new ArrayList<>();
        lines.add(head);
        for (Group g : groups) {
            List<String> l = new ArrayList<>(g.values().values());
            l.add(Integer.toString(g.seeds().size()));
            for (String m : HEADLINE) {
                Estimate e = g.ratios().get("copyless/naive." + m);
                l.add(e == null || !e.defined() ? "-" : g.seeds().size() == 1
                        ? String.format(Locale.ROOT, "%.3f", e.mean())
                        : String.format(Locale.ROOT, "%.3f ± %.3f", e.mean(), e.halfWidth()));
            }
            lines.add(l);
        }
        int[] w = new int[head.size()];
        for (List<String> l : lines) {
            for (int i = 0; i < l.size(); i++) {
                w[i] = Math.max(w[i], l.get(i).length());
            }
        }
        StringBuilder b = new StringBuilder();
        for (List<String> l : lines) {
            for (int i = 0; i < l.size(); i++) {
                String cell = l.get(i);
                b.append(i == 0 ? "" : "  ").append(i < parameters.size() ? String.format("%-" + w[i] + "s", cell)
                        : String.format("%" + w[i] + "s", cell));
            }
            b.append('\n');
        }
        return b.toString();
    }
}
