package dev.copyless.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.copyless.balancer.BalancingPolicy;
import dev.copyless.metrics.Detail;
import dev.copyless.metrics.Gauge;
import dev.copyless.metrics.Latency;
import dev.copyless.metrics.Metric;
import dev.copyless.metrics.MetricCatalogue;
import dev.copyless.metrics.RunResult;
import dev.copyless.metrics.Scalar;
import dev.copyless.metrics.Statistic;
import dev.copyless.scenario.Scenario;
import dev.copyless.scenario.StockLinux;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Prints results: a side-by-side table (the {@linkplain MetricCatalogue#HEADLINE headline}
 * metrics first, then every other number of the catalogue, then latency summaries; a column per
 * policy, then {@code copyless/naive} and {@code copyless-holdback/naive}), or one JSON object
 * {@code {"scenario": {...}, "policies": {"none": {...}, ...}}}. {@link SeedOutput} prints the
 * same with {@code --seeds N}.
 */
final class Output {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** The latency statistics the table shows for each {@link Latency}, in this order. */
    static final List<Statistic> TABLE_STATISTICS = List.of(Statistic.P50, Statistic.P99, Statistic.MEAN);

    /** Lost pages listed one by one in a warning before "and N more". */
    static final int LOST_PAGES_SHOWN = 20;

    private Output() {}

    static Map<String, Object> scenarioInfo(Scenario s, String source, String backend) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", s.name());
        m.put("source", source);
        m.put("backend", backend);
        m.put("seed", s.seed());
        m.put("duration_ns", s.durationNs());
        m.put("host_nodes", s.host().nodes().size());
        m.put("swap_devices", s.host().swap().stream().map(w -> w.name() + ":" + w.profile()).toList());
        m.put("vms", s.vms().size());
        m.put("copyless_order", s.copyless().order());
        m.put("hypercall_batch", s.copyless().batch());
        m.put("fault_around", s.balancer().faultAround());
        m.put("real_bytes", s.host().realBytes());
        m.put("swap_faults", s.faults().enabled());
        Map<String, Object> notStock = new LinkedHashMap<>();
        for (StockLinux.Deviation d : StockLinux.deviations(s)) {
            notStock.put(d.key(), Map.of("value", d.value(), "linux", d.stock()));
        }
        m.put("not_stock", notStock);
        return m;
    }

    static void json(PrintWriter out, Scenario s, String source, String backend, Map<String, RunResult> results) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("scenario", scenarioInfo(s, source, backend));
        Map<String, Object> pol = new LinkedHashMap<>();
        results.forEach((k, v) -> pol.put(k, v.metrics()));
        root.put("policies", pol);
        printJson(out, root);
    }

    /** Prints a value as indented JSON (the one JSON writer of the CLI's outputs). */
    static void printJson(PrintWriter out, Object value) {
        try {
            out.println(JSON.writeValueAsString(value));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static void table(PrintWriter out, Scenario s, String source, String backend, Map<String, RunResult> results) {
        out.printf(Locale.ROOT, "%s%n%s%n", title(s, source, backend, "seed " + s.seed()), notStockLine(s));
        List<String> cols = new ArrayList<>(results.keySet());
        List<String> ratios = ratioColumns(results.keySet());
        RunResult first = results.values().iterator().next();
        printRows(out, s, backend, first, cols, ratios, COLUMN, x -> {
            List<String> cells = new ArrayList<>();
            for (String c : cols) {
                cells.add(fmt(results.get(c).value(x)));
            }
            for (String r : ratios) {
                cells.add(ratio(results.get(r).value(x), results.get(BalancingPolicy.RATIO_BASE).value(x)));
            }
            return cells;
        });
    }

    /** The first line of a table: scenario, source, backend, the seed(s), the copyless options. */
    static String title(Scenario s, String source, String backend, String seeds) {
        return String.format(Locale.ROOT, "scenario '%s' (%s) on the %s host, %s, %s virtual; copyless: %s, batch %d, fault-around %d%s%s",
                s.name(), source, backend, seeds, ms(s.durationNs()), s.copyless().order(),
                s.copyless().batch(), s.balancer().faultAround(), s.host().realBytes() ? "; real bytes" : "",
                s.faults().enabled() ? "; swap faults injected" : "");
    }

    /**
     * The line under the title that names every value the scenario sets otherwise than stock Linux
     * ({@link StockLinux}), or "stock Linux parameters", and an empty line.
     */
    static String notStockLine(Scenario s) {
        List<StockLinux.Deviation> d = StockLinux.deviations(s);
        if (d.isEmpty()) {
            return String.format(Locale.ROOT, "stock Linux NUMA balancing, reclaim and promotion parameters%n");
        }
        return String.format(Locale.ROOT, "not stock Linux: %s%n",
                String.join(", ", d.stream().map(StockLinux.Deviation::toString).toList()));
    }

    /** Width of a value column of the single-seed table. */
    static final int COLUMN = 16;

    /**
     * The ratio columns a table prints for these policies: each of {@link BalancingPolicy#RATIO_KEYS}
     * that ran, when {@link BalancingPolicy#RATIO_BASE} ran too.
     */
    static List<String> ratioColumns(java.util.Collection<String> policies) {
        if (!policies.contains(BalancingPolicy.RATIO_BASE)) {
            return List.of();
        }
        return BalancingPolicy.RATIO_KEYS.stream().filter(policies::contains).toList();
    }

    /** A ratio column's heading: {@code copyless/naive}. */
    static String ratioName(String policy) {
        return policy + "/" + BalancingPolicy.RATIO_BASE;
    }

    /**
     * The rows of a table, shared by the single-seed and the {@code --seeds} table: the heading
     * (policies, then ratio columns, each at least {@code width} wide), the headline metrics, the
     * other numbers the run holds, then the latency statistics; {@code cells} gives one row's cells.
     */
    static void printRows(PrintWriter out, Scenario s, String backend, RunResult first, List<String> cols,
                          List<String> ratios, int width, java.util.function.Function<Scalar, List<String>> cells) {
        boolean verification = s.host().realBytes() || s.faults().enabled() || backend.equals("linux");
        List<String> heads = new ArrayList<>(cols);
        ratios.forEach(r -> heads.add(ratioName(r)));
        int[] widths = new int[heads.size()];
        StringBuilder head = new StringBuilder(String.format(Locale.ROOT, "%-40s", "metric"));
        for (int i = 0; i < heads.size(); i++) {
            widths[i] = Math.max(width, heads.get(i).length() + 2);
            head.append(String.format(Locale.ROOT, "%" + widths[i] + "s", heads.get(i)));
        }
        out.println(head);
        out.println("-".repeat(head.length()));
        List<Scalar> rows = new ArrayList<>();
        MetricCatalogue.HEADLINE.forEach(m -> rows.add(Scalar.of(m)));
        for (Metric m : MetricCatalogue.ALL) {
            if (m.scalar() && !m.headline() && first.has(m)
                    && (verification || !(m instanceof Gauge g && g.scope() == Gauge.Scope.CONTENT_CHECK))) {
                rows.add(Scalar.of(m));
            }
        }
        for (int i = 0; i < rows.size(); i++) {
            if (i == MetricCatalogue.HEADLINE.size()) {
                out.println();
            }
            row(out, rows.get(i), widths, cells);
        }
        out.println();
        for (Latency l : Latency.values()) {
            for (Statistic q : TABLE_STATISTICS) {
                row(out, Scalar.of(l, q), widths, cells);
            }
        }
    }

    /**
     * Warns on {@code err} about every policy whose run lost pages: how many, then each lost gfn
     * with its reason (the first {@link #LOST_PAGES_SHOWN}). Nothing when no page was lost.
     */
    static void warnLostPages(PrintWriter err, Map<String, RunResult> results) {
        results.forEach((policy, r) -> {
            List<RunResult.LostPage> lost = r.lostPages();
            if (lost.isEmpty()) {
                return;
            }
            err.printf(Locale.ROOT, "warning: policy %s lost %,d page(s); their data is gone, never silently replaced:%n",
                    policy, lost.size());
            for (int i = 0; i < Math.min(lost.size(), LOST_PAGES_SHOWN); i++) {
                RunResult.LostPage p = lost.get(i);
                err.printf(Locale.ROOT, "  vm %s gfn %s: %s%n", p.vm(), p.gfn(), p.reason());
            }
            if (lost.size() > LOST_PAGES_SHOWN) {
                err.printf(Locale.ROOT, "  ... and %,d more (all in --format json, %s)%n", lost.size() - LOST_PAGES_SHOWN,
                        Detail.LOST_PAGES.metricName());
            }
        });
        err.flush();
    }

    /** One row: the number's key, then its cells (each policy's value, then each ratio to naive). */
    private static void row(PrintWriter out, Scalar x, int[] widths,
                            java.util.function.Function<Scalar, List<String>> cells) {
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-40s", x.metric().metricName()
                + (x.statistic() == null ? "" : " " + x.statistic().key())));
        List<String> c = cells.apply(x);
        for (int i = 0; i < c.size(); i++) {
            line.append(String.format(Locale.ROOT, "%" + widths[i] + "s", c.get(i)));
        }
        out.println(line);
    }

    static String ratio(double a, double b) {
        if (b == 0) {
            return a == 0 ? "-" : "inf";
        }
        return String.format(Locale.ROOT, "%.3f", a / b);
    }

    static String fmt(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return String.format(Locale.ROOT, "%,d", (long) v);
        }
        return String.format(Locale.ROOT, "%.4f", v);
    }

    static String ms(long ns) {
        return ns % 1_000_000_000L == 0 ? ns / 1_000_000_000L + "s" : String.format(Locale.ROOT, "%.3fms", ns / 1e6);
    }
}
