package dev.copyless.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.copyless.metrics.RunResult;
import dev.copyless.scenario.Scenario;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Prints results: a side-by-side table (headline metrics first, then every counter, then
 * latency summaries), or one JSON object
 * {@code {"scenario": {...}, "policies": {"none": {...}, ...}}}.
 */
final class Output {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** Metrics shown first, in this order: what the invention changes. */
    static final List<String> HEADLINE = List.of(
            "balanced_moved_pages", "moved_page_data_movements", "data_movements_per_balanced_moved_page",
            "swapped_page_interconnect_bytes", "moved_page_interconnect_bytes", "interconnect_bytes",
            "evictions_caused", "pages_brought_back", "pswpin", "pswpout", "pgmajfault", "hypercalls",
            "hypercall_pages", "numa_pages_migrated", "freed_gfns_still_backed", "remote_access_fraction");

    /** Content verification gauges: in the table only when they mean something (real bytes or fault injection). */
    static final List<String> VERIFICATION = List.of("pages_verified", "pages_lost", "pages_lost_silently");

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
        boolean ratio = results.containsKey("naive") && results.containsKey("copyless");
        StringBuilder head = new StringBuilder(String.format(Locale.ROOT, "%-40s", "metric"));
        for (String c : cols) {
            head.append(String.format(Locale.ROOT, "%16s", c));
        }
        if (ratio) {
            head.append(String.format(Locale.ROOT, "%16s", "copyless/naive"));
        }
        out.println(head);
        out.println("-".repeat(head.length()));
        List<String> names = new ArrayList<>(HEADLINE);
        RunResult first = results.values().iterator().next();
        for (Map.Entry<String, Object> e : first.metrics().entrySet()) {
            if (e.getValue() instanceof Number && !names.contains(e.getKey())
                    && (verification || !VERIFICATION.contains(e.getKey()))) {
                names.add(e.getKey());
            }
        }
        for (int i = 0; i < names.size(); i++) {
            if (i == HEADLINE.size()) {
                out.println();
            }
            row(out, names.get(i), cols, results, ratio);
        }
        out.println();
        for (String h : List.of("balancing_migration_latency_ns", "guest_access_latency_ns")) {
            for (String q : List.of("p50", "p99", "mean")) {
                StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-40s", h + " " + q));
                double n = Double.NaN;
                double c = Double.NaN;
                for (String col : cols) {
                    Object v = ((Map<?, ?>) results.get(col).metrics().get(h)).get(q);
                    double d = ((Number) v).doubleValue();
                    if (col.equals("naive")) {
                        n = d;
                    }
                    if (col.equals("copyless")) {
                        c = d;
                    }
                    line.append(String.format(Locale.ROOT, "%16s", fmt(d)));
                }
                if (ratio) {
                    line.append(String.format(Locale.ROOT, "%16s", ratio(c, n)));
                }
                out.println(line);
            }
        }
    }

    /**
     * Warns on {@code err} about every policy whose run lost pages: how many, then each lost gfn
     * with its reason (the first {@link #LOST_PAGES_SHOWN}). Nothing when no page was lost.
     */
    static void warnLostPages(PrintWriter err, Map<String, RunResult> results) {
        results.forEach((policy, r) -> {
            List<Map<String, Object>> lost = r.lostPages();
            if (lost.isEmpty()) {
                return;
            }
            err.printf(Locale.ROOT, "warning: policy %s lost %,d page(s); their data is gone, never silently replaced:%n",
                    policy, lost.size());
            for (int i = 0; i < Math.min(lost.size(), LOST_PAGES_SHOWN); i++) {
                Map<String, Object> p = lost.get(i);
                err.printf(Locale.ROOT, "  vm %s gfn %s: %s%n", p.get("vm"), p.get("gfn"), p.get("reason"));
            }
            if (lost.size() > LOST_PAGES_SHOWN) {
                err.printf(Locale.ROOT, "  ... and %,d more (all in --format json, lost_pages)%n", lost.size() - LOST_PAGES_SHOWN);
            }
        });
        err.flush();
    }

    private static void row(PrintWriter out, String name, List<String> cols, Map<String, RunResult> results, boolean ratio) {
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-40s", name));
        for (String c : cols) {
            line.append(String.format(Locale.ROOT, "%16s", fmt(results.get(c).number(name))));
        }
        if (ratio) {
            line.append(String.format(Locale.ROOT, "%16s",
                    ratio(results.get("copyless").number(name), results.get("naive").number(name))));
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
