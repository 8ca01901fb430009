package dev.copyless.workload;

import java.util.SplittableRandom;

/**
 * Phase changes: a hot set of {@code hotFraction * footprint} pages takes
 * {@code hotProbability} of the accesses, and every {@code phaseNs} of virtual time the hot
 * set moves on to the next window of the footprint (wrapping around). Pages that were hot
 * go cold and get reclaimed; the new hot set comes back from swap. This is where a host's
 * first migrations and a guest's balancing meet most often.
 */
public final class PhaseWorkload implements Workload {
    private final int footprint;
    private final int hot;
    private final double hotProbability;
    private final long phaseNs;
    private int hotStart;

    public PhaseWorkload(int footprint, double hotFraction, double hotProbability, long phaseNs) {
        if (phaseNs <= 0) {
            throw new IllegalArgumentException("phase period must be positive");
        }
        this.footprint = footprint;
        this.hot = Math.max(1, Math.min(footprint, (int) Math.round(footprint * hotFraction)));
        this.hotProbability = hotProbability;
        this.phaseNs = phaseNs;
    }

    @Override
    public int footprint() {
        return footprint;
    }

    /** The first page of the current hot set. */
    public int hotStart() {
        return hotStart;
    }

    @Override
    public void tick(long nowNs) {
        long phase = nowNs / phaseNs;
        hotStart = (int) ((phase * hot) % footprint);
    }

    @Override
    public int next(SplittableRandom rng) {
        if (hot == footprint || rng.nextDouble() < hotProbability) {
            int p = hotStart + rng.nextInt(hot);
            return p >= footprint ? p - footprint : p;
        }
        int p = hotStart + hot + rng.nextInt(footprint - hot);
        return p % footprint;
    }
}
