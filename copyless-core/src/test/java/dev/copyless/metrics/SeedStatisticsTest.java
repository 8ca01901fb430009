package dev.copyless.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** The {@code --seeds} statistics against values published in t tables and computed by hand. */
class SeedStatisticsTest {

    @Test
    void tQuantilesMatchPublishedTables() {
        // two-sided 95%: t(0.975, df), from any t table (e.g. NIST/SEMATECH e-Handbook, 1.3.6.7.2)
        assertThat(SeedStatistics.tQuantile(0.975, 1)).isCloseTo(12.706205, within(1e-5));
        assertThat(SeedStatistics.tQuantile(0.975, 2)).isCloseTo(4.302653, within(1e-5));
        assertThat(SeedStatistics.tQuantile(0.975, 4)).isCloseTo(2.776445, within(1e-5));
        assertThat(SeedStatistics.tQuantile(0.975, 9)).isCloseTo(2.262157, within(1e-5));
        assertThat(SeedStatistics.tQuantile(0.975, 30)).isCloseTo(2.042272, within(1e-5));
        assertThat(SeedStatistics.tQuantile(0.975, 100)).isCloseTo(1.983972, within(1e-5));
        // other levels, and large df tending to the normal quantile 1.959964
        assertThat(SeedStatistics.tQuantile(0.95, 5)).isCloseTo(2.015048, within(1e-5));
        assertThat(SeedStatistics.tQuantile(0.995, 3)).isCloseTo(5.840909, within(1e-5));
        assertThat(SeedStatistics.tQuantile(0.975, 1e6)).isCloseTo(1.959966, within(1e-5));
        // symmetric, and the median is 0
        assertThat(SeedStatistics.tQuantile(0.025, 4)).isCloseTo(-2.776445, within(1e-5));
        assertThat(SeedStatistics.tQuantile(0.5, 7)).isZero();
    }

    @Test
    void tCdfOfDfOneIsTheCauchyDistribution() {
        for (double t : new double[] {-3, -0.5, 0, 0.7, 2, 40}) {
            assertThat(SeedStatistics.tCdf(t, 1)).isCloseTo(0.5 + Math.atan(t) / Math.PI, within(1e-12));
        }
    }

    @Test
    void meanAndIntervalOfFiveValues() {
        double[] v = {10, 12, 9, 11, 13};
        // mean 11, s = sqrt(2.5) = 1.5811, half-width 2.776445 * 1.5811 / sqrt(5) = 1.963243
        SeedStatistics.Estimate e = SeedStatistics.meanCi95(v);
        assertThat(e.mean()).isEqualTo(11.0);
        assertThat(SeedStatistics.sampleStdDev(v)).isCloseTo(Math.sqrt(2.5), within(1e-12));
        assertThat(e.lo()).isCloseTo(11 - 1.963243, within(1e-5));
        assertThat(e.hi()).isCloseTo(11 + 1.963243, within(1e-5));
        assertThat(e.halfWidth()).isCloseTo(1.963243, within(1e-5));
    }

    @Test
    void identicalValuesAndOneValueGiveAnIntervalOfWidthZero() {
        assertThat(SeedStatistics.meanCi95(new double[] {7, 7, 7})).isEqualTo(new SeedStatistics.Estimate(7, 7, 7));
        assertThat(SeedStatistics.meanCi95(new double[] {3})).isEqualTo(new SeedStatistics.Estimate(3, 3, 3));
        assertThatThrownBy(() -> SeedStatistics.meanCi95(new double[0])).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void ratioOfMeansWithTheDeltaMethodInterval() {
        double[] x = {5, 6, 4};
        double[] y = {10, 11, 9};
        // R = 5/10 = 0.5; d = x - 0.5 y = {0, 0.5, -0.5}, s_d = 0.5;
        // half-width t(0.975, 2) * 0.5 / (sqrt(3) * 10) = 4.302653 * 0.0288675 = 0.124207
        SeedStatistics.Estimate r = SeedStatistics.ratioCi95(x, y);
        assertThat(r.mean()).isEqualTo(0.5);
        assertThat(r.lo()).isCloseTo(0.5 - 0.124207, within(1e-5));
        assertThat(r.hi()).isCloseTo(0.5 + 0.124207, within(1e-5));
        // an exact proportion x = c * y has no spread, however much y varies with the seed
        SeedStatistics.Estimate exact = SeedStatistics.ratioCi95(new double[] {2, 20, 200}, new double[] {4, 40, 400});
        assertThat(exact.mean()).isEqualTo(0.5);
        assertThat(exact.halfWidth()).isCloseTo(0, within(1e-12));
    }

    @Test
    void ratioToAZeroMeanIsUndefined() {
        SeedStatistics.Estimate r = SeedStatistics.ratioCi95(new double[] {1, 2}, new double[] {0, 0});
        assertThat(r.defined()).isFalse();
        assertThatThrownBy(() -> SeedStatistics.ratioCi95(new double[] {1}, new double[] {1, 2}))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
