package dev.copyless.hypervisor;

/**
 * The hypercall channel's settings (scenario section {@code hypercall:}, docs/SCENARIO.md):
 * the per-VM rate limits, how long a guest waits for a reply and how often it retries, and the
 * request channel's fault injection.
 *
 * @param rateLimitCalls calls per second of virtual time per VM; 0 = unlimited
 * @param rateLimitPages pages per second of virtual time per VM; 0 = unlimited
 * @param burstNs        depth of each token bucket, as time at the full rate (at least one call
 *                       and {@link HypercallAbi#MAX_ENTRIES} pages)
 * @param timeoutNs      virtual time a guest waits for a reply that does not come
 * @param retries        new attempts, each with a new sequence number, after a timeout
 * @param channelSeed    seed of the channel's fault draws
 * @param dropRate       probability that a request is lost (the guest times out)
 * @param duplicateRate  probability that a request is delivered twice
 * @param reorderRate    probability that a request is held back and delivered after the VM's next one
 */
public record HypercallConfig(long rateLimitCalls, long rateLimitPages, long burstNs, long timeoutNs, int retries,
                              long channelSeed, double dropRate, double duplicateRate, double reorderRate) {
    /** No rate limit, no faults: the channel is a plain call. */
    public static final HypercallConfig DEFAULT = new HypercallConfig(0, 0, 10_000_000L, 50_000L, 2, 1, 0, 0, 0);

    public HypercallConfig {
        if (rateLimitCalls < 0 || rateLimitPages < 0 || burstNs <= 0 || timeoutNs < 0 || retries < 0) {
            throw new IllegalArgumentException("hypercall limits must be >= 0 and the burst > 0");
        }
        if (!(dropRate >= 0 && duplicateRate >= 0 && reorderRate >= 0 && dropRate + duplicateRate + reorderRate <= 1.0)) {
            throw new IllegalArgumentException("hypercall fault rates must be >= 0 and sum to at most 1");
        }
    }

    /** Whether the channel injects any fault. */
    public boolean faulty() {
        return dropRate > 0 || duplicateRate > 0 || reorderRate > 0;
    }

    public HypercallConfig withRateLimits(long calls, long pages) {
        return new HypercallConfig(calls, pages, burstNs, timeoutNs, retries, channelSeed, dropRate, duplicateRate,
                reorderRate);
    }

    public HypercallConfig withFaults(long seed, double drop, double duplicate, double reorder) {
        return new HypercallConfig(rateLimitCalls, rateLimitPages, burstNs, timeoutNs, retries, seed, drop, duplicate,
                reorder);
    }
}
