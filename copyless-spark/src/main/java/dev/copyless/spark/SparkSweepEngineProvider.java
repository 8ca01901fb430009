package dev.copyless.spark;

import dev.copyless.sweep.SweepEngine;
import dev.copyless.sweep.SweepEngineProvider;

/**
 * {@code copyless sweep --engine spark}: found by the CLI through {@link java.util.ServiceLoader}
 * when this module is on the class path ({@code ./copyless} adds it when it sees
 * {@code --engine spark}; the spark-submit jar holds it).
 */
public final class SparkSweepEngineProvider implements SweepEngineProvider {
    @Override
    public String name() {
        return "spark";
    }

    /** A Spark session for {@code master}; Spark's parallelism comes from the master, so {@code threads} is not used. */
    @Override
    public SweepEngine open(String master, Integer threads) {
        return SparkSweepEngine.open(master);
    }
}
