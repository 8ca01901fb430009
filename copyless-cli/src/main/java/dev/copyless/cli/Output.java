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
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Prints results: a side-by-side table (the {@linkplain MetricCatalogue#HEADLINE headline}
 * metrics first, then every other number of the catalogue, then latency summaries), or one JSON object
 * {@code {"scenario": {...}, "policies": {"none": {...}, ...}}}.
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
        m.put("hold_back", s.copyless().holdBack());
        m.put("hypercall_batch", s.copyless().batch());
        m.put("fault_around", s.balancer().faultAround());
        m.put("real_bytes", s.host().realBytes());
        m.put("swap_faults", s.faults().enabled());
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
        out.printf(Locale.ROOT, "scenario '%s' (%s) on the %s host, seed %d, %s virtual; copyless: %s, hold-back %s, batch %d, fault-around %d%s%s%n%n",
                s.name(), source, backend, s.seed(), ms(s.durationNs()), s.copyless().order(), s.copyless().holdBack() ? "on" : "off",
                s.copyless().batch(), s.balancer().faultAround(), s.host().realBytes() ? "; real bytes" : "",
                s.faults().enabled() ? "; swap faults injected" : "");
        boolean verification = s.host().realBytes() || s.faults().enabled() || backend.equals("linux");
        List<String> cols = new ArrayList<>(results.keySet());
        boolean ratio = results.containsKey(BalancingPolicy.NAIVE) && results.containsKey(BalancingPolicy.COPYLESS);
        StringBuilder head = new StringBuilder(String.format(Locale.ROOT, "%-40s", "metric"));
        for (String c : cols) {
            head.append(String.format(Locale.ROOT, "%16s", c));
        }
        if (ratio) {
            head.append(String.format(Locale.ROOT, "%16s", "copyless/naive"));
        }
        out.println(head);
        out.println("-".repeat(head.length()));
        List<Scalar> rows = new ArrayList<>();
        MetricCatalogue.HEADLINE.forEach(m -> rows.add(Scalar.of(m)));
        RunResult first = results.values().iterator().next();
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
            row(out, rows.get(i), cols, results, ratio);
        }
        out.println();
        for (Latency l : Latency.values()) {
            for (Statistic q : TABLE_STATISTICS) {
                row(out, Scalar.of(l, q), cols, results, ratio);
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

    /** One row: the number's key, its value under each policy, and copyless/naive when both ran. */
    private static void row(PrintWriter out, Scalar x, List<String> cols, Map<String, RunResult> results, boolean ratio) {
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-40s", x.metric().metricName()
                + (x.statistic() == null ? "" : " " + x.statistic().key())));
        for (String c : cols) {
            line.append(String.format(Locale.ROOT, "%16s", fmt(results.get(c).value(x))));
        }
        if (ratio) {
            line.append(String.format(Locale.ROOT, "%16s",
                    ratio(results.get(BalancingPolicy.COPYLESS).value(x), results.get(BalancingPolicy.NAIVE).value(x))));
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

    private static String ms(long ns) {
        return ns % 1_000_000_000L == 0 ? ns / 1_000_000_000L + "s" : String.format(Locale.ROOT, "%.3fms", ns / 1e6);
    }
}
