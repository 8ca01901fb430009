package dev.copyless.workload;

import java.util.SplittableRandom;

/** Every page of the footprint equally likely. */
public record UniformWorkload(int footprint) implements Workload {
    @Override
    public int next(SplittableRandom rng) {
        return rng.nextInt(footprint);
    }
}
