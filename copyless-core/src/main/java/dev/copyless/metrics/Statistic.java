package dev.copyless.metrics;

/**
 * One field of a {@link LatencySummary}, in the order of the JSON object
 * ({@code count, mean, p50, p90, p99, max}).
 */
public enum Statistic {
    COUNT("count"),
    MEAN("mean"),
    P50("p50"),
    P90("p90"),
    P99("p99"),
    MAX("max");

    private final String key;

    Statistic(String key) {
        this.key = key;
    }

    /** The field's name in JSON, and after the dot in a CSV column ({@code guest_access_latency_ns.p99}). */
    public String key() {
        return key;
    }
}
