package dev.copyless.metrics;

import java.util.LinkedHashMap;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * The summary of one latency histogram of a run: how many values, their mean (rounded to four
 * decimals; 0 when empty) and the percentiles and maximum HdrHistogram reports, in ns.
 */
public record LatencySummary(long count, double mean, long p50, long p90, long p99, long max) {

    static LatencySummary of(Histogram h) {
        return new LatencySummary(h.getTotalCount(), h.getTotalCount() == 0 ? 0.0 : RunResult.round(h.getMean()),
                h.getValueAtPercentile(50), h.getValueAtPercentile(90), h.getValueAtPercentile(99), h.getMaxValue());
    }

    /** One field as a number (the mean keeps its decimals). */
    public double get(Statistic s) {
        return switch (s) {
            case COUNT -> count;
            case MEAN -> mean;
            case P50 -> p50;
            case P90 -> p90;
            case P99 -> p99;
            case MAX -> max;
        };
    }

    /** One field as JSON writes it: a {@code Long}, or a {@code Double} for the mean. */
    public Number json(Statistic s) {
        return switch (s) {
            case COUNT -> Long.valueOf(count);
            case MEAN -> Double.valueOf(mean);
            case P50 -> Long.valueOf(p50);
            case P90 -> Long.valueOf(p90);
            case P99 -> Long.valueOf(p99);
            case MAX -> Long.valueOf(max);
        };
    }

    /** The JSON object: {@code count, mean, p50, p90, p99, max}. */
    Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        for (Statistic s : Statistic.values()) {
            m.put(s.key(), json(s));
        }
        return m;
    }
}
