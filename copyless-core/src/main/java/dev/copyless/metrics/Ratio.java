package dev.copyless.metrics;

/**
 * A value derived from two counters of the same run: numerator / denominator, rounded to four
 * decimals, and 0 when the denominator is 0.
 */
public enum Ratio implements Metric {
    DATA_MOVEMENTS_PER_BALANCED_MOVED_PAGE("data_movements_per_balanced_moved_page", Unit.MOVEMENTS_PER_PAGE,
            Counter.MOVED_PAGE_DATA_MOVEMENTS, Counter.BALANCED_MOVED_PAGES),
    REMOTE_ACCESS_FRACTION("remote_access_fraction", Unit.FRACTION, Counter.REMOTE_ACCESSES, Counter.GUEST_ACCESSES);

    private final String name;
    private final Unit unit;
    private final Counter numerator;
    private final Counter denominator;

    Ratio(String name, Unit unit, Counter numerator, Counter denominator) {
        this.name = name;
        this.unit = unit;
        this.numerator = numerator;
        this.denominator = denominator;
    }

    /** The ratio of a run whose counters are {@code counters} (indexed by {@link Counter#ordinal()}). */
    double of(long[] counters) {
        long d = counters[denominator.ordinal()];
        return d == 0 ? 0.0 : RunResult.round((double) counters[numerator.ordinal()] / d);
    }

    public Counter numerator() {
        return numerator;
    }

    public Counter denominator() {
        return denominator;
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
        return unit;
    }

    /** {@code numerator / denominator}, written with the counters' names. */
    @Override
    public String meaning() {
        return "`" + numerator.metricName() + " / " + denominator.metricName() + "` (0 when `"
                + denominator.metricName() + "` is 0).";
    }
}
