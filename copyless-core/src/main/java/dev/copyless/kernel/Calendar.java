package dev.copyless.kernel;

/**
 * The capacity of a shared resource over virtual time (a device's bandwidth, its queue slots, a
 * link): {@code servers} servers, their time cut into bins of {@link #BIN_NS}, each bin holding
 * how many server-nanoseconds are already promised. A request that wants {@code amount} ns of
 * one server from time {@code t} takes the free time of the bins from {@code t} on, at most one
 * server's worth per bin, until it has its amount; it completes where its last part ends. Within
 * a bin the model is fluid (it does not know which part of the bin is taken), so a completion
 * time is exact to within one bin.
 *
 * <p>Why bins, not one busy-until time: the agents of the simulation (vCPUs, kswapd) each run a
 * time slice ahead of the others, so requests reach a resource out of time order. With a single
 * busy-until time, a request at {@code t} would wait behind one that another vCPU made at
 * {@code t + 90 us}; with bins it waits only for what really overlaps it. Submitted in time
 * order, it behaves as a busy-until server: with one server, two requests made at the same
 * instant run one after the other; with {@code n} servers, {@code n} of them run side by side.
 *
 * <p>The bins are a ring over the last {@link #HORIZON_BINS} bins (16 ms); a request older than
 * that is taken as made at the ring's oldest bin. Allocation-free; single-threaded.
 */
final class Calendar {
    /** Bin width: 1 us of virtual time. */
    static final long BIN_NS = 1_000;
    /** Bins held: 16 ms (a power of two). */
    static final int HORIZON_BINS = 1 << 14;
    private static final int MASK = HORIZON_BINS - 1;

    private final int servers;
    /** Server-ns promised in each bin, by absolute bin index modulo the ring. */
    private final long[] used = new long[HORIZON_BINS];
    /** The oldest absolute bin the ring holds. */
    private long lo;
    /**
     * A run of full bins, {@code [fullStart, fullEnd)} (empty when equal): a request that reaches
     * it jumps over it instead of visiting each bin, so a backlog costs O(1), not O(its length).
     * Bins only fill up, so a full bin stays full until the ring drops it.
     */
    private long fullStart;
    private long fullEnd;

    Calendar(int servers) {
        if (servers < 1) {
            throw new IllegalArgumentException("a calendar needs at least one server, got " + servers);
        }
        this.servers = servers;
    }

    /**
     * Takes {@code amount} ns of one server from time {@code t} on.
     *
     * @return the time the request's service ends (at least {@code t + amount})
     */
    long reserve(long t, long amount) {
        long capacity = servers * BIN_NS;
        long b = Math.max(t / BIN_NS, lo);
        long from = Math.max(t, b * BIN_NS);
        long remaining = amount;
        while (true) {
            if (b >= lo + HORIZON_BINS) {
                advanceTo(b - HORIZON_BINS + 1);
            }
            if (b >= fullStart && b < fullEnd) {
                b = fullEnd; // every bin of the run is full: nothing to take there
                from = b * BIN_NS;
                continue;
            }
            int i = (int) (b & MASK);
            long binStart = b * BIN_NS;
            long binEnd = binStart + BIN_NS;
            // one server's worth at most: the rest of the bin from `from`, and no more than is free in it
            long take = Math.min(Math.min(capacity - used[i], binEnd - from), remaining);
            if (take > 0) {
                used[i] += take;
                remaining -= take;
                if (used[i] == capacity) {
                    noteFull(b);
                }
                if (remaining == 0) {
                    // it ends after its own part, and not before the bin's promised time spread over the servers
                    long end = Math.max(from + take, binStart + (used[i] + servers - 1) / servers);
                    return Math.max(end, t + amount);
                }
            }
            b++;
            from = b * BIN_NS;
        }
    }

    /** Bin {@code b} just became full: grow the run of full bins with it, or start a new run there. */
    private void noteFull(long b) {
        if (b == fullEnd && fullEnd > fullStart) {
            fullEnd = b + 1;
        } else if (b + 1 == fullStart) {
            fullStart = b;
        } else if (b < fullStart || b >= fullEnd) {
            fullStart = b;
            fullEnd = b + 1;
        }
        long capacity = servers * BIN_NS;
        while (fullEnd < lo + HORIZON_BINS && used[(int) (fullEnd & MASK)] == capacity) {
            fullEnd++;
        }
    }

    /** Drops the bins before {@code newLo} from the ring. */
    private void advanceTo(long newLo) {
        for (long b = lo; b < newLo && b < lo + HORIZON_BINS; b++) {
            used[(int) (b & MASK)] = 0;
        }
        lo = newLo;
        fullStart = Math.max(fullStart, newLo);
        if (fullEnd < fullStart) {
            fullEnd = fullStart;
        }
    }
}
