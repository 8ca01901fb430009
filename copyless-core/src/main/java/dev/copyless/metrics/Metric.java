package dev.copyless.metrics;

/**
 * One metric of a run's results, as printed in the table, the JSON and CSV outputs and the
 * report, and described in docs/METRICS.md. Each kind is an enum whose constants declare their
 * metrics once: {@link Counter} (events counted during the run), {@link Gauge} (end-of-run
 * values), {@link Ratio} (derived from two counters), {@link Latency} (HdrHistogram summaries)
 * and {@link Detail} (lists, JSON only). {@link MetricCatalogue} puts them in output order and
 * names the headline metrics. A {@link RunResult} is read by these constants, never by name.
 */
public sealed interface Metric permits Counter, Gauge, Ratio, Latency, Detail {

    /** The metric's name in every output: {@code pswpin}, {@code balanced_moved_pages}... */
    String metricName();

    /** The {@code /proc/vmstat} field with the same meaning, or {@code ""} when the kernel has none. */
    String vmstat();

    /** What it counts or measures. */
    Unit unit();

    /** What it means, in one or a few sentences (the text of docs/METRICS.md; may hold Markdown code spans). */
    String meaning();

    /** Whether {@code copyless compare} shows it in its headline block ({@link MetricCatalogue#HEADLINE}). */
    default boolean headline() {
        return MetricCatalogue.HEADLINE.contains(this);
    }

    /** Whether a single number holds it (a counter, a gauge or a ratio), so that a table row can show it. */
    default boolean scalar() {
        return this instanceof Counter || this instanceof Gauge || this instanceof Ratio;
    }
}
