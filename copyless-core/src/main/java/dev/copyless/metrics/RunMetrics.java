package dev.copyless.metrics;

import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * Everything a run measures: the {@link VmStat} counters, HdrHistograms of guest access
 * latency and balancing-migration latency (virtual ns), and the remote-access fraction per
 * time bucket. Recording allocates nothing (histograms are sized up front).
 */
public final class RunMetrics {
    /** Highest latency the histograms track: 10 s of virtual time. */
    public static final long MAX_LATENCY_NS = 10_000_000_000L;

    public final VmStat stat;
    /** Guest access latency; safe to record from several threads in a thread-safe run. */
    public final Histogram accessLatency;
    /** Balancing-migration latency; safe to record from several threads in a thread-safe run. */
    public final Histogram migrationLatency;
    private final long bucketNs;
    private final long[] localAccesses;
    private final long[] remoteAccesses;
    /** Cumulative value of each {@link #SAMPLED} counter at the end of each time bucket. */
    private final long[][] sampled;
    private int sampledUpTo;
    /** The links' load per time bucket, or null when the host has no links to record (one node, another backend). */
    private LinkLoad links;

    /** Counters whose course over time a run records (for charts): the data movements by kind and their effects. */
    public static final Counter[] SAMPLED = {
        Counter.PSWPIN, Counter.PSWPOUT, Counter.GUEST_PAGE_COPIES, Counter.HOST_PAGE_COPIES,
        Counter.MOVED_PAGE_DATA_MOVEMENTS, Counter.INTERCONNECT_BYTES, Counter.EVICTIONS_CAUSED,
        Counter.NUMA_PAGES_MIGRATED, Counter.BALANCED_MOVED_PAGES, Counter.HYPERCALL_PAGES,
    };

    public RunMetrics(long durationNs, int buckets) {
        this(durationNs, buckets, false);
    }

    /**
     * @param threadSafeCounters counters updated atomically and latencies recorded into
     *                           {@link ConcurrentHistogram}s (a run on real threads, whose vCPUs of
     *                           different VMs record at the same time)
     */
    public RunMetrics(long durationNs, int buckets, boolean threadSafeCounters) {
        this.stat = new VmStat(threadSafeCounters);
        this.accessLatency = threadSafeCounters ? new ConcurrentHistogram(MAX_LATENCY_NS, 3)
                : new Histogram(MAX_LATENCY_NS, 3);
        this.migrationLatency = threadSafeCounters ? new ConcurrentHistogram(MAX_LATENCY_NS, 3)
                : new Histogram(MAX_LATENCY_NS, 3);
        this.bucketNs = Math.max(1, (durationNs + buckets - 1) / buckets);
        this.localAccesses = new long[buckets];
        this.remoteAccesses = new long[buckets];
        this.sampled = new long[buckets][SAMPLED.length];
    }

    /**
     * Records the counters' values for every bucket that ends at or before {@code timeNs}
     * (called by the engine after each event; allocation-free).
     */
    public void sampleUpTo(long timeNs) {
        while (sampledUpTo < sampled.length && (sampledUpTo + 1) * bucketNs <= timeNs) {
            fill(sampledUpTo++);
        }
    }

    /** Fills every bucket not yet sampled with the final values (end of run). */
    public void sampleRest() {
        while (sampledUpTo < sampled.length) {
            fill(sampledUpTo++);
        }
        fill(sampled.length - 1); // the last bucket ends with the run's final values
    }

    private void fill(int b) {
        long[] row = sampled[b];
        for (int i = 0; i < SAMPLED.length; i++) {
            row[i] = stat.get(SAMPLED[i]);
        }
    }

    /** Cumulative value of {@code SAMPLED[i]} at the end of bucket {@code b}. */
    public long sampled(int b, int i) {
        return sampled[b][i];
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

    /**
     * Starts recording the load of the links between {@code nodes} host nodes of bandwidth
     * {@code bytesPerSecond} each, in this run's time buckets; the host records into the result.
     */
    public LinkLoad trackLinks(int nodes, long bytesPerSecond) {
        links = new LinkLoad(nodes, bytesPerSecond, bucketNs, localAccesses.length);
        return links;
    }

    /** The links' load per time bucket, or null when not tracked ({@link #trackLinks}). */
    public LinkLoad links() {
        return links;
    }

    /** Remote fraction of bucket {@code b}, or NaN when the bucket saw no access. */
    public double remoteFraction(int b) {
        long t = localAccesses[b] + remoteAccesses[b];
        return t == 0 ? Double.NaN : (double) remoteAccesses[b] / t;
    }
}
