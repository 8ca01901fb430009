package dev.copyless.trace;

import java.nio.file.Path;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * Where a trace file named in a scenario is read from in this JVM. A scenario names a trace by
 * the path it had where the scenario was read (the driver of a sweep); a sweep engine that runs
 * points on other machines ships the trace there and installs a resolver that maps that path to
 * the local copy (the Spark engine: one broadcast per sweep, one local file per executor).
 * Everything that opens a scenario's trace ({@code Simulation}'s trace workload,
 * {@code TraceScenario}) goes through {@link #resolve}; the scenario itself keeps the original
 * path, so names, regions and results do not depend on where the point ran.
 *
 * <p>Thread-safe: the resolver is one volatile reference, read on every resolve; the default is
 * the identity. A resolver must itself be thread-safe and return its argument for a path it does
 * not know.
 */
public final class TraceFiles {
    private static volatile UnaryOperator<Path> resolver = UnaryOperator.identity();

    private TraceFiles() {}

    /** The file to read for the trace a scenario names as {@code path} (the path itself unless a resolver maps it). */
    public static Path resolve(Path path) {
        return resolver.apply(path);
    }

    /** Makes {@code r} the resolver of this JVM (an engine on a worker, before it runs points). */
    public static void install(UnaryOperator<Path> r) {
        resolver = Objects.requireNonNull(r, "resolver");
    }

    /** Back to the identity (an engine that installed a resolver in the driver's JVM, when it closes). */
    public static void reset() {
        resolver = UnaryOperator.identity();
    }
}
