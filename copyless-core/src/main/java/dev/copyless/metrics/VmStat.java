package dev.copyless.metrics;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Event counters of one run, one {@code long} per {@link Counter}: the simulated host's and
 * guests' {@code /proc/vmstat}. Incrementing allocates nothing. Single writer (the engine
 * thread), unless built {@linkplain #VmStat(boolean) atomic} for a run whose host and guests
 * count from several threads ({@code dev.copyless.stress.ConcurrentRun}).
 */
public final class VmStat {
    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);

    private final long[] values = new long[Counter.values().length];
    private final boolean atomic;

    public VmStat() {
        this(false);
    }

    /** @param atomic every update is an atomic add (counters shared by threads) */
    public VmStat(boolean atomic) {
        this.atomic = atomic;
    }

    public void inc(Counter c) {
        add(c, 1);
    }

    public void add(Counter c, long n) {
        if (atomic) {
            LONGS.getAndAdd(values, c.ordinal(), n);
        } else {
            values[c.ordinal()] += n;
        }
    }

    public long get(Counter c) {
        return atomic ? (long) LONGS.getVolatile(values, c.ordinal()) : values[c.ordinal()];
    }

    public long[] snapshot() {
        return values.clone();
    }
}
