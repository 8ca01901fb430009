package dev.copyless.workload;

import java.util.SplittableRandom;

/**
 * A task's access pattern over its footprint: each call names the next page (0-based
 * index into the task's virtual pages) it touches. Implementations keep their state in
 * fields and allocate nothing per call: the vCPU access loop calls this once per access.
 */
public interface Workload {
    /** Pages in the task's footprint. */
    int footprint();

    /** The next page index touched, in {@code [0, footprint())}. */
    int next(SplittableRandom rng);

    /** Tells a time-dependent pattern the virtual time; called at the start of each of the task's quanta. */
    default void tick(long nowNs) {
    }

    /**
     * True when the pattern sets the compute time before each access itself ({@link #thinkNs()}),
     * as a recorded trace does; false (the default) when the task's constant {@code think} applies.
     * Asked once per quantum, not per access.
     */
    default boolean timed() {
        return false;
    }

    /** For a {@link #timed()} pattern: the compute time (ns) before the access {@link #next} last returned. */
    default long thinkNs() {
        return 0;
    }
}
