package dev.copyless.cli;

import dev.copyless.balancer.BalancingPolicy;
import dev.copyless.metrics.Detail;
import dev.copyless.metrics.Latency;
import dev.copyless.metrics.Metric;
import dev.copyless.metrics.MetricCatalogue;
import dev.copyless.metrics.RunResult;
import dev.copyless.metrics.Scalar;
import dev.copyless.metrics.SeedStatistics;
import dev.copyless.metrics.SeedStatistics.Estimate;
import dev.copyless.metrics.Statistic;
import dev.copyless.scenario.Scenario;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Prints the results of {@code --seeds N} (N > 1): every policy ran once per seed, and each
 * number is shown as its mean and 95% confidence interval ({@link SeedStatistics}), per policy
 * and for each ratio to {@link BalancingPolicy#RATIO_BASE}.
 *
 * <ul>
 *   <li>Table: {@code mean ± half-width} per policy; each ratio column shows the ratio of the
 *       means {@code ± half-width} of its delta-method interval ({@code -} when naive's mean is 0).</li>
 *   <li>JSON: {@code {"scenario": {..., "seeds": [...]}, "policies": {policy: {metric: ...}},
 *       "ratios": {"copyless/naive": {number: ...}}}}. Each counter, gauge and ratio of a policy
 *       becomes {@code {"mean": M, "ci95": [LO, HI], "values": [one per seed]}}; a latency
 *       summary becomes one such object per statistic; a list ({@code lost_pages}, the
 *       time series) becomes {@code {"values": [one per seed]}}. Under {@code "ratios"} every
 *       number (latency statistics as {@code guest_access_latency_ns.p99}) has the same shape,
 *       {@code values} being the per-seed ratios and {@code null} where naive's value is 0.</li>
 * </ul>
 */
final class SeedOutput {
    private SeedOutput() {}

    /** Width of a value column of the {@code --seeds} table ({@code 4,551,234 ± 12,345}). */
    static final int COLUMN = 24;

    /** The seeds of {@code --seeds n}: the scenario's seed and the {@code n - 1} that follow it. */
    static List<Long> seeds(long first, int n) {
        List<Long> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(first + i);
        }
        return out;
    }

    static void table(PrintWriter out, Scenario s, String source, String backend, Map<String, List<RunResult>> results,
                      List<Long> seeds) {
        out.printf(Locale.ROOT, "%s%n", Output.title(s, source, backend,
                "seeds " + seeds.getFirst() + ".." + seeds.getLast()));
        out.print(Output.notStockLine(s));
        out.printf(Locale.ROOT, "each cell: mean ± half-width of the 95%% confidence interval over %d seeds (Student t);"
                + " ratios: ratio of the means ± its delta-method half-width (docs/METRICS.md)%n%n", seeds.size());
        List<String> cols = new ArrayList<>(results.keySet());
        List<String> ratios = Output.ratioColumns(results.keySet());
        RunResult first = results.values().iterator().next().getFirst();
        Output.printRows(out, s, backend, first, cols, ratios, COLUMN, x -> {
            List<String> cells = new ArrayList<>();
            for (String c : cols) {
                Estimate e = SeedStatistics.meanCi95(values(results.get(c), x));
                cells.add(number(e.mean()) + " ± " + number(e.halfWidth()));
            }
            for (String r : ratios) {
                Estimate e = SeedStatistics.ratioCi95(values(results.get(r), x),
                        values(results.get(BalancingPolicy.RATIO_BASE), x));
                cells.add(e.defined() ? String.format(Locale.ROOT, "%.3f ± %.3f", e.mean(), e.halfWidth()) : "-");
            }
            return cells;
        });
    }

    static void json(PrintWriter out, Scenario s, String source, String backend, Map<String, List<RunResult>> results,
                     List<Long> seeds) {
        Map<String, Object> root = new LinkedHashMap<>();
        Map<String, Object> info = Output.scenarioInfo(s, source, backend);
        info.put("seeds", seeds);
        root.put("scenario", info);
        Map<String, Object> pol = new LinkedHashMap<>();
        results.forEach((k, v) -> pol.put(k, policy(v)));
        root.put("policies", pol);
        List<String> ratios = Output.ratioColumns(results.keySet());
        if (!ratios.isEmpty()) {
            Map<String, Object> rat = new LinkedHashMap<>();
            for (String r : ratios) {
                rat.put(Output.ratioName(r), ratios(results.get(r), results.get(BalancingPolicy.RATIO_BASE)));
            }
            root.put("ratios", rat);
        }
        Output.printJson(out, root);
    }

    /** One policy's metrics over the seeds, in catalogue order. */
    private static Map<String, Object> policy(List<RunResult> runs) {
        RunResult first = runs.getFirst();
        Map<String, Object> m = new LinkedHashMap<>();
        for (Metric metric : MetricCatalogue.ALL) {
            if (!first.has(metric)) {
                continue;
            }
            switch (metric) {
                case Latency l -> {
                    Map<String, Object> summary = new LinkedHashMap<>();
                    for (Statistic q : Statistic.values()) {
                        summary.put(q.key(), estimate(runs, Scalar.of(l, q)));
                    }
                    m.put(l.metricName(), summary);
                }
                case Detail d -> {
                    List<Object> perSeed = new ArrayList<>();
                    runs.forEach(r -> perSeed.add(r.metrics().get(d.metricName())));
                    m.put(d.metricName(), Map.of("values", perSeed));
                }
                default -> m.put(metric.metricName(), estimate(runs, Scalar.of(metric)));
            }
        }
        return m;
    }

    private static Map<String, Object> estimate(List<RunResult> runs, Scalar x) {
        Estimate e = SeedStatistics.meanCi95(values(runs, x));
        List<Number> vs = new ArrayList<>();
        runs.forEach(r -> vs.add(r.json(x)));
        return object(e, vs);
    }

    /** Every number's ratio of means to the base policy, keyed as the CSV columns are. */
    private static Map<String, Object> ratios(List<RunResult> num, List<RunResult> den) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (Scalar x : scalars(num.getFirst())) {
            double[] a = values(num, x);
            double[] b = values(den, x);
            List<Number> perSeed = new ArrayList<>();
            for (int i = 0; i < a.length; i++) {
                perSeed.add(b[i] == 0 ? null : round(a[i] / b[i]));
            }
            m.put(x.key(), object(SeedStatistics.ratioCi95(a, b), perSeed));
        }
        return m;
    }

    /** Every number a run holds: scalar metrics, then each statistic of each latency summary. */
    private static List<Scalar> scalars(RunResult r) {
        List<Scalar> out = new ArrayList<>();
        for (Metric m : MetricCatalogue.ALL) {
            if (m.scalar() && r.has(m)) {
                out.add(Scalar.of(m));
            }
        }
        for (Latency l : Latency.values()) {
            for (Statistic q : Statistic.values()) {
                out.add(Scalar.of(l, q));
            }
        }
        return out;
    }

    private static Map<String, Object> object(Estimate e, List<Number> values) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("mean", e.defined() ? round(e.mean()) : null);
        o.put("ci95", e.defined() ? List.of(round(e.lo()), round(e.hi())) : null);
        o.put("values", values);
        return o;
    }

    static double[] values(List<RunResult> runs, Scalar x) {
        return runs.stream().mapToDouble(r -> r.value(x)).toArray();
    }

    /** A mean or half-width, compactly: an integer as one, grouped integers from 100, else 2 or 4 decimals. */
    static String number(double v) {
        double a = Math.abs(v);
        if (a >= 100 || v == Math.rint(v)) {
            return String.format(Locale.ROOT, "%,.0f", v);
        }
        return String.format(Locale.ROOT, a >= 1 ? "%.2f" : "%.4f", v);
    }

    /** Rounded to four decimals for JSON, as the ratios of one run are; null for NaN or infinity. */
    static Double round(double v) {
        return Double.isNaN(v) || Double.isInfinite(v) ? null : Math.round(v * 10_000) / 10_000.0;
    }
}
