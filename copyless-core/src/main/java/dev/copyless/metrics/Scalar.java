package dev.copyless.metrics;

/**
 * One number of a run's results: a scalar metric (a {@link Counter}, {@link Gauge} or
 * {@link Ratio}), or one {@link Statistic} of a {@link Latency} summary. It is a column of the
 * CSV outputs ({@link #key()}: {@code pswpin}, {@code guest_access_latency_ns.mean}) and a row
 * or bar of the report.
 *
 * @param metric    the metric
 * @param statistic the field of a latency summary, or null for a scalar metric
 */
public record Scalar(Metric metric, Statistic statistic) {
    public Scalar {
        if (statistic == null ? !metric.scalar() : !(metric instanceof Latency)) {
            throw new IllegalArgumentException(metric.metricName() + (statistic == null
                    ? " is not a single number: give one of its statistics" : " has no statistics"));
        }
    }

    /** A counter, gauge or ratio. */
    public static Scalar of(Metric metric) {
        return new Scalar(metric, null);
    }

    /** One field of a latency summary. */
    public static Scalar of(Latency latency, Statistic statistic) {
        return new Scalar(latency, statistic);
    }

    /** The metric's name, or {@code name.statistic} for a summary field. */
    public String key() {
        return statistic == null ? metric.metricName() : metric.metricName() + "." + statistic.key();
    }

    /** The metric's unit; a summary's {@code count} counts {@link Unit#EVENTS}. */
    public Unit unit() {
        return statistic == Statistic.COUNT ? Unit.EVENTS : metric.unit();
    }

    @Override
    public String toString() {
        return key();
    }
}
