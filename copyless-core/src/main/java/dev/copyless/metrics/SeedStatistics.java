package dev.copyless.metrics;

/**
 * The statistics of {@code --seeds N}: one metric measured once per seed, summarised as its
 * mean and a 95% confidence interval. Pure functions of the values, no state.
 *
 * <ul>
 *   <li>{@link #meanCi95}: the Student t interval {@code mean ± t(0.975, n-1) · s / sqrt(n)},
 *       {@code s} the sample standard deviation (divisor {@code n - 1}). The t quantile is computed
 *       ({@link #tQuantile}: the regularized incomplete beta function inverted by bisection), not
 *       read from a table.</li>
 *   <li>{@link #ratioCi95}: the ratio of two policies' means, {@code R = mean(x) / mean(y)}, with
 *       the delta-method (linearised) interval for paired samples: seed {@code i} gives both
 *       {@code x_i} and {@code y_i}, {@code d_i = x_i - R · y_i}, and the interval is
 *       {@code R ± t(0.975, n-1) · s_d / (sqrt(n) · |mean(y)|)} (Cochran, <i>Sampling Techniques</i>,
 *       the ratio estimator's variance). It is centred on the ratio of means, which the table
 *       prints, and it uses the pairing: a seed that is hard for both policies widens neither.</li>
 * </ul>
 */
public final class SeedStatistics {
    private SeedStatistics() {}

    /** The confidence level of every interval: 95%, two-sided. */
    public static final double LEVEL = 0.95;

    /**
     * A mean and its 95% confidence interval. For a ratio whose divisor's mean is 0, all three
     * are NaN (no ratio defined).
     *
     * @param mean the mean (for a ratio: the ratio of the means)
     * @param lo   the interval's lower end
     * @param hi   the interval's upper end
     */
    public record Estimate(double mean, double lo, double hi) {
        /** Half the interval's width. */
        public double halfWidth() {
            return (hi - lo) / 2;
        }

        /** Whether a number was defined (not a ratio to a zero mean). */
        public boolean defined() {
            return !Double.isNaN(mean);
        }
    }

    /** The arithmetic mean; NaN for no values. */
    public static double mean(double[] v) {
        double sum = 0;
        for (double x : v) {
            sum += x;
        }
        return v.length == 0 ? Double.NaN : sum / v.length;
    }

    /** The sample standard deviation (divisor {@code n - 1}); 0 for a single value. */
    public static double sampleStdDev(double[] v) {
        if (v.length < 2) {
            return 0;
        }
        double m = mean(v);
        double ss = 0;
        for (double x : v) {
            ss += (x - m) * (x - m);
        }
        return Math.sqrt(ss / (v.length - 1));
    }

    /** The mean of {@code v} and its Student t 95% interval; a single value gives an interval of width 0. */
    public static Estimate meanCi95(double[] v) {
        if (v.length == 0) {
            throw new IllegalArgumentException("no values");
        }
        double m = mean(v);
        if (v.length == 1) {
            return new Estimate(m, m, m);
        }
        double h = tQuantile((1 + LEVEL) / 2, v.length - 1) * sampleStdDev(v) / Math.sqrt(v.length);
        return new Estimate(m, m - h, m + h);
    }

    /**
     * The ratio of means {@code mean(x) / mean(y)} of paired samples ({@code x[i]} and {@code y[i]}
     * from the same seed) with its delta-method 95% interval (see the class comment). NaN when
     * {@code mean(y)} is 0.
     */
    public static Estimate ratioCi95(double[] x, double[] y) {
        if (x.length != y.length || x.length == 0) {
            throw new IllegalArgumentException("expected paired, non-empty samples, got " + x.length + " and " + y.length);
        }
        double my = mean(y);
        if (my == 0) {
            return new Estimate(Double.NaN, Double.NaN, Double.NaN);
        }
        double r = mean(x) / my;
        if (x.length == 1) {
            return new Estimate(r, r, r);
        }
        double[] d = new double[x.length];
        for (int i = 0; i < d.length; i++) {
            d[i] = x[i] - r * y[i];
        }
        double h = tQuantile((1 + LEVEL) / 2, x.length - 1) * sampleStdDev(d) / (Math.sqrt(x.length) * Math.abs(my));
        return new Estimate(r, r - h, r + h);
    }

    // ------------------------------------------------------------------ Student t

    /**
     * The {@code p} quantile of Student's t distribution with {@code df} degrees of freedom
     * ({@code tQuantile(0.975, 4)} = 2.776...), for {@code 0 < p < 1}: the root of
     * {@code tCdf(t, df) = p}, found by bisection to about 1e-12.
     */
    public static double tQuantile(double p, double df) {
        if (!(p > 0 && p < 1) || !(df > 0)) {
            throw new IllegalArgumentException("expected 0 < p < 1 and df > 0, got p=" + p + ", df=" + df);
        }
        if (p == 0.5) {
            return 0;
        }
        if (p < 0.5) {
            return -tQuantile(1 - p, df);
        }
        double lo = 0;
        double hi = 1;
        while (tCdf(hi, df) < p) {
            lo = hi;
            hi *= 2;
        }
        for (int i = 0; i < 200 && hi - lo > 1e-12 * Math.max(1, hi); i++) {
            double mid = (lo + hi) / 2;
            if (tCdf(mid, df) < p) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return (lo + hi) / 2;
    }

    /** Student's t cumulative distribution: {@code 1 - I_{df/(df+t²)}(df/2, 1/2) / 2} for {@code t >= 0}. */
    public static double tCdf(double t, double df) {
        double tail = 0.5 * regularizedBeta(df / (df + t * t), df / 2, 0.5);
        return t >= 0 ? 1 - tail : tail;
    }

    /**
     * The regularized incomplete beta function {@code I_x(a, b)}, by its continued fraction
     * (modified Lentz; Press et al., <i>Numerical Recipes</i>, 6.4), using the symmetry
     * {@code I_x(a, b) = 1 - I_{1-x}(b, a)} where the fraction converges slowly.
     */
    static double regularizedBeta(double x, double a, double b) {
        if (x <= 0) {
            return 0;
        }
        if (x >= 1) {
            return 1;
        }
        double front = Math.exp(lnGamma(a + b) - lnGamma(a) - lnGamma(b) + a * Math.log(x) + b * Math.log1p(-x));
        if (x < (a + 1) / (a + b + 2)) {
            return front * betaFraction(x, a, b) / a;
        }
        return 1 - front * betaFraction(1 - x, b, a) / b;
    }

    private static double betaFraction(double x, double a, double b) {
        final double tiny = 1e-300;
        double c = 1;
        double d = 1 - (a + b) * x / (a + 1);
        d = 1 / (Math.abs(d) < tiny ? tiny : d);
        double h = d;
        for (int m = 1; m <= 10_000; m++) {
            int m2 = 2 * m;
            double aa = m * (b - m) * x / ((a + m2 - 1) * (a + m2));
            d = 1 + aa * d;
            d = 1 / (Math.abs(d) < tiny ? tiny : d);
            c = 1 + aa / c;
            c = Math.abs(c) < tiny ? tiny : c;
            h *= d * c;
            aa = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1));
            d = 1 + aa * d;
            d = 1 / (Math.abs(d) < tiny ? tiny : d);
            c = 1 + aa / c;
            c = Math.abs(c) < tiny ? tiny : c;
            double del = d * c;
            h *= del;
            if (Math.abs(del - 1) < 1e-15) {
                break;
            }
        }
        return h;
    }

    private static final double[] LANCZOS = {0.99999999999980993, 676.5203681218851, -1259.1392167224028,
            771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012,
            9.9843695780195716e-6, 1.5056327351493116e-7};

    /** {@code ln Γ(z)} for {@code z > 0} (Lanczos, g = 7, n = 9: about 15 significant digits). */
    static double lnGamma(double z) {
        if (z < 0.5) {
            return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * z))) - lnGamma(1 - z);
        }
        z -= 1;
        double a = LANCZOS[0];
        double t = z + 7.5;
        for (int i = 1; i < LANCZOS.length; i++) {
            a += LANCZOS[i] / (z + i);
        }
        return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
    }
}
