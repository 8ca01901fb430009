package dev.copyless.clock;

/**
 * Something the clock drives: a vCPU, kswapd, the demotion agent, the guest scheduler. Like
 * Agrona's {@code Agent.doWork()}, each call does one bounded piece of work and says when
 * it wants to run next.
 */
public abstract class Agent {
    /** Returned by {@link #doWork(long)} to sleep until {@link Engine#wake} is called. */
    public static final long SLEEP = -1;

    long nextRun = SLEEP;
    long seq;

    /** Name for diagnostics. */
    public abstract String name();

    /**
     * Does one unit of work at virtual time {@code now}.
     *
     * @return the virtual time of the next run ({@code > now}... or {@code == now} to yield),
     *     or {@link #SLEEP}
     */
    public abstract long doWork(long now);

    public final boolean scheduled() {
        return nextRun != SLEEP;
    }
}
