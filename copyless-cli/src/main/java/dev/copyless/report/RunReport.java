package dev.copyless.report;

import static dev.copyless.balancer.BalancingPolicy.COPYLESS;
import static dev.copyless.balancer.BalancingPolicy.COPYLESS_HOLDBACK;
import static dev.copyless.balancer.BalancingPolicy.NAIVE;
import static dev.copyless.balancer.BalancingPolicy.NONE;

import dev.copyless.balancer.BalancingPolicy;
import dev.copyless.metrics.Counter;
import dev.copyless.metrics.Latency;
import dev.copyless.metrics.LatencySummary;
import dev.copyless.metrics.Metric;
import dev.copyless.metrics.MetricCatalogue;
import dev.copyless.metrics.Ratio;
import dev.copyless.metrics.RunResult;
import dev.copyless.metrics.Scalar;
import dev.copyless.metrics.Statistic;
import dev.copyless.metrics.Unit;
import java.awt.Color;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategorySeries;
import org.knowm.xchart.HorizontalBarChart;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.style.Styler;

/**
 * The report of a {@code run} or {@code compare}: draws its charts (remote-access fraction,
 * data movements by kind, swap I/O, interconnect bytes, balancing-migration latency, and what
 * copyless saved against naive) and lays out report.html around them: scenario, headline
 * numbers in words, the headline table with copyless/naive ratios, then captioned charts.
 */
final class RunReport {
    /** The data-movement kinds of chart (b): together they make up every 4 KiB data movement of a run. */
    static final List<Counter> MOVEMENT_KINDS = List.of(Counter.PSWPIN, Counter.PSWPOUT, Counter.GUEST_PAGE_COPIES,
            Counter.HOST_PAGE_COPIES);

    private static final Color[] KIND_COLORS = {Charts.ORANGE, Charts.SKY, Charts.GREEN, Charts.PURPLE};

    /** Rows of the headline table after the catalogue's headline metrics: the latencies that matter most. */
    static final List<Scalar> LATENCY_ROWS = List.of(Scalar.of(Latency.GUEST_ACCESS_LATENCY_NS, Statistic.MEAN),
            Scalar.of(Latency.BALANCING_MIGRATION_LATENCY_NS, Statistic.P50),
            Scalar.of(Latency.BALANCING_MIGRATION_LATENCY_NS, Statistic.P99));

    /** One ratio of the savings chart: its label, and the number it divides. */
    private record Saving(String label, Scalar value) {}

    private static final Scalar GUEST_MEAN = Scalar.of(Latency.GUEST_ACCESS_LATENCY_NS, Statistic.MEAN);

    private static final List<Saving> SAVINGS = List.of(
            new Saving("data movements per balanced moved page", Scalar.of(Ratio.DATA_MOVEMENTS_PER_BALANCED_MOVED_PAGE)),
            new Saving("moved-page data movements", Scalar.of(Counter.MOVED_PAGE_DATA_MOVEMENTS)),
            new Saving("moved-page interconnect bytes", Scalar.of(Counter.MOVED_PAGE_INTERCONNECT_BYTES)),
            new Saving("all interconnect bytes", Scalar.of(Counter.INTERCONNECT_BYTES)),
            new Saving("evictions caused", Scalar.of(Counter.EVICTIONS_CAUSED)),
            new Saving("swap reads (pswpin)", Scalar.of(Counter.PSWPIN)),
            new Saving("swap writes (pswpout)", Scalar.of(Counter.PSWPOUT)),
            new Saving("major faults (pgmajfault)", Scalar.of(Counter.PGMAJFAULT)),
            new Saving("mean guest access latency", GUEST_MEAN),
            new Saving("mean balancing-migration latency", Scalar.of(Latency.BALANCING_MIGRATION_LATENCY_NS, Statistic.MEAN)));

    private final Map<String, Object> scenario;
    private final Map<String, RunResult> results;
    private final List<String> policies;
    private final boolean comparable;
    /** File name -> PNG bytes, in page order. */
    final Map<String, byte[]> pngs = new LinkedHashMap<>();

    RunReport(Map<String, Object> scenario, Map<String, RunResult> results) {
        this.scenario = scenario;
        this.results = results;
        this.policies = new ArrayList<>(results.keySet());
        this.comparable = results.containsKey(NAIVE) && results.containsKey(COPYLESS);
    }

    // ---------------------------------------------------------------- reading metrics

    /** One number of a result; NaN when the run does not hold it. */
    static double value(RunResult r, Scalar x) {
        return r.has(x) ? r.value(x) : Double.NaN;
    }

    private double value(String policy, Scalar x) {
        return value(results.get(policy), x);
    }

    private double value(String policy, Metric m) {
        return value(policy, Scalar.of(m));
    }

    private static double[] doubles(List<? extends Number> l, double scale) {
        double[] d = new double[l.size()];
        for (int i = 0; i < d.length; i++) {
            d[i] = l.get(i).doubleValue() * scale;
        }
        return d;
    }

    private RunResult.CountersOverTime overTime(String policy) {
        return results.get(policy).countersOverTime();
    }

    /** The end of each time bucket of a policy's run, in ms. */
    private double[] times(String policy) {
        return doubles(overTime(policy).tMs(), 1);
    }

    /** A sampled counter's cumulative values, bucket by bucket, times {@code scale}. */
    private double[] sampled(String policy, Counter c, double scale) {
        return doubles(overTime(policy).of(c), scale);
    }

    private double ratio(Scalar x) {
        return ratio(COPYLESS, x);
    }

    /** {@code policy / naive} for one number; NaN when undefined or when either did not run. */
    private double ratio(String policy, Scalar x) {
        if (!results.containsKey(policy)) {
            return Double.NaN;
        }
        double n = value(NAIVE, x);
        double c = value(policy, x);
        return n == 0 || Double.isNaN(n) || Double.isNaN(c) ? Double.NaN : c / n;
    }

    /** The policies with a ratio to naive in this report: copyless, and copyless-holdback if it ran. */
    private List<String> ratioPolicies() {
        return comparable ? BalancingPolicy.RATIO_KEYS.stream().filter(results::containsKey).toList() : List.of();
    }

    private double ratio(Metric m) {
        return ratio(Scalar.of(m));
    }

    // ---------------------------------------------------------------- charts

    private void charts() {
        pngs.put("remote-access-fraction.png", Charts.png(remoteFraction()));
        pngs.put("data-movements.png", Charts.pngRow(movements()));
        pngs.put("swap-io.png", Charts.pngRow(swap()));
        pngs.put("interconnect-bytes.png", Charts.png(interconnect()));
        XYChart links = linkUtilisation();
        if (links != null) {
            pngs.put("link-utilisation.png", Charts.png(links));
        }
        CategoryChart lat = latency();
        if (lat != null) {
            pngs.put("migration-latency.png", Charts.png(lat));
        }
        if (comparable) {
            pngs.put("savings.png", Charts.png(savings()));
        }
    }

    private XYChart remoteFraction() {
        XYChart c = Charts.xy("Remote-access fraction over time", "virtual time (ms)",
                "remote accesses (% of guest accesses)", Charts.WIDTH, Charts.HEIGHT);
        double max = 0;
        for (int i = 0; i < policies.size(); i++) {
            String p = policies.get(i);
            List<RunResult.RemoteFraction> pts = results.get(p).remoteFractionOverTime();
            double[] x = new double[pts.size()];
            double[] y = new double[pts.size()];
            for (int j = 0; j < pts.size(); j++) {
                x[j] = pts.get(j).tMs();
                y[j] = pts.get(j).remoteFraction() * 100;
                max = Math.max(max, y[j]);
            }
            if (x.length > 0) {
                Charts.line(c, p, x, y, Charts.policyColor(p, i), Charts.SOLID);
            }
        }
        c.getStyler().setYAxisMin(0.0);
        timeAxis(c);
        c.getStyler().setYAxisMax(Math.min(100, niceMax(max)));
        c.getStyler().setYAxisTickLabelsFormattingFunction(Charts.compactWith("%"));
        c.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
        return c;
    }

    private List<XYChart> movements() {
        double max = 0;
        for (String p : policies) {
            double[] total = totalMovements(p);
            for (double t : total) {
                max = Math.max(max, t);
            }
        }
        int w = policies.size() == 1 ? Charts.WIDTH : Math.max(380, (Charts.WIDTH + 300) / policies.size());
        List<XYChart> out = new ArrayList<>();
        for (String p : policies) {
            double[] t = times(p);
            XYChart c = Charts.xy(p, "virtual time (ms)",
                    "4 KiB data movements, cumulative", w, Charts.PANEL_HEIGHT);
            for (int k = 0; k < MOVEMENT_KINDS.size(); k++) {
                double[] y = sampled(p, MOVEMENT_KINDS.get(k), 1);
                if (t.length > 0 && y.length == t.length) {
                    Charts.line(c, MOVEMENT_KINDS.get(k).metricName(), t, y, KIND_COLORS[k], Charts.SOLID);
                }
            }
            double[] total = totalMovements(p);
            if (t.length > 0 && total.length == t.length) {
                Charts.line(c, "all four", t, total, new Color(0x333333), Charts.DASHED);
            }
            c.getStyler().setYAxisMin(0.0);
            timeAxis(c);
            c.getStyler().setYAxisMax(niceMax(max));
            out.add(c);
        }
        return out;
    }

    private double[] totalMovements(String p) {
        double[] total = new double[times(p).length];
        for (Counter k : MOVEMENT_KINDS) {
            double[] y = sampled(p, k, 1);
            for (int i = 0; i < Math.min(y.length, total.length); i++) {
                total[i] += y[i];
            }
        }
        return total;
    }

    /** A panel of the swap chart: the counter, the panel's title and its y axis. */
    private record SwapPanel(Counter counter, String title, String yTitle) {}

    private List<XYChart> swap() {
        List<SwapPanel> kinds = List.of(
                new SwapPanel(Counter.PSWPIN, "Swap reads (pswpin)", "pages read from swap, cumulative"),
                new SwapPanel(Counter.PSWPOUT, "Swap writes (pswpout)", "pages written to swap, cumulative"));
        double max = 0;
        for (String p : policies) {
            for (SwapPanel k : kinds) {
                for (double v : sampled(p, k.counter(), 1)) {
                    max = Math.max(max, v);
                }
            }
        }
        List<XYChart> out = new ArrayList<>();
        for (SwapPanel k : kinds) {
            XYChart c = Charts.xy(k.title(), "virtual time (ms)", k.yTitle(), (Charts.WIDTH + 200) / 2, Charts.PANEL_HEIGHT);
            for (int i = 0; i < policies.size(); i++) {
                String p = policies.get(i);
                double[] t = times(p);
                double[] y = sampled(p, k.counter(), 1);
                if (t.length > 0 && y.length == t.length) {
                    Charts.line(c, p, t, y, Charts.policyColor(p, i), Charts.SOLID);
                }
            }
            c.getStyler().setYAxisMin(0.0);
            timeAxis(c);
            c.getStyler().setYAxisMax(niceMax(max));
            out.add(c);
        }
        return out;
    }

    private XYChart interconnect() {
        XYChart c = Charts.xy("Interconnect traffic between host nodes", "virtual time (ms)",
                "bytes copied between nodes, cumulative (MiB)", Charts.WIDTH, Charts.HEIGHT);
        double max = 0;
        for (int i = 0; i < policies.size(); i++) {
            String p = policies.get(i);
            double[] t = times(p);
            double[] y = sampled(p, Counter.INTERCONNECT_BYTES, 1.0 / (1024 * 1024));
            for (double v : y) {
                max = Math.max(max, v);
            }
            if (t.length > 0 && y.length == t.length) {
                Charts.line(c, p, t, y, Charts.policyColor(p, i), Charts.SOLID);
            }
        }
        c.getStyler().setYAxisMin(0.0);
        timeAxis(c);
        c.getStyler().setYAxisMax(niceMax(max));
        return c;
    }

    /**
     * Each link's utilisation per time bucket, one line per policy and link (solid for the first
     * direction, dashed for the others); null when no run recorded a link (one node).
     */
    private XYChart linkUtilisation() {
        XYChart c = Charts.xy("Link utilisation between host nodes", "virtual time (ms)",
                "link busy (% of its bandwidth)", Charts.WIDTH, Charts.HEIGHT);
        double max = 0;
        boolean any = false;
        for (int i = 0; i < policies.size(); i++) {
            String p = policies.get(i);
            RunResult.LinkUtilisation u = results.get(p).linkUtilisation();
            double[] t = doubles(u.tMs(), 1);
            int k = 0;
            for (Map.Entry<String, List<Double>> e : u.byLink().entrySet()) {
                double[] y = doubles(e.getValue(), 100);
                for (double v : y) {
                    max = Math.max(max, v);
                }
                if (t.length > 0 && y.length == t.length) {
                    Charts.line(c, p + " " + e.getKey(), t, y, Charts.policyColor(p, i),
                            k == 0 ? Charts.SOLID : Charts.DASHED);
                    any = true;
                }
                k++;
            }
        }
        if (!any) {
            return null;
        }
        c.getStyler().setYAxisMin(0.0);
        timeAxis(c);
        c.getStyler().setYAxisMax(Math.min(100, niceMax(Math.max(max, 1))));
        c.getStyler().setYAxisTickLabelsFormattingFunction(Charts.compactWith("%"));
        return c;
    }

    /** Percentile bars per policy that migrated anything; null when no policy did. */
    private CategoryChart latency() {
        List<Statistic> qs = List.of(Statistic.P50, Statistic.P90, Statistic.P99, Statistic.MAX, Statistic.MEAN);
        List<String> cats = qs.stream().map(Statistic::key).toList();
        CategoryChart c = Charts.bars("Balancing-migration latency distribution",
                "statistic over all balancing migrations of the run",
                "latency (µs)", Charts.WIDTH, Charts.HEIGHT);
        boolean any = false;
        for (int i = 0; i < policies.size(); i++) {
            String p = policies.get(i);
            LatencySummary l = results.get(p).latency(Latency.BALANCING_MIGRATION_LATENCY_NS);
            if (!(l.count() > 0)) {
                continue;
            }
            List<Double> ys = new ArrayList<>();
            for (Statistic q : qs) {
                ys.add(l.get(q) / 1000.0);
            }
            CategorySeries s = c.addSeries(p, cats, ys);
            s.setFillColor(Charts.policyColor(p, i));
            any = true;
        }
        if (!any) {
            return null;
        }
        c.getStyler().setYAxisDecimalPattern("#,##0.0");
        c.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW);
        return c;
    }

    private HorizontalBarChart savings() {
        List<String> labels = new ArrayList<>();
        Map<String, List<Double>> vals = new LinkedHashMap<>();
        ratioPolicies().forEach(p -> vals.put(p, new ArrayList<>()));
        double max = 1;
        for (Saving s : SAVINGS) {
            double r = ratio(s.value());
            if (!Double.isNaN(r)) {
                labels.add(s.label());
                for (String p : vals.keySet()) {
                    double rp = ratio(p, s.value());
                    vals.get(p).add(Double.isNaN(rp) ? 0.0 : rp);
                    max = Double.isNaN(rp) ? max : Math.max(max, rp);
                }
            }
        }
        String over = vals.size() > 1 ? "each copyless policy / naive" : "copyless / naive";
        HorizontalBarChart c = Charts.horizontalBars("What copyless saved: " + over + " (lower is better)",
                over + "  (1.0 = same as naive, 0 = all saved)", "", Charts.WIDTH,
                Math.max(340, 90 + 44 * labels.size() * Math.max(1, vals.size())));
        if (labels.isEmpty()) {
            labels.add("(no ratio defined: naive made none of these)");
            vals.values().forEach(v -> v.add(0.0));
        }
        int i = 0;
        for (Map.Entry<String, List<Double>> e : vals.entrySet()) {
            c.addSeries(e.getKey() + " / naive", e.getValue(), labels).setFillColor(Charts.policyColor(e.getKey(), i++));
        }
        c.getStyler().setLegendVisible(vals.size() > 1);
        c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        c.getStyler().setLegendLayout(Styler.LegendLayout.Horizontal);
        c.getStyler().setXAxisMin(0.0);
        c.getStyler().setXAxisMax(Math.ceil(max * 1.15 * 10) / 10);
        c.getStyler().setDecimalPattern("0.00");
        c.setYAxisTitle("cost (same scenario and seed)");
        Charts.referenceLine(c, 1.0, true);
        return c;
    }

    /** The time axis from 0 to the end of the run (or of the data), in ms. */
    private void timeAxis(XYChart c) {
        double end = scenario.get("duration_ns") instanceof Number d ? d.doubleValue() / 1e6 : 0;
        for (String p : policies) {
            double[] t = times(p);
            if (t.length > 0) {
                end = Math.max(end, t[t.length - 1]);
            }
        }
        Charts.roundXTicks(c);
        c.getStyler().setXAxisMin(0.0);
        if (end > 0) {
            c.getStyler().setXAxisMax(end);
        }
    }

    /** A round axis maximum a little above {@code max} (1, 2, 2.5, 5 x 10^k). */
    static double niceMax(double max) {
        if (!(max > 0)) {
            return 1;
        }
        double target = max * 1.08;
        double mag = Math.pow(10, Math.floor(Math.log10(target)));
        for (double m : new double[] {1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10}) {
            if (m * mag >= target) {
                return m * mag;
            }
        }
        return 10 * mag;
    }

    // ---------------------------------------------------------------- page

    /** Draws the charts and returns report.html. */
    String render() {
        charts();
        String name = String.valueOf(scenario.getOrDefault("name", "scenario"));
        Html h = new Html("copyless report: " + name + " (" + String.join(", ", policies) + ")");
        h.h1(comparable ? "copyless report: copyless vs naive" + (results.containsKey(NONE) ? " vs none" : "")
                : "copyless report: " + policies.getFirst() + " policy");
        h.raw("<p class=\"sub\">" + scenarioLine() + "</p>");

        h.h2(comparable ? "At a glance: what copyless saved" : "At a glance", "glance");
        h.list(comparable ? compareSentences() : singleSentences(policies.getFirst()));
        if (comparable) {
            h.figure("savings.png", pngs.get("savings.png"), "copyless / naive ratios",
                    "<b>What copyless saved.</b> Each bar is copyless's value divided by naive's for the same scenario "
                            + "and seed; the dashed line at 1.0 is &ldquo;no change&rdquo;, a bar of 0 means copyless "
                            + "needed none of it. Ratios whose naive value is 0 are left out. "
                            + (results.containsKey(COPYLESS_HOLDBACK) ? "Two bars per number: copyless (the hypercall, "
                            + "hold-back off) and copyless-holdback (with claim 12's hold-back), so that what hold-back "
                            + "adds is seen apart." : ""));
        } else {
            h.note("Only one policy ran, so there is no savings chart. "
                    + "<code>copyless compare --report DIR</code> runs none, naive, copyless and copyless-holdback on the same scenario "
                    + "and seed and shows what copyless saves against naive.");
        }

        h.h2("Headline metrics", "headline");
        headlineTable(h);

        h.h2("Charts", "charts");
        String who = policies.size() == 1 ? "the " + Html.policy(policies.getFirst()) + " policy" : "each policy";
        h.figure("remote-access-fraction.png", pngs.get("remote-access-fraction.png"),
                "remote-access fraction over time",
                "<b>Remote-access fraction over time</b> for " + who + ": the share of guest accesses in each time "
                        + "bucket that found their page on a host node other than the accessing vCPU's. Balancing "
                        + "pulls it down after each task move"
                        + (results.containsKey(NONE) ? "; <code>none</code> never balances." : "."));
        h.figure("data-movements.png", pngs.get("data-movements.png"), "cumulative data movements by kind",
                "<b>Cumulative 4 KiB data movements by kind</b>"
                        + (policies.size() > 1 ? ", one panel per policy on the same scale" : " for " + who)
                        + ": swap reads "
                        + "(<code>pswpin</code>), swap writes (<code>pswpout</code>), guest page copies and host "
                        + "node-to-node copies. Together they are every data movement of the run; the dashed line is "
                        + "their sum.");
        h.figure("swap-io.png", pngs.get("swap-io.png"), "swap reads and writes over time",
                "<b>Swap reads and writes over time</b> (cumulative pages) for " + who + "."
                        + (results.containsKey(NAIVE) ? " naive's swap-ins bring moved pages back to the node they "
                                + "are leaving, and the evictions they cause add swap writes." : ""));
        h.figure("interconnect-bytes.png", pngs.get("interconnect-bytes.png"), "interconnect bytes over time",
                "<b>Interconnect traffic</b>: cumulative bytes copied between two different host nodes (guest and "
                        + "host page copies, migrations; swap I/O and remote accesses are not counted) for " + who
                        + ".");
        if (pngs.containsKey("link-utilisation.png")) {
            h.figure("link-utilisation.png", pngs.get("link-utilisation.png"), "link utilisation over time",
                    "<b>Link utilisation</b> for " + who + ": in each time bucket, the bytes each direction of each "
                            + "link between host nodes carried over what it could carry (bucket length x "
                            + "<code>host.link-bandwidth</code>), solid for the first direction and dashed for the "
                            + "other. Every transfer that crosses a link counts: guest and host page copies, "
                            + "demotion, promotion, and swap DMA to or from a frame off the device's home node. A "
                            + "transfer that finds its link busy waits (<code>link_queue_delay_ns</code>).");
        }
        if (pngs.containsKey("migration-latency.png")) {
            h.figure("migration-latency.png", pngs.get("migration-latency.png"),
                    "balancing-migration latency percentiles",
                    "<b>Balancing-migration latency</b> per policy, in µs of virtual time from a migrating hinting "
                            + "fault to the page's remap: median (p50), p90, p99, maximum and mean. A copyless batch "
                            + "counts once per page with the whole call's time."
                            + (results.containsKey(NONE) ? " <code>none</code> migrates nothing and is left out."
                                    : ""));
        } else {
            h.note("No balancing migration happened in this run, so there is no latency distribution to show.");
        }

        h.h2("Scenario", "scenario");
        List<List<String>> rows = new ArrayList<>();
        scenario.forEach((k, v) -> rows.add(List.of("<code>" + Html.esc(k) + "</code>", Html.esc(display(v))
                + (k.endsWith("_ns") && v instanceof Number n ? " (" + Html.nanos(n.doubleValue()) + ")" : ""))));
        h.table("kv", null, rows);

        return h.finish("Written by <code>copyless " + (comparable ? "compare" : "run") + " --report</code>. "
                + "Next to this page: <a href=\"results.json\">results.json</a> (every metric, as "
                + "<code>--format json</code>), <a href=\"results.csv\">results.csv</a> (one row per policy) and the "
                + "charts as PNG files. Metric definitions: docs/METRICS.md.");
    }

    private static String display(Object v) {
        if (v instanceof List<?> l) {
            return String.join(", ", l.stream().map(String::valueOf).toList());
        }
        return String.valueOf(v);
    }

    private String scenarioLine() {
        List<String> parts = new ArrayList<>();
        parts.add("Scenario <b>" + Html.esc(scenario.getOrDefault("name", "?")) + "</b>"
                + (scenario.containsKey("source") ? " (" + Html.esc(scenario.get("source")) + ")" : ""));
        if (scenario.get("seed") != null) {
            parts.add("seed " + Html.esc(scenario.get("seed")));
        }
        if (scenario.get("duration_ns") instanceof Number d) {
            parts.add(Html.nanos(d.doubleValue()) + " of virtual time");
        }
        if (scenario.get("host_nodes") != null) {
            parts.add(Html.esc(scenario.get("host_nodes")) + " host nodes");
        }
        if (scenario.get("vms") != null) {
            parts.add(Html.esc(scenario.get("vms")) + ("1".equals(String.valueOf(scenario.get("vms"))) ? " VM" : " VMs"));
        }
        if (scenario.get("copyless_order") != null) {
            parts.add("copyless order " + Html.esc(scenario.get("copyless_order")));
        }
        StringBuilder pol = new StringBuilder(policies.size() == 1 ? "policy " : "policies ");
        for (int i = 0; i < policies.size(); i++) {
            pol.append(i == 0 ? "" : ", ").append(Html.policy(policies.get(i)));
        }
        parts.add(pol.toString());
        return String.join(" · ", parts);
    }

    private List<String> compareSentences() {
        String c = Html.policy(COPYLESS);
        String n = Html.policy(NAIVE);
        List<String> s = new ArrayList<>();
        double cp = value(COPYLESS, Ratio.DATA_MOVEMENTS_PER_BALANCED_MOVED_PAGE);
        double np = value(NAIVE, Ratio.DATA_MOVEMENTS_PER_BALANCED_MOVED_PAGE);
        s.add(c + " made <b>" + Html.fixed2(cp) + "</b> data movements per balanced moved page, " + n + " <b>"
                + Html.fixed2(np) + "</b>" + Html.change(ratio(Ratio.DATA_MOVEMENTS_PER_BALANCED_MOVED_PAGE), "fewer",
                        "more") + ".");
        s.add("To complete the balancing of pages the host had moved, " + c + " made "
                + Html.count(value(COPYLESS, Counter.MOVED_PAGE_DATA_MOVEMENTS)) + " data movements for "
                + Html.count(value(COPYLESS, Counter.BALANCED_MOVED_PAGES)) + " pages, " + n + " "
                + Html.count(value(NAIVE, Counter.MOVED_PAGE_DATA_MOVEMENTS)) + " for "
                + Html.count(value(NAIVE, Counter.BALANCED_MOVED_PAGES)) + " pages.");
        s.add(c + " sent <b>" + Html.bytes(value(COPYLESS, Counter.MOVED_PAGE_INTERCONNECT_BYTES))
                + "</b> of moved-page data across the interconnect, " + n + " <b>"
                + Html.bytes(value(NAIVE, Counter.MOVED_PAGE_INTERCONNECT_BYTES)) + "</b>; all interconnect traffic: "
                + Html.bytes(value(COPYLESS, Counter.INTERCONNECT_BYTES)) + " vs "
                + Html.bytes(value(NAIVE, Counter.INTERCONNECT_BYTES))
                + Html.change(ratio(Counter.INTERCONNECT_BYTES), "less", "more") + ".");
        s.add("Bringing moved pages back caused <b>" + Html.count(value(COPYLESS, Counter.EVICTIONS_CAUSED))
                + "</b> evictions under " + c + " and <b>" + Html.count(value(NAIVE, Counter.EVICTIONS_CAUSED))
                + "</b> under " + n + Html.change(ratio(Counter.EVICTIONS_CAUSED), "fewer", "more") + ".");
        s.add("Swap reads (<code>pswpin</code>): " + c + " " + Html.count(value(COPYLESS, Counter.PSWPIN)) + ", " + n
                + " " + Html.count(value(NAIVE, Counter.PSWPIN)) + Html.change(ratio(Counter.PSWPIN), "fewer", "more")
                + "; swap writes (<code>pswpout</code>): " + Html.count(value(COPYLESS, Counter.PSWPOUT)) + " vs "
                + Html.count(value(NAIVE, Counter.PSWPOUT)) + Html.change(ratio(Counter.PSWPOUT), "fewer", "more") + ".");
        s.add("Mean guest access latency: " + c + " " + Html.nanos(value(COPYLESS, GUEST_MEAN))
                + ", " + n + " " + Html.nanos(value(NAIVE, GUEST_MEAN))
                + Html.change(ratio(GUEST_MEAN), "lower", "higher") + ".");
        if (results.containsKey(NONE)) {
            s.add("Without balancing (" + Html.policy(NONE) + "), " + pct(value(NONE, Ratio.REMOTE_ACCESS_FRACTION))
                    + " of guest accesses were remote; " + n + " brought that to "
                    + pct(value(NAIVE, Ratio.REMOTE_ACCESS_FRACTION)) + " and " + c + " to "
                    + pct(value(COPYLESS, Ratio.REMOTE_ACCESS_FRACTION)) + ".");
        }
        if (results.containsKey(COPYLESS_HOLDBACK)) {
            String hb = Html.policy(COPYLESS_HOLDBACK);
            s.add("Hold-back (claim 12) is measured apart: " + hb + " is " + c + " plus hold-back. It caused <b>"
                    + Html.count(value(COPYLESS_HOLDBACK, Counter.EVICTIONS_CAUSED)) + "</b> evictions (" + c + " "
                    + Html.count(value(COPYLESS, Counter.EVICTIONS_CAUSED)) + "), brought "
                    + Html.count(value(COPYLESS_HOLDBACK, Counter.PAGES_BROUGHT_BACK)) + " pages back ("
                    + Html.count(value(COPYLESS, Counter.PAGES_BROUGHT_BACK)) + "), read "
                    + Html.count(value(COPYLESS_HOLDBACK, Counter.PSWPIN)) + " pages from swap ("
                    + Html.count(value(COPYLESS, Counter.PSWPIN)) + ") and wrote "
                    + Html.count(value(COPYLESS_HOLDBACK, Counter.PSWPOUT)) + " ("
                    + Html.count(value(COPYLESS, Counter.PSWPOUT)) + ").");
        }
        return s;
    }

    private List<String> singleSentences(String p) {
        String x = Html.policy(p);
        List<String> s = new ArrayList<>();
        s.add(x + " made <b>" + Html.fixed2(value(p, Ratio.DATA_MOVEMENTS_PER_BALANCED_MOVED_PAGE))
                + "</b> data movements per balanced moved page (" + Html.count(value(p, Counter.MOVED_PAGE_DATA_MOVEMENTS))
                + " movements for " + Html.count(value(p, Counter.BALANCED_MOVED_PAGES)) + " balanced moved pages).");
        s.add("It sent " + Html.bytes(value(p, Counter.MOVED_PAGE_INTERCONNECT_BYTES))
                + " of moved-page data across the interconnect (" + Html.bytes(value(p, Counter.INTERCONNECT_BYTES))
                + " in all) and caused " + Html.count(value(p, Counter.EVICTIONS_CAUSED)) + " evictions.");
        s.add("Swap: " + Html.count(value(p, Counter.PSWPIN)) + " pages read (<code>pswpin</code>), "
                + Html.count(value(p, Counter.PSWPOUT)) + " written (<code>pswpout</code>); "
                + Html.count(value(p, Counter.PGMAJFAULT)) + " major faults.");
        s.add(pct(value(p, Ratio.REMOTE_ACCESS_FRACTION)) + " of guest accesses were remote; mean guest access latency "
                + Html.nanos(value(p, GUEST_MEAN)) + ".");
        return s;
    }

    private static String pct(double f) {
        return String.format(Locale.ROOT, "%.1f%%", f * 100);
    }

    private void headlineTable(Html h) {
        List<String> head = new ArrayList<>();
        head.add("metric");
        for (String p : policies) {
            head.add(Html.policy(p));
        }
        for (String p : ratioPolicies()) {
            head.add(Html.policy(p) + " / naive");
        }
        List<Scalar> keys = new ArrayList<>();
        MetricCatalogue.HEADLINE.forEach(m -> keys.add(Scalar.of(m)));
        keys.addAll(LATENCY_ROWS);
        List<List<String>> rows = new ArrayList<>();
        for (Scalar k : keys) {
            List<String> r = new ArrayList<>();
            r.add("<code>" + Html.esc(k.key()) + "</code>");
            for (String p : policies) {
                double v = value(p, k);
                r.add(Double.isNaN(v) ? "–" : k.unit() == Unit.BYTES ? Html.bytes(v)
                        : k.unit() == Unit.NANOSECONDS ? Html.nanos(v) : Html.count(v));
            }
            for (String p : ratioPolicies()) {
                double n = value(NAIVE, k);
                double c = value(p, k);
                String cell = Html.ratio(c, n);
                if (n > 0 && c / n < 0.995) {
                    cell = "<span class=\"good\">" + cell + "</span>";
                } else if (n > 0 && c / n > 1.005) {
                    cell = "<span class=\"bad\">" + cell + "</span>";
                }
                r.add(cell);
            }
            rows.add(r);
        }
        h.table(null, head, rows);
        if (comparable) {
            h.p("<span class=\"good\">Green</span> ratios: copyless needed less than naive; "
                    + "<span class=\"bad\">red</span>: more (not always worse: <code>hypercalls</code> are how "
                    + "copyless works, and more <code>numa_pages_migrated</code> means more balancing got done). "
                    + "Byte counts in KiB/MiB, latencies in virtual time.");
        }
    }
}
