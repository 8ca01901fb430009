package dev.copyless.workload;

import java.util.SplittableRandom;

/** A scan: pages 0, 1, ..., footprint-1, then again from 0. */
public final class SequentialWorkload implements Workload {
    private final int footprint;
    private int cursor;

    public SequentialWorkload(int footprint) {
        this.footprint = footprint;
    }

    @Override
    public int footprint() {
        return footprint;
    }

    @Override
    public int next(SplittableRandom rng) {
        int p = cursor;
        cursor = p + 1 == footprint ? 0 : p + 1;
        return p;
    }
}
