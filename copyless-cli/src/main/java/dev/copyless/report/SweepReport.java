package dev.copyless.report;

import static dev.copyless.balancer.BalancingPolicy.COPYLESS;
import static dev.copyless.balancer.BalancingPolicy.NAIVE;

import dev.copyless.metrics.Counter;
import dev.copyless.metrics.Latency;
import dev.copyless.metrics.Scalar;
import dev.copyless.metrics.SeedStatistics;
import dev.copyless.metrics.SeedStatistics.Estimate;
import dev.copyless.metrics.Statistic;
import dev.copyless.scenario.Units;
import java.awt.Color;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategorySeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The report of a {@code sweep}: for each swept parameter, the copyless/naive ratio of the
 * headline costs (moved-page data movements, evictions caused, swap reads, interconnect bytes,
 * mean guest access latency) against the parameter's values, other parameters averaged out;
 * one PNG per parameter and a sweep report.html with the charts and their numbers.
 */
final class SweepReport {
    /**
     * A cost whose copyless/naive ratio is drawn per parameter: label, colour, and the row keys (after "copyless." / "naive.") tried in
     * order: the catalogue's key, then names older sweep files used.
     */
    private record Cost(String label, Color color, List<String> keys) {
        Cost(String label, Color color, Scalar value, String... olderKeys) {
            this(label, color, Stream.concat(Stream.of(value.key()), Stream.of(olderKeys)).toList());
        }
    }

    private static final List<Cost> METRICS = List.of(
            new Cost("moved-page data movements", Charts.BLUE, Scalar.of(Counter.MOVED_PAGE_DATA_MOVEMENTS)),
            new Cost("evictions caused", Charts.VERMILLION, Scalar.of(Counter.EVICTIONS_CAUSED)),
            new Cost("swap reads (pswpin)", Charts.ORANGE, Scalar.of(Counter.PSWPIN)),
            new Cost("interconnect bytes", Charts.GREEN, Scalar.of(Counter.INTERCONNECT_BYTES)),
            new Cost("mean guest access latency", Charts.PURPLE, Scalar.of(Latency.GUEST_ACCESS_LATENCY_NS, Statistic.MEAN),
                    "guest_access_latency_ns_mean", "mean_guest_access_latency_ns"));

    private final List<String> parameters;
    private final List<Map<String, Object>> rows;
    /** The number of seeds among the rows. */
    private final long seeds;
    /** File name -> PNG bytes, in page order. */
    final Map<String, byte[]> pngs = new LinkedHashMap<>();

    SweepReport(List<String> parameters, List<Map<String, Object>> rows) {
        this.parameters = parameters;
        this.rows = rows;
        this.seeds = rows.stream().map(r -> r.get("seed")).distinct().count();
    }

    /** copyless/naive of one metric in one row; NaN when either is missing or naive is 0. */
    static double ratio(Map<String, Object> row, List<String> keys) {
        for (String k : keys) {
            Object n = row.get(NAIVE + "." + k);
            Object c = row.get(COPYLESS + "." + k);
            if (n instanceof Number nn && c instanceof Number cn) {
                return nn.doubleValue() == 0 ? Double.NaN : cn.doubleValue() / nn.doubleValue();
            }
        }
        return Double.NaN;
    }

    /** The parameter's distinct values (as text), numeric or duration order when all parse, else as first seen. */
    static List<String> values(List<Map<String, Object>> rows, String parameter) {
        List<String> v = new ArrayList<>();
        for (Map<String, Object> r : rows) {
            Object o = r.get(parameter);
            if (o != null && !v.contains(String.valueOf(o))) {
                v.add(String.valueOf(o));
            }
        }
        List<Double> keys = new ArrayList<>();
        for (String s : v) {
            Double k = sortKey(s);
            if (k == null) {
                return v;
            }
            keys.add(k);
        }
        List<String> sorted = new ArrayList<>(v);
        sorted.sort((a, b) -> Double.compare(keys.get(v.indexOf(a)), keys.get(v.indexOf(b))));
        return sorted;
    }

    private static Double sortKey(String s) {
        try {
            return Double.parseDouble(s);
        } catch (NumberFormatException e) {
            try {
                return (double) Units.nanos(s);
            } catch (RuntimeException e2) {
                return null;
            }
        }
    }

    /**
     * The ratio of {@code m} over the rows whose {@code parameter} is {@code value} (all rows for a null
     * value): per seed, the mean of the run-by-run ratios over those rows (the other parameters averaged
     * out), then the mean over the seeds with its Student t 95% interval ({@link SeedStatistics#meanCi95});
     * NaN if no ratio is defined. One seed gives an interval of width 0.
     */
    Estimate ratio(String parameter, String value, Cost m) {
        Map<Object, double[]> bySeed = new LinkedHashMap<>(); // seed -> {sum, n}
        for (Map<String, Object> r : rows) {
            if (value == null || value.equals(String.valueOf(r.get(parameter)))) {
                double x = ratio(r, m.keys());
                if (!Double.isNaN(x)) {
                    double[] a = bySeed.computeIfAbsent(r.get("seed"), k -> new double[2]);
                    a[0] += x;
                    a[1]++;
                }
            }
        }
        if (bySeed.isEmpty()) {
            return new Estimate(Double.NaN, Double.NaN, Double.NaN);
        }
        double[] perSeed = bySeed.values().stream().mapToDouble(a -> a[0] / a[1]).toArray();
        return SeedStatistics.meanCi95(perSeed);
    }

    private double meanRatio(String parameter, String value, Cost m) {
        return ratio(parameter, value, m).mean();
    }


    private CategoryChart chart(String parameter, List<String> values) {
        CategoryChart c = Charts.categoryLines("Savings against " + parameter + " (copyless / naive)",
                parameter + " (swept value)", "copyless / naive  (lower is better)", Charts.WIDTH, Charts.HEIGHT);
        double max = 1;
        for (Cost m : METRICS) {
            List<Double> ys = new ArrayList<>();
            List<Double> errs = new ArrayList<>();
            boolean any = false;
            for (String v : values) {
                Estimate e = ratio(parameter, v, m);
                double r = e.mean();
                ys.add(Double.isNaN(r) ? null : r);
                errs.add(Double.isNaN(r) ? 0.0 : e.halfWidth());
                if (!Double.isNaN(r)) {
                    any = true;
                    max = Math.max(max, e.hi());
                }
            }
            if (any) {
                // error bars: the 95% interval over seeds (width 0 with one seed)
                CategorySeries s = seeds > 1 ? c.addSeries(m.label(), values, ys, errs)
                        : c.addSeries(m.label(), values, ys);
                s.setLineColor(m.color());
                s.setMarkerColor(m.color());
                s.setFillColor(m.color());
                s.setLineStyle(Charts.SOLID);
                s.setMarker(SeriesMarkers.CIRCLE);
            }
        }
        if (c.getSeriesCollection().isEmpty()) {
            c.addSeries("no copyless/naive ratio defined", values, values.stream().map(v -> 0.0).toList());
        }
        c.getStyler().setErrorBarsColorSeriesColor(true);
        c.getStyler().setYAxisMin(0.0);
        c.getStyler().setYAxisMax(RunReport.niceMax(Math.max(1.1, max)));
        c.getStyler().setYAxisDecimalPattern("0.00");
        c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        c.getStyler().setLegendLayout(Styler.LegendLayout.Horizontal);
        Charts.referenceLine(c, 1.0, false);
        return c;
    }

    /** Draws the charts and returns report.html. */
    String render() {
        Html h = new Html("copyless sweep report");
        h.h1("copyless sweep report: what copyless saved across the grid");
        StringBuilder sub = new StringBuilder(rows.size() + " runs; swept: ");
        for (int i = 0; i < parameters.size(); i++) {
            sub.append(i == 0 ? "" : "; ").append("<b>").append(Html.esc(parameters.get(i))).append("</b> (")
                    .append(Html.esc(String.join(", ", values(rows, parameters.get(i))))).append(")");
        }
        h.raw("<p class=\"sub\">" + sub + "</p>");

        h.h2("At a glance", "glance");
        List<String> items = new ArrayList<>();
        for (Cost m : METRICS) {
            double r = meanRatio(null, null, m);
            items.add(Double.isNaN(r) ? Html.esc(m.label()) + ": no copyless/naive ratio (naive or copyless did not "
                    + "run, or naive's value was 0 everywhere)."
                    : Html.esc(m.label()) + ": " + Html.policy(COPYLESS) + " needed <b>"
                            + String.format(Locale.ROOT, "%.2f", r) + "×</b> what " + Html.policy(NAIVE)
                            + " needed, on average over the runs" + Html.change(r, "less", "more") + ".");
        }
        h.list(items);
        h.p("Each chart shows, for one swept parameter, the copyless/naive ratio of each cost at each of its values: "
                + "the ratio is taken run by run (same point, same seed) and averaged over the runs that share the "
                + "value, so the other parameters are averaged out. Below 1.0 (dashed line) copyless needed less.");

        h.h2("Charts", "charts");
        for (String p : parameters) {
            List<String> values = values(rows, p);
            String file = "sweep-" + p.replaceAll("[^A-Za-z0-9_.-]", "_") + ".png";
            pngs.put(file, Charts.png(chart(p, values)));
            h.figure(file, pngs.get(file), "savings against " + p,
                    "<b>Savings against <code>" + Html.esc(p) + "</code>.</b> copyless / naive for each cost at each "
                            + "value of " + Html.esc(p) + " (mean over the other parameters and seeds"
                            + (seeds > 1 ? "; error bars: the 95% confidence interval over the " + seeds
                            + " seeds of each seed's mean" : "") + ").");
            List<String> head = new ArrayList<>();
            head.add(Html.esc(p));
            head.add("runs");
            for (Cost m : METRICS) {
                head.add(Html.esc(m.label()));
            }
            List<List<String>> trs = new ArrayList<>();
            for (String v : values) {
                List<String> tr = new ArrayList<>();
                tr.add(Html.esc(v));
                tr.add(String.valueOf(rows.stream().filter(r -> v.equals(String.valueOf(r.get(p)))).count()));
                for (Cost m : METRICS) {
                    Estimate e = ratio(p, v, m);
                    tr.add(!e.defined() ? "–" : seeds > 1
                            ? String.format(Locale.ROOT, "%.3f ± %.3f", e.mean(), e.halfWidth())
                            : String.format(Locale.ROOT, "%.3f", e.mean()));
                }
                trs.add(tr);
            }
            h.table(null, head, trs);
        }
        return h.finish("Written by <code>copyless sweep</code>. Every run's metrics are next to this page in "
                + "<a href=\"results.csv\">results.csv</a> and <a href=\"results.json\">results.json</a>, "
                + "one row per grid point.");
    }
}
