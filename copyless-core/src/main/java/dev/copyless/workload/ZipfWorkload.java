package dev.copyless.workload;

import java.util.SplittableRandom;

/**
 * Zipf-distributed accesses: page {@code k-1} has probability proportional to
 * {@code 1 / k^s}. Sampled by rejection-inversion (Hörmann and Derflinger, "Rejection-inversion
 * to generate variates from monotone discrete distributions", 1996, as in Apache Commons
 * RNG's {@code RejectionInversionZipfSampler}): O(1) per access, no table, no allocation.
 */
public final class ZipfWorkload implements Workload {
    private final int footprint;
    private final double exponent;
    private final double hIntegralX1;
    private final double hIntegralN;
    private final double s;

    /**
     * @param exponent the Zipf exponent {@code s > 0} (1.0 is the classic web/cache skew)
     */
    public ZipfWorkload(int footprint, double exponent) {
        if (footprint < 1 || !(exponent > 0)) {
            throw new IllegalArgumentException("zipf needs footprint >= 1 and exponent > 0");
        }
        this.footprint = footprint;
        this.exponent = exponent;
        this.hIntegralX1 = hIntegral(1.5) - 1;
        this.hIntegralN = hIntegral(footprint + 0.5);
        this.s = 2 - hIntegralInverse(hIntegral(2.5) - h(2));
    }

    @Override
    public int footprint() {
        return footprint;
    }

    @Override
    public int next(SplittableRandom rng) {
        while (true) {
            double u = hIntegralN + rng.nextDouble() * (hIntegralX1 - hIntegralN);
            double x = hIntegralInverse(u);
            int k = (int) (x + 0.5);
            if (k < 1) {
                k = 1;
            } else if (k > footprint) {
                k = footprint;
            }
            if (k - x <= s || u >= hIntegral(k + 0.5) - h(k)) {
                return k - 1;
            }
        }
    }

    private double h(double x) {
        return Math.exp(-exponent * Math.log(x));
    }

    private double hIntegral(double x) {
        double logX = Math.log(x);
        return helper2((1 - exponent) * logX) * logX;
    }

    private double hIntegralInverse(double x) {
        double t = x * (1 - exponent);
        if (t < -1) {
            t = -1;
        }
        return Math.exp(helper1(t) * x);
    }

    /** {@code log(1+x)/x}, accurate near 0. */
    private static double helper1(double x) {
        return Math.abs(x) > 1e-8 ? Math.log1p(x) / x : 1 - x * (0.5 - x * (1.0 / 3 - 0.25 * x));
    }

    /** {@code (exp(x)-1)/x}, accurate near 0. */
    private static double helper2(double x) {
        return Math.abs(x) > 1e-8 ? Math.expm1(x) / x : 1 + x * 0.5 * (1 + x / 3 * (1 + 0.25 * x));
    }
}
