package dev.copyless.metrics;

/** A latency distribution of a run, recorded in an HdrHistogram and reported as a {@link LatencySummary}. */
public enum Latency implements Metric {
    BALANCING_MIGRATION_LATENCY_NS("balancing_migration_latency_ns",
            "HdrHistogram summary (count, mean, p50, p90, p99, max) of the time one balancing migration takes, per "
                    + "page: for a copy, the guest's migration overhead (`cost.migrate-page-ns`) plus the copy with any "
                    + "swap-in or promotion it waits for; for a copyless request, the hypercall's time divided by the "
                    + "pages in it, plus `cost.migrate-page-ns` for the guest's remap. A batch counts once per page."),
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
