package dev.copyless.cli;

import dev.copyless.scenario.ScenarioException;
import dev.copyless.sweep.LocalSweepEngine;
import dev.copyless.sweep.SweepEngine;
import dev.copyless.sweep.SweepEngineProvider;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

/**
 * {@code sweep --engine NAME}: the built-in {@code local} engine, or one a module on the class
 * path provides ({@link SweepEngineProvider}; {@code copyless-spark} provides {@code spark}).
 * An engine that is not there is refused with what to do, before anything is written.
 */
final class SweepEngines {
    private SweepEngines() {}

    static SweepEngine open(String name, String master, int threads) {
        if (name.equals("local")) {
            return new LocalSweepEngine(threads);
        }
        List<String> known = new ArrayList<>(List.of("local"));
        for (SweepEngineProvider p : ServiceLoader.load(SweepEngineProvider.class)) {
            if (p.name().equals(name)) {
                return p.open(master, null);
            }
            known.add(p.name());
        }
        if (name.equals("spark")) {
            throw new ScenarioException("--engine spark: the Spark engine is not on the class path; run the sweep"
                    + " through ./copyless (it builds and adds the copyless-spark module when it sees --engine spark),"
                    + " or submit copyless-spark's jar with spark-submit (docs/SWEEP.md)");
        }
        throw new ScenarioException("--engine: expected one of " + String.join(", ", known) + " or spark, got '"
                + name + "'");
    }
}
