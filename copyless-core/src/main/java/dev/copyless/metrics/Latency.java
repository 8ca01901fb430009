package dev.copyless.metrics;

/** A latency distribution of a run, recorded in an HdrHistogram and reported as a {@link LatencySummary}. */
public enum Latency implements Metric {
    BALANCING_MIGRATION_LATENCY_NS("balancing_migration_latency_ns",
            "HdrHistogram summary (count, mean, p50, p90, p99, max) of the time from a migrating hinting fault to "
                    + "the page's remap. A copyless batch counts once per page, with the whole call's time."),
    GUEST_ACCESS_LATENCY_NS("guest_access_latency_ns",
            "HdrHistogram summary of every guest access, faults included.");

    private final String name;
    private final String meaning;

    Latency(String name, String meaning) {
        this.name = name;
        this.meaning = meaning;
    }

    @Override
    public String metricName() {
        return name;
    }

    @Override
    public String vmstat() {
        return "";
    }

    @Override
    public Unit unit() {
        return Unit.NANOSECONDS;
    }

    @Override
    public String meaning() {
        return meaning;
    }
}
