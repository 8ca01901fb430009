package dev.copyless.kernel;

import dev.copyless.metrics.Counter;
import dev.copyless.metrics.LinkLoad;
import dev.copyless.metrics.VmStat;

/**
 * The links between host nodes (UPI, Infinity Fabric, CXL): one per directed pair of nodes, each
 * with the host's link bandwidth ({@code host.link-bandwidth}), shared by every transfer that
 * crosses it, whatever its kind and whoever makes it: the guest's page copy across nodes
 * ({@link Memory}), a swap device's DMA into or out of a frame on a node other than the
 * device's home node ({@link BlockLayer}), demotion ({@link MemoryTiers}), promotion and host
 * migration ({@link Migrate}). Linux has no such object: the hardware shares the link; this
 * room is where the simulated host makes everyone pay for that sharing alike, whatever the
 * balancing policy.
 *
 * <p>Model: a busy-until server per link, kept as a {@link Calendar} so that transfers reaching
 * it out of time order (from agents running their time slices side by side) wait only for the
 * transfers that really overlap them. A transfer of {@code b} bytes that wants the link at
 * {@code t} holds it for {@code b / bandwidth} from the first time the link has that capacity;
 * how much later than {@code t + b / bandwidth} it ends is the queueing delay, returned to the
 * caller, who adds it to the time of whatever waits (the vCPU's copy, kswapd's pass, the
 * device read). The transfer's own speed is not changed: a page copy still costs the per-core
 * copy time of the {@link dev.copyless.clock.CostModel}; the link only decides when it may
 * start. Counts {@code link_bytes} and {@code link_queue_delay_ns}; records each busy interval in
 * the run's {@link LinkLoad} for the utilisation series. Allocation-free; single-threaded.
 */
final class Interconnect {
    /** {@code host.link-bandwidth}'s default: UPI at 10.4 GT/s, 2 bytes per transfer per direction. */
    static final long UPI_BYTES_PER_SECOND = 20_800_000_000L;

    private final int nodes;
    private final long bytesPerSecond;
    private final VmStat stat;
    /** [from * nodes + to]: the link's capacity over time, made on its first transfer. */
    private final Calendar[] calendars;
    private LinkLoad load;

    Interconnect(int nodes, long bytesPerSecond, VmStat stat) {
        if (bytesPerSecond <= 0) {
            throw new IllegalArgumentException("link bandwidth must be positive, got " + bytesPerSecond);
        }
        this.nodes = nodes;
        this.bytesPerSecond = bytesPerSecond;
        this.stat = stat;
        this.calendars = new Calendar[nodes * nodes];
    }

    /** Where each transfer's busy interval is recorded (the run's utilisation series), or null. */
    void recordInto(LinkLoad load) {
        this.load = load;
    }

    long bytesPerSecond() {
        return bytesPerSecond;
    }

    /** Nanoseconds the link holds for {@code bytes} (rounded up). */
    long holdNs(long bytes) {
        return (bytes * 1_000_000_000L + bytesPerSecond - 1) / bytesPerSecond;
    }

    /**
     * A transfer of {@code bytes} from node {@code from} to node {@code to} that wants the link
     * at virtual time {@code t}. Nothing happens for {@code from == to} (no link crossed).
     *
     * @return the queueing delay: how long after {@code t} the transfer could start
     */
    long transfer(int from, int to, long t, long bytes) {
        if (from == to) {
            return 0;
        }
        int l = from * nodes + to;
        if (calendars[l] == null) {
            calendars[l] = new Calendar(1);
        }
        long hold = holdNs(bytes);
        long end = calendars[l].reserve(t, hold);
        long start = end - hold;
        long delay = start - t;
        stat.add(Counter.LINK_BYTES, bytes);
        stat.add(Counter.LINK_QUEUE_DELAY_NS, delay);
        if (load != null) {
            load.record(from, to, start, end, bytes);
        }
        return delay;
    }
}
