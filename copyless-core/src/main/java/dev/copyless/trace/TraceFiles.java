package dev.copyless.trace;

import java.nio.file.Path;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * Where a scenario's trace file is read from. A scenario names its traces by the path they had
 * where it was written (the user's machine); a sweep engine that runs points elsewhere (a Spark
 * executor) ships each trace there once and installs a resolver that maps the original path to
 * the local copy. The default resolver is the identity. Every open of a trace by a scenario
 * ({@link dev.copyless.scenario.TraceScenario}, the simulation's trace workload) goes through
 * {@link #resolve}.
 */
public final class TraceFiles {
    private TraceFiles() {}

    private static volatile UnaryOperator<Path> resolver = UnaryOperator.identity();

    /** The file to read for the trace a scenario names {@code named}. */
    public static Path resolve(Path named) {
        return resolver.apply(named);
    }

    /** Installs the resolver of this JVM (an engine's executor does it before it runs a point). */
    public static void install(UnaryOperator<Path> r) {
        resolver = Objects.requireNonNull(r);
    }

    /** Back to the identity. */
    public static void reset() {
        resolver = UnaryOperator.identity();
    }
}
