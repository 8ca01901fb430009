package dev.copyless.metrics;

/**
 * Event counters of one run, one {@code long} per {@link Counter}: the simulated host's and
 * guests' {@code /proc/vmstat}. Incrementing allocates nothing. Single writer (the engine
 * thread).
 */
public final class VmStat {
    private final long[] values = new long[Counter.values().length];

    public void inc(Counter c) {
        values[c.ordinal()]++;
    }

    public void add(Counter c, long n) {
        values[c.ordinal()] += n;
    }

    public long get(Counter c) {
        return values[c.ordinal()];
    }

    public long[] snapshot() {
        return values.clone();
    }
}
