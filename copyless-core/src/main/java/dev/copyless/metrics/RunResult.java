package dev.copyless.metrics;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The results of one policy's run, by catalogue entry: every {@link Counter}, the end-of-run
 * {@link Gauge}s the run reported, the {@link Ratio}s derived from the counters, the
 * {@link Latency} summaries, the pages found lost, the remote-access fraction over time and the
 * sampled counters over time. Immutable once built; safe to hand to another thread.
 *
 * <p>{@link #metrics()} is the run's JSON object ({@code --format json}), in the order of
 * {@link MetricCatalogue#ALL}; everything else reads the typed accessors.
 */
public final class RunResult {
    private final String policy;
    private final long[] counters;
    private final Map<Gauge, Long> gauges;
    private final List<LostPage> lostPages;
    private final Map<Latency, LatencySummary> latencies;
    private final List<RemoteFraction> remoteFractionOverTime;
    private final CountersOverTime countersOverTime;
    private final LinkUtilisation linkUtilisation;
    private final Map<String, Object> json;

    /**
     * A page the end-of-run verification found lost.
     *
     * @param detected the loss was declared (a poisoned entry) or would be caught by the slot's
     *                 checksum; false means silently wrong data
     */
    public record LostPage(int vm, int gfn, String reason, boolean detected) {
        /** The JSON object of {@code lost_pages}: {@code vm, gfn, reason, detected}. */
        public Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("vm", vm);
            m.put("gfn", gfn);
            m.put("reason", reason);
            m.put("detected", detected);
            return m;
        }
    }

    /** The remote-access fraction of the time bucket that starts at {@code tMs}. */
    public record RemoteFraction(double tMs, double remoteFraction) {}

    /**
     * The cumulative value of each of {@link RunMetrics#SAMPLED} at the end of each time bucket.
     *
     * @param tMs    the end of each bucket, in ms of virtual time
     * @param values counter -> one value per bucket, in the order of {@link RunMetrics#SAMPLED}
     */
    public record CountersOverTime(List<Double> tMs, Map<Counter, List<Long>> values) {
        /** The values of {@code c} bucket by bucket; empty when {@code c} is not sampled. */
        public List<Long> of(Counter c) {
            return values.getOrDefault(c, List.of());
        }
    }

    /**
     * The utilisation of each directed link between two host nodes in each time bucket.
     *
     * @param tMs    the end of each bucket, in ms of virtual time
     * @param byLink link ({@code "0->1"}) -> its utilisation in each bucket, in [0, 1]; empty when
     *               the run recorded no links (one node, the Linux backend)
     */
    public record LinkUtilisation(List<Double> tMs, Map<String, List<Double>> byLink) {}

    private RunResult(String policy, long[] counters, Map<Gauge, Long> gauges, List<LostPage> lostPages,
                      Map<Latency, LatencySummary> latencies, List<RemoteFraction> remoteFractionOverTime,
                      CountersOverTime countersOverTime, LinkUtilisation linkUtilisation) {
        this.policy = policy;
        this.counters = counters;
        this.gauges = gauges;
        this.lostPages = lostPages;
        this.latencies = latencies;
        this.remoteFractionOverTime = remoteFractionOverTime;
        this.countersOverTime = countersOverTime;
        this.linkUtilisation = linkUtilisation;
        this.json = Collections.unmodifiableMap(toJson());
    }

    /** Builds the result of a finished run with no lost pages. */
    public static RunResult of(String policy, RunMetrics m, Map<String, Long> gauges, long virtualNs) {
        return of(policy, m, gauges, virtualNs, List.of());
    }

    /**
     * Builds the result of a finished run.
     *
     * @param gauges    end-of-run values by name, as the run and its host backend report them; each name
     *                  must be a {@link Gauge}'s
     * @param lostPages the pages the end-of-run verification found lost: {@code vm}, {@code gfn},
     *                  {@code reason}, {@code detected} each
     * @throws IllegalArgumentException when a gauge's name is not declared in {@link Gauge}
     */
    public static RunResult of(String policy, RunMetrics m, Map<String, Long> gauges, long virtualNs,
                               List<Map<String, Object>> lostPages) {
        Map<Gauge, Long> g = new EnumMap<>(Gauge.class);
        gauges.forEach((name, v) -> g.put(Gauge.byName(name), v));
        g.put(Gauge.VIRTUAL_TIME_NS, virtualNs);
        List<LostPage> lost = new ArrayList<>();
        for (Map<String, Object> p : lostPages) {
            lost.add(new LostPage(((Number) p.get("vm")).intValue(), ((Number) p.get("gfn")).intValue(),
                    String.valueOf(p.get("reason")), Boolean.TRUE.equals(p.get("detected"))));
        }
        long[] counters = new long[Counter.values().length];
        for (Counter c : Counter.values()) {
            counters[c.ordinal()] = m.stat.get(c);
        }
        Map<Latency, LatencySummary> latencies = new EnumMap<>(Latency.class);
        latencies.put(Latency.BALANCING_MIGRATION_LATENCY_NS, LatencySummary.of(m.migrationLatency));
        latencies.put(Latency.GUEST_ACCESS_LATENCY_NS, LatencySummary.of(m.accessLatency));
        List<RemoteFraction> series = new ArrayList<>();
        for (int b = 0; b < m.buckets(); b++) {
            double f = m.remoteFraction(b);
            if (!Double.isNaN(f)) {
                series.add(new RemoteFraction(round(b * m.bucketNs() / 1e6), round(f)));
            }
        }
        List<Double> t = new ArrayList<>();
        for (int b = 0; b < m.buckets(); b++) {
            t.add(round((b + 1) * m.bucketNs() / 1e6));
        }
        Map<Counter, List<Long>> sampled = new LinkedHashMap<>();
        for (int i = 0; i < RunMetrics.SAMPLED.length; i++) {
            List<Long> v = new ArrayList<>();
            for (int b = 0; b < m.buckets(); b++) {
                v.add(m.sampled(b, i));
            }
            sampled.put(RunMetrics.SAMPLED[i], List.copyOf(v));
        }
        Map<String, List<Double>> links = new LinkedHashMap<>();
        LinkLoad load = m.links();
        if (load != null) {
            for (int from = 0; from < load.nodes(); from++) {
                for (int to = 0; to < load.nodes(); to++) {
                    if (from != to) {
                        List<Double> u = new ArrayList<>();
                        for (int b = 0; b < load.buckets(); b++) {
                            u.add(round(load.utilisation(from, to, b)));
                        }
                        links.put(from + "->" + to, List.copyOf(u));
                    }
                }
            }
        }
        return new RunResult(policy, counters, Collections.unmodifiableMap(g), List.copyOf(lost),
                Collections.unmodifiableMap(latencies), List.copyOf(series),
                new CountersOverTime(List.copyOf(t), Collections.unmodifiableMap(sampled)),
                new LinkUtilisation(List.copyOf(t), Collections.unmodifiableMap(links)));
    }

    static double round(double v) {
        return Math.round(v * 10_000.0) / 10_000.0;
    }

    /** {@code none}, {@code naive} or {@code copyless}: the policy that ran. */
    public String policy() {
        return policy;
    }

    public long counter(Counter c) {
        return counters[c.ordinal()];
    }

    /** Whether the run reported this gauge (the Linux backend's own gauges appear only on it). */
    public boolean has(Gauge g) {
        return gauges.containsKey(g);
    }

    /**
     * @throws IllegalArgumentException when the run did not report it ({@link #has})
     */
    public long gauge(Gauge g) {
        Long v = gauges.get(g);
        if (v == null) {
            throw new IllegalArgumentException("this run did not report " + g.metricName()
                    + (g.scope().linuxOnly() ? " (only the Linux backend does)" : ""));
        }
        return v;
    }

    public double ratio(Ratio r) {
        return r.of(counters);
    }

    public LatencySummary latency(Latency l) {
        return latencies.get(l);
    }

    /** Whether the run holds this metric: every metric but the gauges a backend does not report. */
    public boolean has(Metric m) {
        return !(m instanceof Gauge g) || has(g);
    }

    /**
     * The value of a scalar metric (a counter, a reported gauge or a ratio).
     *
     * @throws IllegalArgumentException for a latency summary or a detail (no single number), or a gauge
     *                                  the run did not report
     */
    public double number(Metric m) {
        return switch (m) {
            case Counter c -> counter(c);
            case Gauge g -> gauge(g);
            case Ratio r -> ratio(r);
            case Latency l -> throw new IllegalArgumentException(l.metricName() + " is a summary: read one statistic");
            case Detail d -> throw new IllegalArgumentException(d.metricName() + " is a list, not a number");
        };
    }

    /** Whether the run holds this number ({@link #has(Metric)}). */
    public boolean has(Scalar s) {
        return has(s.metric());
    }

    /** One number: a scalar metric's value, or one statistic of a latency summary. */
    public double value(Scalar s) {
        return s.statistic() == null ? number(s.metric()) : latency((Latency) s.metric()).get(s.statistic());
    }

    /**
     * One number as JSON writes it: a {@code Long} for counters, gauges and every summary field but
     * the mean, a {@code Double} for ratios and means.
     */
    public Number json(Scalar s) {
        if (s.statistic() != null) {
            return latency((Latency) s.metric()).json(s.statistic());
        }
        return switch (s.metric()) {
            case Counter c -> Long.valueOf(counter(c));
            case Gauge g -> Long.valueOf(gauge(g));
            case Ratio r -> Double.valueOf(ratio(r));
            default -> throw new IllegalArgumentException(s.key() + " is not a single number");
        };
    }

    /** The pages the end-of-run verification found lost, in the order it found them. */
    public List<LostPage> lostPages() {
        return lostPages;
    }

    /** The remote-access fraction per time bucket, for the buckets in which the guests made an access. */
    public List<RemoteFraction> remoteFractionOverTime() {
        return remoteFractionOverTime;
    }

    public CountersOverTime countersOverTime() {
        return countersOverTime;
    }

    /** The utilisation of each link between host nodes per time bucket. */
    public LinkUtilisation linkUtilisation() {
        return linkUtilisation;
    }

    /**
     * The run's JSON object ({@code --format json}, {@code results.json}): every metric the run holds
     * under its name, in the order of {@link MetricCatalogue#ALL}. Two runs with equal results have
     * equal objects.
     */
    public Map<String, Object> metrics() {
        return json;
    }

    private Map<String, Object> toJson() {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Metric m : MetricCatalogue.ALL) {
            if (has(m)) {
                out.put(m.metricName(), json(m));
            }
        }
        return out;
    }

    private Object json(Metric m) {
        return switch (m) {
            case Counter c -> counter(c);
            case Gauge g -> gauge(g);
            case Ratio r -> ratio(r);
            case Latency l -> latency(l).toJson();
            case Detail d -> switch (d) {
                case LOST_PAGES -> lostPages.stream().map(LostPage::toJson).toList();
                case REMOTE_ACCESS_FRACTION_OVER_TIME -> remoteFractionOverTime.stream().map(p -> {
                    Map<String, Object> pt = new LinkedHashMap<>();
                    pt.put("t_ms", p.tMs());
                    pt.put("remote_fraction", p.remoteFraction());
                    return pt;
                }).toList();
                case COUNTERS_OVER_TIME -> {
                    Map<String, Object> over = new LinkedHashMap<>();
                    over.put("t_ms", countersOverTime.tMs());
                    countersOverTime.values().forEach((c, v) -> over.put(c.metricName(), v));
                    yield over;
                }
                case LINK_UTILISATION_OVER_TIME -> {
                    Map<String, Object> over = new LinkedHashMap<>();
                    over.put("t_ms", linkUtilisation.tMs());
                    over.putAll(linkUtilisation.byLink());
                    yield over;
                }
            };
        };
    }

    @Override
    public String toString() {
        return "RunResult[" + policy + "]";
    }
}
