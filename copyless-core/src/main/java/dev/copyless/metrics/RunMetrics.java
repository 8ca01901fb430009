package dev.copyless.metrics;

import org.HdrHistogram.Histogram;

/**
 * Everything a run measures: the {@link VmStat} counters, HdrHistograms of guest access
 * latency and balancing-migration latency (virtual ns), and the remote-access fraction per
 * time bucket. Recording allocates nothing (histograms are sized up front).
 */
public final class RunMetrics {
    /** Highest latency the histograms track: 10 s of virtual time. */
    public static final long MAX_LATENCY_NS = 10_000_000_000L;

    public final VmStat stat = new VmStat();
    public final Histogram accessLatency = new Histogram(MAX_LATENCY_NS, 3);
    public final Histogram migrationLatency = new Histogram(MAX_LATENCY_NS, 3);
    private final long bucketNs;
    private final long[] localAccesses;
    private final long[] remoteAccesses;

    public RunMetrics(long durationNs, int buckets) {
        this.bucketNs = Math.max(1, (durationNs + buckets - 1) / buckets);
        this.localAccesses = new long[buckets];
        this.remoteAccesses = new long[buckets];
    }

    public int bucketOf(long timeNs) {
        int b = (int) (timeNs / bucketNs);
        return Math.min(Math.max(b, 0), localAccesses.length - 1);
    }

    public long bucketNs() {
        return bucketNs;
    }

    public int buckets() {
        return localAccesses.length;
    }

    public void recordAccesses(int bucket, long local, long remote) {
        localAccesses[bucket] += local;
        remoteAccesses[bucket] += remote;
        stat.add(Counter.GUEST_ACCESSES, local + remote);
        stat.add(Counter.REMOTE_ACCESSES, remote);
    }

    public void recordMigrationLatency(long ns) {
        migrationLatency.recordValue(Math.min(Math.max(ns, 0), MAX_LATENCY_NS));
    }

    public void recordAccessLatency(long ns, long count) {
        if (count > 0) {
            accessLatency.recordValueWithCount(Math.min(Math.max(ns, 0), MAX_LATENCY_NS), count);
        }
    }

    /** Remote fraction of bucket {@code b}, or NaN when the bucket saw no access. */
    public double remoteFraction(int b) {
        long t = localAccesses[b] + remoteAccesses[b];
        return t == 0 ? Double.NaN : (double) remoteAccesses[b] / t;
    }
}
