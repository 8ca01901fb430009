package dev.copyless.workload;

import java.util.SplittableRandom;

/**
 * A hot set and a cold remainder: with probability {@code hotProbability} the access goes
 * to one of the first {@code hotFraction * footprint} pages, else to one of the others,
 * uniformly within each set. Cold pages are what host reclaim swaps out; a task that moves
 * to another vNode touches them later, which is when they get balanced.
 */
public final class HotColdWorkload implements Workload {
    private final int footprint;
    private final int hot;
    private final double hotProbability;

    public HotColdWorkload(int footprint, double hotFraction, double hotProbability) {
        this.footprint = footprint;
        this.hot = Math.max(1, Math.min(footprint, (int) Math.round(footprint * hotFraction)));
        this.hotProbability = hotProbability;
    }

    @Override
    public int footprint() {
        return footprint;
    }

    @Override
    public int next(SplittableRandom rng) {
        if (hot == footprint || rng.nextDouble() < hotProbability) {
            return rng.nextInt(hot);
        }
        return hot + rng.nextInt(footprint - hot);
    }
}
