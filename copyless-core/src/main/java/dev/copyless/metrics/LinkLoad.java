package dev.copyless.metrics;

/**
 * The load of every directed link between two host nodes, per time bucket of the run: the bytes
 * each link carried in each bucket, spread over the buckets its transfers' busy intervals
 * overlap (a transfer from {@code start} to {@code end} puts into each bucket the share of its
 * bytes that falls inside it). Utilisation of a bucket is {@code bytes / (bucket length x
 * bandwidth)}, so it lies in [0, 1] whenever the link never carries more than its bandwidth,
 * which the busy-until model of the simulated host's interconnect guarantees. Bytes after the
 * run's last bucket are outside the measured window and are not recorded here. Recording
 * allocates nothing; single-threaded like the simulated host.
 */
public final class LinkLoad {
    private final int nodes;
    private final long bytesPerSecond;
    private final long bucketNs;
    private final int buckets;
    /** [(from * nodes + to) * buckets + bucket]: bytes. */
    private final long[] bytes;

    /**
     * @param nodes          host nodes (links are the ordered pairs of different nodes)
     * @param bytesPerSecond every link's bandwidth
     * @param bucketNs       length of a time bucket
     * @param buckets        time buckets of the run
     */
    public LinkLoad(int nodes, long bytesPerSecond, long bucketNs, int buckets) {
        if (bytesPerSecond <= 0 || bucketNs <= 0 || buckets <= 0) {
            throw new IllegalArgumentException("link bandwidth, bucket length and bucket count must be positive");
        }
        this.nodes = nodes;
        this.bytesPerSecond = bytesPerSecond;
        this.bucketNs = bucketNs;
        this.buckets = buckets;
        this.bytes = new long[nodes * nodes * buckets];
    }

    public int nodes() {
        return nodes;
    }

    public int buckets() {
        return buckets;
    }

    public long bucketNs() {
        return bucketNs;
    }

    public long bytesPerSecond() {
        return bytesPerSecond;
    }

    /** Records {@code n} bytes carried from {@code from} to {@code to} while the link was busy in [{@code startNs}, {@code endNs}). */
    public void record(int from, int to, long startNs, long endNs, long n) {
        int base = (from * nodes + to) * buckets;
        long horizon = bucketNs * buckets;
        if (startNs >= horizon || n <= 0) {
            return;
        }
        long start = Math.max(startNs, 0);
        if (endNs <= start) {
            bytes[base + (int) (start / bucketNs)] += n;
            return;
        }
        long span = endNs - start;
        long end = Math.min(endNs, horizon);
        long done = 0;
        for (long t = start; t < end; ) {
            int b = (int) (t / bucketNs);
            long next = Math.min((b + 1) * bucketNs, end);
            long share = next == endNs ? n - done : (n * (next - start)) / span - done;
            bytes[base + b] += share;
            done += share;
            t = next;
        }
    }

    /** Bytes the link {@code from -> to} carried in bucket {@code b}. */
    public long bytes(int from, int to, int b) {
        return bytes[(from * nodes + to) * buckets + b];
    }

    /** Utilisation of the link {@code from -> to} in bucket {@code b}: bytes / (bucket length x bandwidth). */
    public double utilisation(int from, int to, int b) {
        return bytes(from, to, b) / (bucketNs * (bytesPerSecond / 1e9));
    }
}
