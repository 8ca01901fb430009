package dev.copyless.scenario;

import dev.copyless.mm.Promotion;
import java.util.ArrayList;
import java.util.List;

/**
 * The scenario values that stock Linux fixes (sysctl and sysfs defaults of a 6.x kernel), and the
 * ones a scenario sets otherwise, so that {@code compare} can say which of its figures rest on a
 * non-stock host or guest. Sources are in docs/COST-MODEL.md.
 */
public final class StockLinux {
    private StockLinux() {}

    /** One value set otherwise than Linux: the scenario key, its value here and Linux's default. */
    public record Deviation(String key, String value, String stock) {
        @Override
        public String toString() {
            return key + " " + value + " (Linux: " + stock + ")";
        }
    }

    private static final long MS = 1_000_000L;
    private static final int PAGES_PER_MIB = 256;

    /** Every value of {@code s} that differs from stock Linux, in the order of docs/SCENARIO.md. */
    public static List<Deviation> deviations(Scenario s) {
        List<Deviation> out = new ArrayList<>();
        Scenario.Host h = s.host();
        check(out, "host.reclaim.batch", h.reclaimBatch(), 32, "");
        check(out, "host.reclaim.page-cluster", h.pageCluster(), 3, "");
        if (!h.vmaReadahead()) {
            out.add(new Deviation("host.reclaim.readahead", "cluster", "vma"));
        }
        Promotion p = h.promotion();
        if (p.mode() == Promotion.Mode.ON_TOUCH) {
            out.add(new Deviation("host.demotion.promotion", "on-touch", "off, or tiering (numa_balancing=2)"));
        }
        if (p.mode() == Promotion.Mode.TIERING) {
            check(out, "host.demotion.hot-threshold", p.hotThresholdNs() / MS, 1000, "ms");
            check(out, "host.demotion.promote-rate-limit", p.rateLimitMBps(), 65536, "");
            check(out, "host.demotion.scan-period", p.scanPeriodNs() / MS, 1000, "ms");
            check(out, "host.demotion.scan-size", p.scanPages() / PAGES_PER_MIB, 256, "MiB");
        }
        Scenario.Balancer b = s.balancer();
        check(out, "balancer.scan-period-min", b.scanPeriodMinNs() / MS, 1000, "ms");
        check(out, "balancer.scan-period-max", b.scanPeriodMaxNs() / MS, 60_000, "ms");
        check(out, "balancer.scan-delay", b.scanDelayNs() / MS, 1000, "ms");
        check(out, "balancer.scan-size", b.scanPages() / PAGES_PER_MIB, 256, "MiB");
        check(out, "balancer.fault-around", b.faultAround(), 1, "");
        return out;
    }

    private static void check(List<Deviation> out, String key, long value, long stock, String unit) {
        if (value != stock) {
            out.add(new Deviation(key, value + unit, stock + unit));
        }
    }
}
