package dev.copyless.sweep;

import dev.copyless.scenario.Scenario;
import java.util.List;
import java.util.Map;

/**
 * Where a sweep's points run. The sweep command (grid, output files, resume, progress, report)
 * is the same for every engine; an engine only turns points into rows:
 * {@link LocalSweepEngine} on this machine's cores (the default, no dependency), and the Spark
 * engine of the {@code copyless-spark} module on a Spark cluster (found through
 * {@link SweepEngineProvider}). Every engine computes a row with {@link SweepPoint#row}, so the
 * rows are the same on all of them.
 */
public interface SweepEngine extends AutoCloseable {

    /** Receives each finished point's row on the thread that called {@link #run}, in completion order. */
    @FunctionalInterface
    interface Sink {
        void accept(SweepPoint point, Map<String, Object> row) throws Exception;
    }

    /** How this engine describes itself in the sweep's first line, e.g. {@code 2 at a time} or {@code spark local[2]}. */
    String describe();

    /**
     * Runs {@code points} of a grid whose base scenario is {@code base} and hands every finished
     * point's row to {@code sink}. Returns when all are done; the first failure of a point (or of
     * the sink) is thrown, and points still running are abandoned.
     */
    void run(Scenario base, List<SweepPoint> points, Sink sink) throws Exception;

    /** Stops what still runs and releases the engine's threads or cluster resources. */
    @Override
    void close();
}
