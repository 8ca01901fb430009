package dev.copyless.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.copyless.metrics.Counter;
import dev.copyless.metrics.RunResult;
import dev.copyless.scenario.CostProfile;
import dev.copyless.scenario.Scenario;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToLongFunction;

/**
 * What {@code copyless fidelity} compares: each simulated metric, the real counter it is held to
 * (the kernel's own where the kernel counts the same event, else the Linux backend's count or
 * read-back), and the simulated/real ratio. Pure: no I/O, so that the pairing, the ratios and the
 * JSON shape are tested anywhere (docs/FIDELITY.md has the reasons for each pairing).
 */
final class Fidelity {
    private Fidelity() {}

    /** The policies compared, in output order. */
    static final List<String> POLICIES = List.of("none", "naive", "copyless");

    /** The ratio band issue 11 sets as the target for {@link #TARGETED} metrics. */
    static final double LOW = 0.8;
    static final double HIGH = 1.25;

    /** The metrics held to the 0.8-1.25 target. */
    static final List<String> TARGETED = List.of("pswpin", "pswpout", "numa_pages_migrated");

    /**
     * One compared metric.
     *
     * @param name      the metric's name in the output
     * @param realKey   the key of the real value in the Linux backend's per-policy JSON
     * @param simulated how the simulated value is read from a simulated run
     * @param pairing   what the two sides count, in one line (the table's last column, FIDELITY.md)
     */
    record Metric(String name, String realKey, ToLongFunction<RunResult> simulated, String pairing) {}

    /** The seven metrics of issue 11, in output order. */
    static final List<Metric> METRICS = List.of(
            new Metric("pswpin", "kernel_pswpin", r -> r.counter(Counter.PSWPIN),
                    "model's device reads vs the kernel's pswpin delta (/proc/vmstat)"),
            new Metric("pswpout", "kernel_pswpout", r -> r.counter(Counter.PSWPOUT),
                    "model's device writes vs the kernel's pswpout delta (/proc/vmstat)"),
            new Metric("pgmajfault", "kernel_pgmajfault", r -> r.counter(Counter.PGMAJFAULT),
                    "model's major faults vs the process's majflt delta (/proc/self/stat)"),
            new Metric("numa_pages_migrated", "numa_pages_migrated", r -> r.counter(Counter.NUMA_PAGES_MIGRATED),
                    "the guest balancer's migrations on both sides (the same balancer code)"),
            new Metric("balanced_moved_pages", "balanced_moved_pages", r -> r.counter(Counter.BALANCED_MOVED_PAGES),
                    "migrations of host-moved pages; real: moved per the pagemap when the guest decided"),
            new Metric("moved_page_data_movements", "moved_page_data_movements",
                    r -> r.counter(Counter.MOVED_PAGE_DATA_MOVEMENTS),
                    "4 KiB movements completing them, counted by the same MovementAccounting rules"),
            new Metric("source_node_swapins", "source_node_swapins", Fidelity::simulatedSourceNodeSwapins,
                    "model: movements beyond one per balanced moved page; real: each page's node read back"));

    /**
     * The simulator's swap-ins of a balanced moved page onto the node it is leaving: the model keeps
     * no per-node read-back, but its only movement beyond the one a balanced moved page needs is
     * the naive guest's read of a swapped source into its pinned (source) node
     * ({@code MovementAccounting}): so it is {@code moved_page_data_movements - balanced_moved_pages}.
     */
    static long simulatedSourceNodeSwapins(RunResult r) {
        return Math.max(0, r.counter(Counter.MOVED_PAGE_DATA_MOVEMENTS) - r.counter(Counter.BALANCED_MOVED_PAGES));
    }

    /** Queue depth of {@link #asTheModelledClockSees}' devices: more I/Os than ever wait at once in the fidelity scenario. */
    static final int UNQUEUED_DEPTH = 4096;
    /** Bandwidth of {@link #asTheModelledClockSees}' devices: 4 KiB in 1 ns, a transfer that takes no time. */
    static final long UNBOUNDED_BYTES_PER_SECOND = 4096L * 1_000_000_000L;

    /**
     * The scenario priced as the real side's modelled clock ({@code --real-clock modelled},
     * {@code RealClock}) prices the VM. A swap read costs the vCPU that waits for it the
     * device's read latency plus one page's transfer, and nothing else: the real side never
     * queues a read behind another in modelled time, and charges nobody for a write, a reclaim
     * scan or a TLB shootdown, because the kernel's kswapd, direct reclaim, writeback and the
     * I/O itself run in real time, outside the modelled second (under QEMU's TCG the device did
     * 15,000-17,000 swap I/Os per modelled second where the calibrated bandwidth allows about
     * 7,750). So every simulated device reads at {@code read-latency + 4096 / bandwidth}, writes
     * in no time, and has a queue and a bandwidth that never make a request wait, and
     * {@code reclaim-scan-ns} and {@code tlb-shootdown-ns} are 0. The reclaim (which pages, how
     * many, what refaults) is then held to the kernel's under the same prices; the simulator's
     * device queue and reclaim costs are not under test here (docs/FIDELITY.md).
     */
    static Scenario asTheModelledClockSees(Scenario s) {
        Map<String, Long> cost = CostProfile.costOf(s.cost());
        cost.put("reclaim-scan-ns", 0L);
        cost.put("tlb-shootdown-ns", 0L);
        s = s.withCost(CostProfile.costFrom(cost));
        List<Scenario.Swap> devices = new ArrayList<>();
        for (Scenario.Swap d : s.host().swap()) {
            long read = d.readNs() + 4096L * 1_000_000_000L / d.bytesPerSecond();
            int depth = d.queueDepth() == 0 ? 0 : UNQUEUED_DEPTH; // a synchronous device (zram) has no queue to widen
            devices.add(new Scenario.Swap(d.name(), d.profile(), d.slots(), read, 0, UNBOUNDED_BYTES_PER_SECOND, depth,
                    d.node()));
        }
        return s.withHost(s.host().withSwap(devices));
    }

    /**
     * A figure printed beside the compared metrics to say where they part, not held to the
     * target: the work done and the reclaim's own counts.
     *
     * @param name      its name in the output
     * @param simulated how it is read from a simulated run
     * @param realKeys  the real per-policy keys whose sum it is (the kernel's own counters)
     */
    record Context(String name, ToLongFunction<RunResult> simulated, List<String> realKeys) {}

    /** The context figures, in output order. */
    static final List<Context> CONTEXT = List.of(
            new Context("guest_accesses", r -> gauge(r, "guest_accesses"), List.of("guest_accesses")),
            new Context("pgsteal", r -> r.counter(Counter.PGSTEAL_KSWAPD) + r.counter(Counter.PGSTEAL_DIRECT),
                    List.of("kernel_pgsteal_kswapd", "kernel_pgsteal_direct")),
            new Context("host_free_pages_mean", r -> gauge(r, "host_free_pages_mean"), List.of("host_free_pages_mean")));

    private static long gauge(RunResult r, String key) {
        return ((Number) r.metrics().getOrDefault(key, 0L)).longValue();
    }

    /**
     * A context figure's real values, one per run, or null when a run lacks one of its keys (an
     * output written before the key existed).
     */
    static long[] contextValues(List<JsonNode> runs, String p, Context c) {
        long[] v = new long[runs.size()];
        for (int i = 0; i < v.length; i++) {
            for (String k : c.realKeys()) {
                JsonNode x = runs.get(i) == null ? null : runs.get(i).path(p).get(k);
                if (x == null || !x.canConvertToLong()) {
                    return null;
                }
                v[i] += x.asLong();
            }
        }
        return v;
    }

    /**
     * How many times slower than the run's clock the real runs went by the wall clock
     * ({@code wall_time_ns / virtual_time_ns}), {@code {min, max}} over every run and policy; null
     * when the output has no wall time. On the modelled clock this is how much more real time
     * the kernel's reclaim had, per second of the guest's work, than it would at full speed.
     */
    static double[] slowdown(List<JsonNode> runs) {
        double min = Double.MAX_VALUE;
        double max = 0;
        for (JsonNode r : runs) {
            for (String p : POLICIES) {
                JsonNode w = r == null ? null : r.path(p).get("wall_time_ns");
                JsonNode v = r == null ? null : r.path(p).get("virtual_time_ns");
                if (w == null || v == null || v.asLong() <= 0) {
                    return null;
                }
                double x = w.asLong() / (double) v.asLong();
                min = Math.min(min, x);
                max = Math.max(max, x);
            }
        }
        return runs.isEmpty() ? null : new double[] {min, max};
    }

    /** S/R; null (no ratio) when the real value is 0. */
    static Double ratio(long simulated, long real) {
        return real == 0 ? null : simulated / (double) real;
    }

    /** S/R for a real mean; null (no ratio) when it is 0. */
    static Double ratio(long simulated, double real) {
        return real == 0 ? null : simulated / real;
    }

    /** The mean of the real runs' values. */
    static double mean(long[] real) {
        double sum = 0;
        for (long v : real) {
            sum += v;
        }
        return real.length == 0 ? 0 : sum / real.length;
    }

    /** One metric's entry with one real run: {@code {"simulated": S, "real": R, "ratio": S/R}} (ratio null when R is 0). */
    static Map<String, Object> entry(long simulated, long real) {
        return entry(simulated, new long[] {real});
    }

    /**
     * One metric's entry: {@code {"simulated": S, "real": mean of the runs, "real_runs": [...],
     * "ratio": S/mean}} (ratio null when the mean is 0); with one run {@code real} is that run's value.
     */
    static Map<String, Object> entry(long simulated, long[] real) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("simulated", simulated);
        double mean = mean(real);
        m.put("real", mean == Math.rint(mean) ? (Object) (long) mean : (Object) (Math.round(mean * 100.0) / 100.0));
        List<Long> runs = new java.util.ArrayList<>();
        for (long v : real) {
            runs.add(v);
        }
        m.put("real_runs", runs);
        Double r = ratio(simulated, mean);
        m.put("ratio", r == null ? null : Math.round(r * 10_000.0) / 10_000.0);
        return m;
    }

    /**
     * The real runs of a VM's output: its {@code runs} array of per-policy objects, or, in an
     * output of one run (written before repeated runs), its {@code policies} alone.
     */
    static List<JsonNode> realRuns(JsonNode vm) {
        List<JsonNode> out = new java.util.ArrayList<>();
        JsonNode runs = vm.get("runs");
        if (runs != null && runs.isArray() && !runs.isEmpty()) {
            runs.forEach(out::add);
        } else {
            out.add(vm.get("policies"));
        }
        return out;
    }

    /** Metric {@code key} of policy {@code p} in every real run; an {@link IllegalArgumentException} when one lacks it. */
    static long[] realValues(List<JsonNode> runs, String p, String key) {
        long[] v = new long[runs.size()];
        for (int i = 0; i < v.length; i++) {
            JsonNode r = runs.get(i) == null ? null : runs.get(i).get(p);
            if (r == null || !r.isObject()) {
                throw new IllegalArgumentException("no results for policy " + p + (runs.size() > 1 ? " in real run " + (i + 1) : ""));
            }
            JsonNode x = r.get(key);
            if (x == null || !x.canConvertToLong()) {
                throw new IllegalArgumentException("policy " + p + " has no " + key);
            }
            v[i] = x.asLong();
        }
        return v;
    }

    /**
     * The {@code policies} object: per policy of {@link #POLICIES}, per metric of {@link #METRICS},
     * its {@link #entry}.
     *
     * @param simulated the simulated runs by policy
     * @param real      the Linux backend's per-policy JSON objects by policy
     * @throws IllegalArgumentException when a policy or a real key is missing (the real output is not
     *                                  a fidelity run's)
     */
    static Map<String, Object> policies(Map<String, RunResult> simulated, JsonNode real) {
        return policies(simulated, List.of(real));
    }

    /** {@link #policies(Map, JsonNode)} over several real runs: each entry's real value is their mean. */
    static Map<String, Object> policies(Map<String, RunResult> simulated, List<JsonNode> runs) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (String p : POLICIES) {
            RunResult s = simulated.get(p);
            if (s == null) {
                throw new IllegalArgumentException("no results for policy " + p);
            }
            Map<String, Object> m = new LinkedHashMap<>();
            for (Metric x : METRICS) {
                m.put(x.name(), entry(x.simulated().applyAsLong(s), realValues(runs, p, x.realKey())));
            }
            out.put(p, m);
        }
        return out;
    }

    /** A ratio for the table: three decimals, {@code -} for 0/0, {@code inf} for S/0. */
    static String ratioText(long simulated, long real) {
        return ratioText(simulated, (double) real);
    }

    /** {@link #ratioText(long, long)} for a real mean. */
    static String ratioText(long simulated, double real) {
        Double r = ratio(simulated, real);
        if (r == null) {
            return simulated == 0 ? "-" : "inf";
        }
        return String.format(Locale.ROOT, "%.3f", r);
    }

    /** Whether a targeted metric's ratio is inside the band (0/0 counts as inside: both sides agree). */
    static boolean withinTarget(long simulated, long real) {
        return withinTarget(simulated, (double) real);
    }

    /** {@link #withinTarget(long, long)} for a real mean. */
    static boolean withinTarget(long simulated, double real) {
        Double r = ratio(simulated, real);
        return r == null ? simulated == 0 : r >= LOW && r <= HIGH;
    }
}
