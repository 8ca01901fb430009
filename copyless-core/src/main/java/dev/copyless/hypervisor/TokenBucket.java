package dev.copyless.hypervisor;

/**
 * A token bucket in virtual time, one per VM and resource (calls, pages), for the hypercall
 * rate limit: it fills at {@code rate} tokens per second up to a depth of {@code burst}
 * nanoseconds' worth, and a call takes tokens only when the hypervisor accepts it, so a refused
 * call changes nothing. Integer arithmetic in units of 10^-9 token: exact and deterministic.
 * A rate of 0 means unlimited.
 */
final class TokenBucket {
    private static final long UNIT = 1_000_000_000L;

    private final long rate;
    private final long capacity;
    private final long burstNs;
    private long tokens;
    private long last;

    /**
     * @param rate    tokens per second (0: unlimited; at most 10^9)
     * @param burstNs depth of the bucket as time at the full rate (at most 1 s)
     * @param floor   the bucket holds at least this many tokens, so that any legal call can pass
     */
    TokenBucket(long rate, long burstNs, long floor) {
        if (rate < 0 || rate > UNIT || burstNs <= 0 || burstNs > UNIT) {
            throw new IllegalArgumentException("rate in 0..1e9 per second and burst in 1ns..1s expected");
        }
        this.rate = rate;
        this.burstNs = burstNs;
        this.capacity = Math.max(rate * burstNs, floor * UNIT);
        this.tokens = capacity;
    }

    /** Tokens (in units) available at {@code now}, without changing anything. */
    private long available(long now) {
        long elapsed = Math.min(Math.max(0, now - last), Math.max(burstNs, capacity / Math.max(rate, 1)) + 1);
        return Math.min(capacity, tokens + elapsed * rate);
    }

    /** Whether {@code n} tokens are available at {@code now}. */
    boolean allows(long now, long n) {
        return rate == 0 || available(now) >= n * UNIT;
    }

    /** Takes {@code n} tokens at {@code now} (the caller checked {@link #allows}). */
    void take(long now, long n) {
        if (rate == 0) {
            return;
        }
        tokens = available(now) - n * UNIT;
        last = Math.max(last, now);
    }
}
