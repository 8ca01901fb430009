package dev.copyless.sweep;

import dev.copyless.mm.MigrationOrder;
import dev.copyless.scenario.Scenario;
import dev.copyless.scenario.ScenarioException;
import dev.copyless.scenario.ScenarioSchema;
import dev.copyless.scenario.Units;
import dev.copyless.scenario.TraceScenario;
import dev.copyless.swap.SwapProfile;
import dev.copyless.trace.TraceException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The parameters a sweep can vary, and how each one derives a scenario from the base. Every
 * function is pure (scenario, value) -> scenario and refuses a bad value with a
 * {@link ScenarioException} that names the parameter.
 *
 * <ul>
 *   <li>{@code memory-pressure}: guest footprint / host memory. Node sizes are scaled, keeping
 *       their proportions and watermark fractions (1.2 = the default scenario's 96 MiB on 80).</li>
 *   <li>{@code swap-device}: {@code nvme}, {@code ssd} or {@code zram} for every swap device.</li>
 *   <li>{@code hot-fraction}: every task's hot-set share of its footprint.</li>
 *   <li>{@code vms}: the number of VMs: the first VM is replicated.</li>
 *   <li>{@code task-move-interval}: how often the guest scheduler moves a task.</li>
 *   <li>{@code copyless-order}, {@code fault-around}, {@code duration}.</li>
 *   <li>{@code workload}: every task's access pattern ({@link #WORKLOADS}).</li>
 *   <li>{@code trace}: the first VM replays a recorded program ({@link TraceScenario}), at the base's pressure.</li>
 * </ul>
 * Hold-back is no parameter: it is the policy {@code copyless-holdback} (grid key {@code policies}).
 */
public final class SweepParameters {
    private SweepParameters() {}

    public static final List<String> NAMES = List.of("memory-pressure", "swap-device", "hot-fraction", "vms",
            "task-move-interval", "copyless-order", "fault-around", "duration", "workload", "trace");

    /** The parameters that define the workload: applied before every other, whatever their order in the grid. */
    static final List<String> WORKLOAD_FIRST = List.of("trace", "workload");

    /** The access patterns {@code workload} takes (a task's {@code pattern} other than {@code trace}). */
    public static final List<String> WORKLOADS = List.of("hot-cold", "uniform", "sequential", "zipf", "phase");

    /** {@link #apply(Scenario, String, String, String, Path)} with relative trace paths taken as they are. */
    public static Scenario apply(Scenario s, String name, String value, String source) {
        return apply(s, name, value, source, null);
    }

    /**
     * The scenario {@code s} with parameter {@code name} set to {@code value}.
     *
     * @param dir the grid file's directory, against which a relative {@code trace} path is resolved (null: the
     *            working directory)
     */
    public static Scenario apply(Scenario s, String name, String value, String source, Path dir) {
        String where = source + ": parameters." + name + ": ";
        return switch (name) {
            case "workload" -> workload(s, value, where);
            case "trace" -> trace(s, value, dir, where);
            case "memory-pressure" -> memoryPressure(s, number(where, value, 0.05, 100), where);
            case "swap-device" -> swapDevice(s, value, where);
            case "hot-fraction" -> hotFraction(s, number(where, value, 0.0, 1.0));
            case "vms" -> vms(s, integer(where, value, 1, 64), where);
            case "task-move-interval" -> new Scenario(s.name(), s.seed(), s.durationNs(), s.host(), s.vms(),
                    new Scenario.Scheduler(duration(where, value), s.scheduler().pattern(), s.scheduler().quantumNs()),
                    s.balancer(), s.copyless(), s.cost(), s.timeBuckets(), s.faults(), s.hypercall());
            case "copyless-order" -> {
                try {
                    yield s.withCopyless(new Scenario.Copyless(MigrationOrder.fromKey(value).key(),
                            s.copyless().batch()));
                } catch (IllegalArgumentException e) {
                    throw new ScenarioException(where + e.getMessage());
                }
            }
            case "fault-around" -> new Scenario(s.name(), s.seed(), s.durationNs(), s.host(), s.vms(), s.scheduler(),
                    s.balancer().withFaultAround(integer(where, value, 1, 512)), s.copyless(), s.cost(), s.timeBuckets(), s.faults(), s.hypercall());
            case "duration" -> s.withDuration(duration(where, value));
            default -> throw new ScenarioException(source + ": unknown parameter '" + name + "'; expected one of: "
                    + String.join(", ", NAMES));
        };
    }

    private static double number(String where, String value, double min, double max) {
        try {
            double d = Double.parseDouble(value.strip());
            if (d >= min && d <= max) {
                return d;
            }
        } catch (NumberFormatException e) {
            // fall through
        }
        throw new ScenarioException(where + "expected a number between " + min + " and " + max + ", got '" + value + "'");
    }

    /** A whole number in [min, max]: "2" and "2.0" are 2, "2.5" is refused rather than truncated. */
    private static int integer(String where, String value, int min, int max) {
        double d = number(where, value, min, max);
        if (d != Math.rint(d)) {
            throw new ScenarioException(where + "expected a whole number between " + min + " and " + max + ", got '"
                    + value + "'");
        }
        return (int) d;
    }

    private static long duration(String where, String value) {
        long ns = Units.nanos(value);
        if (ns <= 0 || ns > ScenarioSchema.MAX_DURATION_NS) {
            throw new ScenarioException(where + "expected a positive duration of at most "
                    + Units.duration(ScenarioSchema.MAX_DURATION_NS) + ", like 250ms, got '" + value + "'");
        }
        return ns;
    }

    private static Scenario memoryPressure(Scenario s, double ratio, String where) {
        long hostPages = s.hostPages();
        double target = s.workloadPages() / ratio;
        List<Scenario.Node> nodes = new ArrayList<>();
        for (Scenario.Node n : s.host().nodes()) {
            double f = (double) n.pages() / hostPages;
            long scaled = Math.max(64, Math.round(target * f));
            if (scaled > Integer.MAX_VALUE) {
                throw new ScenarioException(where + "it would make host node " + n.id() + " " + Units.size(scaled)
                        + ", more than 8TiB; sweep larger values");
            }
            int pages = (int) scaled;
            double scale = (double) pages / n.pages();
            nodes.add(new Scenario.Node(n.id(), pages, (int) Math.ceil(n.wmarkMin() * scale),
                    (int) Math.ceil(n.wmarkLow() * scale), (int) Math.min(pages - 1, Math.ceil(n.wmarkHigh() * scale))));
        }
        Scenario.Host h = s.host();
        Scenario out = withHost(s, new Scenario.Host(nodes, h.distance(), h.swap(), h.reclaimBatch(), h.pageCluster(),
                h.demotionTarget(), h.demotionIntervalNs(), h.demotionBatch(), h.promotion(), h.realBytes(),
                h.vmaReadahead(), h.linkBytesPerSecond()));
        checkCapacity(out, where);
        return out;
    }

    private static Scenario swapDevice(Scenario s, String value, String where) {
        SwapProfile p = SwapProfile.byName(value);
        if (p == null) {
            throw new ScenarioException(where + "expected nvme, ssd or zram, got '" + value + "'");
        }
        List<Scenario.Swap> swaps = new ArrayList<>();
        for (Scenario.Swap w : s.host().swap()) {
            swaps.add(new Scenario.Swap(w.name(), p.name(), w.slots(), p.readNs(), p.writeNs(), p.bytesPerSecond(),
                    p.queueDepth(), w.node()));
        }
        Scenario.Host h = s.host();
        return withHost(s, new Scenario.Host(h.nodes(), h.distance(), swaps, h.reclaimBatch(), h.pageCluster(),
                h.demotionTarget(), h.demotionIntervalNs(), h.demotionBatch(), h.promotion(), h.realBytes(),
                h.vmaReadahead(), h.linkBytesPerSecond()));
    }

    private static Scenario hotFraction(Scenario s, double f) {
        List<Scenario.Vm> vms = new ArrayList<>();
        for (Scenario.Vm vm : s.vms()) {
            List<Scenario.Task> tasks = new ArrayList<>();
            for (Scenario.Task t : vm.tasks()) {
                tasks.add(new Scenario.Task(t.name(), t.vnode(), t.pages(), t.pattern(), f, t.hotProbability(),
                        t.zipfExponent(), t.phaseNs(), t.sharedRegion(), t.trace(), t.traceThread(), t.thinkNs(),
                        t.traceTimeScale(), t.nsPerInstruction(), t.writeFraction()));
            }
            vms.add(new Scenario.Vm(vm.name(), vm.vnodes(), tasks));
        }
        return withVms(s, vms);
    }

    private static Scenario vms(Scenario s, int n, String where) {
        Scenario.Vm first = s.vms().get(0);
        List<Scenario.Vm> vms = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            vms.add(new Scenario.Vm(first.name() + (i == 0 ? "" : "-" + i), first.vnodes(), first.tasks()));
        }
        Scenario out = withVms(s, vms);
        checkCapacity(out, where);
        return out;
    }

    /** Every task that does not replay a trace gets the access pattern {@code value}; its other settings stay. */
    private static Scenario workload(Scenario s, String value, String where) {
        String pattern = value.strip();
        if (!WORKLOADS.contains(pattern)) {
            throw new ScenarioException(where + "expected one of " + String.join(", ", WORKLOADS) + ", got '" + value
                    + "' (a recorded program is the parameter trace)");
        }
        List<Scenario.Vm> vms = new ArrayList<>();
        boolean any = false;
        for (Scenario.Vm vm : s.vms()) {
            List<Scenario.Task> tasks = new ArrayList<>();
            for (Scenario.Task t : vm.tasks()) {
                if (t.pattern().equals("trace")) {
                    tasks.add(t);
                    continue;
                }
                any = true;
                tasks.add(new Scenario.Task(t.name(), t.vnode(), t.pages(), pattern, t.hotFraction(), t.hotProbability(),
                        t.zipfExponent(), t.phaseNs(), t.sharedRegion(), t.trace(), t.traceThread(), t.thinkNs(),
                        t.traceTimeScale(), t.nsPerInstruction(), t.writeFraction()));
            }
            vms.add(new Scenario.Vm(vm.name(), vm.vnodes(), tasks));
        }
        if (!any) {
            throw new ScenarioException(where + "every task of the base scenario replays a trace; a workload pattern"
                    + " applies to tasks with a pattern of their own");
        }
        return withVms(s, vms);
    }

    /**
     * The first VM replays the trace {@code value} instead of its tasks ({@link TraceScenario}, one task per
     * trace thread, round-robin over its vNodes): its vNodes are scaled to the trace's footprint and the host
     * to keep the base's memory pressure, so a trace axis compares programs at the same pressure (a
     * {@code memory-pressure} parameter is applied after it).
     */
    private static Scenario trace(Scenario s, String value, Path dir, String where) {
        Path file;
        try {
            file = dir == null ? Path.of(value.strip()) : dir.resolve(value.strip());
        } catch (java.nio.file.InvalidPathException e) {
            throw new ScenarioException(where + "expected the path of a trace file (copyless trace record -o FILE),"
                    + " got '" + value + "'");
        }
        try {
            return TraceScenario.apply(s, file, null, 1.0, true, "the sweep's base scenario");
        } catch (ScenarioException | TraceException e) {
            throw new ScenarioException(where + e.getMessage().replace("--trace: ", ""));
        }
    }

    private static Scenario withHost(Scenario s, Scenario.Host h) {
        return new Scenario(s.name(), s.seed(), s.durationNs(), h, s.vms(), s.scheduler(), s.balancer(), s.copyless(),
                s.cost(), s.timeBuckets(), s.faults(), s.hypercall());
    }

    private static Scenario withVms(Scenario s, List<Scenario.Vm> vms) {
        return new Scenario(s.name(), s.seed(), s.durationNs(), s.host(), vms, s.scheduler(), s.balancer(), s.copyless(),
                s.cost(), s.timeBuckets(), s.faults(), s.hypercall());
    }

    private static void checkCapacity(Scenario s, String where) {
        long mem = s.hostPages();
        long swap = s.swapPages();
        if (s.workloadPages() > mem + swap) {
            throw new ScenarioException(where + "the workload (" + Units.size(s.workloadPages())
                    + ") would exceed host memory plus swap (" + Units.size(mem) + " + " + Units.size(swap)
                    + "); lower the value or give the base scenario more swap");
        }
    }
}
