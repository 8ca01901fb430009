package dev.copyless.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.copyless.metrics.SeedStatistics;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The sweep report's intervals: each value's ratio is the mean over seeds of each seed's mean
 * run-by-run ratio (the other parameters averaged out within a seed), with the t interval over
 * the seeds, in the table and as the chart's error bars; one seed gives no interval.
 */
class SweepReportTest {
    /** Two pressures x two swap devices x three seeds; copyless's movements differ by seed and device. */
    private static List<Map<String, Object>> rows(int seeds) {
        List<Map<String, Object>> rows = new ArrayList<>();
        int id = 0;
        for (String p : List.of("1.0", "1.5")) {
            for (long s = 0; s < seeds; s++) {
                for (String dev : List.of("nvme", "zram")) {
                    Map<String, Object> r = new LinkedHashMap<>();
                    r.put("point", id++);
                    r.put("seed", 42 + s);
                    r.put("memory-pressure", p);
                    r.put("swap-device", dev);
                    r.put("naive.moved_page_data_movements", 1000L);
                    r.put("copyless.moved_page_data_movements", 400L + 50 * s * s + (dev.equals("zram") ? 100 : 0));
                    rows.add(r);
                }
            }
        }
        return rows;
    }

    @Test
    void theTableAndTheErrorBarsAreTheIntervalOverSeedsOfEachSeedsMeanRatio() {
        SweepReport rep = new SweepReport(List.of("memory-pressure", "swap-device"), rows(3));
        String html = rep.render();
        // at pressure 1.0, seed s: mean of (400 + 50 s^2)/1000 and (500 + 50 s^2)/1000
        double[] perSeed = {0.45, 0.50, 0.65};
        SeedStatistics.Estimate e = SeedStatistics.meanCi95(perSeed);
        assertThat(e.halfWidth()).isGreaterThan(0.1);
        assertThat(html).contains(String.format(Locale.ROOT, "%.3f ± %.3f", e.mean(), e.halfWidth()));
        assertThat(html).contains("error bars: the 95% confidence interval over the 3 seeds");
        assertThat(rep.pngs).containsKeys("sweep-memory-pressure.png", "sweep-swap-device.png");
    }

    @Test
    void oneSeedHasNoInterval() {
        String html = new SweepReport(List.of("memory-pressure", "swap-device"), rows(1)).render();
        assertThat(html).doesNotContain(" ± ").doesNotContain("error bars");
        assertThat(html).contains("0.450");
    }
}
