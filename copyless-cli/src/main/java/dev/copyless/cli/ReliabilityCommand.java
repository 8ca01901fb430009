package dev.copyless.cli;

import dev.copyless.balancer.BalancingPolicy;
import dev.copyless.hypervisor.AbiError;
import dev.copyless.hypervisor.HypercallConfig;
import dev.copyless.linux.LinuxBackend;
import dev.copyless.metrics.Counter;
import dev.copyless.metrics.Gauge;
import dev.copyless.metrics.RunResult;
import dev.copyless.mm.Errno;
import dev.copyless.reliability.HypercallFuzzer;
import dev.copyless.scenario.Scenario;
import dev.copyless.scenario.ScenarioException;
import dev.copyless.scenario.ScenarioParser;
import dev.copyless.scenario.Units;
import dev.copyless.sim.HostFactory;
import dev.copyless.stress.ConcurrentRun;
import dev.copyless.swap.FaultConfig;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code copyless reliability}: the figures of docs/RELIABILITY.md, from one command. Every
 * part moves real bytes and reads every page back at the end:
 *
 * <ol>
 *   <li>the default scenario in real-bytes mode under every policy;</li>
 *   <li>each swap fault (read and write EIO, persistent read errors, torn writes caught at
 *       completion and silent ones, slow I/O) on the default scenario, naive and copyless;</li>
 *   <li>each request channel fault (drop, duplicate, reorder) and a rate limit, copyless;</li>
 *   <li>the seeded fuzz of the hypercall ABI;</li>
 *   <li>the concurrency stress on real threads, without and with swap faults, and on the
 *       Linux backend where swap is usable.</li>
 * </ol>
 *
 * A page may be lost only where a fault destroys it (a persistent read error, a silent torn
 * write), and then it must be detected and named; a page lost anywhere else, a page lost
 * silently, a fuzz violation or a broken invariant fails the command (exit code 1).
 */
@Command(name = "reliability", mixinStandardHelpOptions = true,
        description = {"Run the reliability suite of docs/RELIABILITY.md.",
                "Real-bytes runs under every policy, every swap and request-channel fault, the hypercall ABI fuzz and"
                        + " the concurrency stress; prints faults tried, inputs tried, pages verified and pages lost."
                        + " Exit code 1 if a page is lost silently or anything breaks."})
final class ReliabilityCommand implements Callable<Integer> {
    private static final List<String> BOTH = List.of(BalancingPolicy.NAIVE, BalancingPolicy.COPYLESS);

    @Option(names = "--fuzz-inputs", paramLabel = "N", defaultValue = "300000",
            description = "Inputs of the hypercall ABI fuzz (default: ${DEFAULT-VALUE}).")
    int fuzzInputs;

    @Option(names = "--stress-wall", paramLabel = "TIME", defaultValue = "2s",
            description = "Wall time of each concurrency stress run (default: ${DEFAULT-VALUE}).")
    String stressWall;

    @Option(names = "--fault-duration", paramLabel = "TIME", defaultValue = "500ms",
            description = "Virtual time of each fault-injection run of the default scenario (default: ${DEFAULT-VALUE}).")
    String faultDuration;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "7", description = "Seed of the faults and the fuzz (default: ${DEFAULT-VALUE}).")
    long seed;

    @Mixin
    FormatOption format;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    /** One line of the report: what was tried, under which policy, and what it did to the pages. */
    record Row(String part, String what, String policy, boolean mayLosePages, Map<String, Long> tried, long pagesVerified,
               long pagesLost, long pagesLostSilently, List<Object> lostPages) {
        /** Nothing lost silently, and nothing lost at all unless the fault destroys data. */
        boolean ok() {
            return pagesLostSilently == 0 && (mayLosePages || pagesLost == 0);
        }
    }

    private final List<Row> rows = new ArrayList<>();
    private final Map<String, Object> extra = new LinkedHashMap<>();

    @Override
    public Integer call() {
        if (fuzzInputs < 0) {
            throw new ScenarioException("--fuzz-inputs: expected 0 or more inputs, got " + fuzzInputs);
        }
        long wallMs = Units.nanos(stressWall) / 1_000_000L;
        long faultNs = Units.nanos(faultDuration);
        if (wallMs < 1 || faultNs <= 0) {
            throw new ScenarioException("--stress-wall and --fault-duration: expected positive times like 500ms or 2s");
        }
        PrintWriter err = spec.commandLine().getErr();
        // the default scenario made to balance busily (a fixed 50 ms scan period, tasks exchanged every 250 ms):
        // with stock scanning the first migration comes after several seconds of virtual time
        Scenario real = ScenarioParser.busyDefault(2_000_000_000L).withRealBytes(true);
        Scenario shortRun = real.withDuration(faultNs);

        err.println("reliability: real-bytes compare of the default scenario (busy balancing, 2 s)");
        runs("real bytes", "no fault", real, BalancingPolicy.KEYS, false, List.of());

        err.println("reliability: swap faults");
        swapFault(shortRun, "swap write EIO (5%)", new FaultConfig(seed, 0, 0, 0.05, 0, 0, 0, 0), Counter.SWAP_WRITE_ERRORS);
        swapFault(shortRun, "swap read EIO, transient (5%)", new FaultConfig(seed, 0.05, 0, 0, 0, 0, 0, 0),
                Counter.SWAP_READ_ERRORS, Counter.SWAP_READ_RETRIES);
        swapFault(shortRun, "swap read EIO, persistent (1%)", new FaultConfig(seed, 0.01, 1, 0, 0, 0, 0, 0),
                Counter.SWAP_READ_ERRORS, Counter.PAGES_POISONED);
        swapFault(shortRun, "torn swap writes, caught at completion (5%)", new FaultConfig(seed, 0, 0, 0, 0.05, 0, 0, 0),
                Counter.SWAP_TORN_WRITES, Counter.SWAP_REWRITES);
        swapFault(shortRun, "torn swap writes, silent (1%)", new FaultConfig(seed, 0, 0, 0, 0.01, 1, 0, 0),
                Counter.SWAP_TORN_WRITES, Counter.SWAP_CHECKSUM_FAILURES, Counter.PAGES_POISONED);
        swapFault(shortRun, "slow swap I/O (10%, +1 ms)", new FaultConfig(seed, 0, 0, 0, 0, 0, 0.1, 1_000_000),
                Counter.SWAP_SLOW_IO);

        err.println("reliability: request channel faults and rate limits");
        HypercallConfig base = shortRun.hypercall().config();
        channelFault(shortRun, "requests dropped (10%)", base.withFaults(seed, 0.1, 0, 0), Counter.HYPERCALL_DROPPED,
                Counter.HYPERCALL_RETRIES);
        channelFault(shortRun, "requests duplicated (10%)", base.withFaults(seed, 0, 0.1, 0), Counter.HYPERCALL_DUPLICATED,
                Counter.HYPERCALL_REPLAYS_REFUSED);
        channelFault(shortRun, "requests reordered (10%)", base.withFaults(seed, 0, 0, 0.1), Counter.HYPERCALL_REORDERED,
                Counter.HYPERCALL_REPLAYS_REFUSED);
        channelFault(shortRun, "rate limit (1,000 calls/s)", base.withRateLimits(1_000, 0), Counter.HYPERCALL_THROTTLED);

        fuzz();

        err.println("reliability: concurrency stress");
        Scenario stress = ScenarioParser.stressScenario().withRealBytes(true);
        for (String p : BalancingPolicy.KEYS) {
            stress("stress, simulated host", "real threads", stress, p, HostFactory.SIMULATED, wallMs);
        }
        stress("stress, simulated host", "real threads + swap faults", stress.withFaults(
                new FaultConfig(seed, 0.005, 0.5, 0.005, 0.005, 0.5, 0.05, 20_000)), BalancingPolicy.COPYLESS, HostFactory.SIMULATED, wallMs);
        Optional<String> linux = LinuxBackend.unusableReason(stress);
        if (linux.isEmpty()) {
            for (String p : BOTH) {
                stress("stress, Linux backend", "real threads, real memory, kernel swap", stress, p, new LinuxBackend(), wallMs);
            }
        } else {
            extra.put("linux_backend_skipped", linux.get());
        }
        return print();
    }

    private void swapFault(Scenario s, String what, FaultConfig f, Counter... counters) {
        runs("swap faults", what, s.withFaults(f), BOTH, f.destroysData(), List.of(counters));
    }

    private void channelFault(Scenario s, String what, HypercallConfig c, Counter... counters) {
        runs("request channel", what, s.withHypercall(Scenario.Hypercall.of(c)), List.of(BalancingPolicy.COPYLESS), false, List.of(counters));
    }

    private void runs(String part, String what, Scenario s, List<String> policies, boolean mayLose, List<Counter> counters) {
        Map<String, RunResult> r = Runner.run(s, policies, Progress.off());
        r.forEach((p, res) -> rows.add(row(part, what, p, mayLose, res, counters)));
    }

    private static Row row(String part, String what, String policy, boolean mayLose, RunResult res, List<Counter> counters) {
        Map<String, Long> tried = new LinkedHashMap<>();
        for (Counter c : counters) {
            tried.put(c.metricName(), res.counter(c));
        }
        List<Object> lost = new ArrayList<>();
        res.lostPages().stream().limit(5).forEach(p -> lost.add(p.toJson()));
        return new Row(part, what, policy, mayLose, tried, res.gauge(Gauge.PAGES_VERIFIED), res.gauge(Gauge.PAGES_LOST),
                res.gauge(Gauge.PAGES_LOST_SILENTLY), lost);
    }

    private void stress(String part, String what, Scenario s, String policy, HostFactory host, long wallMs) {
        ConcurrentRun.Report r = new ConcurrentRun(s, BalancingPolicy.of(policy, s.copyless()), host, seed).run(wallMs);
        boolean destroys = s.faults().destroysData();
        Row row = row(part, what, policy, destroys, r.result(), List.of(Counter.HYPERCALL_STALE, Counter.SWAP_READ_ERRORS, Counter.SWAP_TORN_WRITES));
        Map<String, Long> tried = new LinkedHashMap<>(r.counts());
        tried.remove("threads");
        tried.remove("wall_ms");
        tried.putAll(row.tried());
        rows.add(new Row(row.part(), row.what(), policy, destroys, tried, row.pagesVerified(), row.pagesLost(),
                row.pagesLostSilently(), row.lostPages()));
    }

    /** The seeded fuzz of the hypercall ABI ({@link HypercallFuzzer}): inputs tried, accepted, refused by class, violations. */
    private void fuzz() {
        if (fuzzInputs == 0) {
            return;
        }
        spec.commandLine().getErr().println("reliability: hypercall ABI fuzz, " + fuzzInputs + " inputs");
        HypercallFuzzer.Result f = HypercallFuzzer.run(seed, fuzzInputs);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("inputs", f.inputs());
        m.put("accepted", f.accepted());
        m.put("pages_migrated", f.pagesMigrated());
        Map<String, Long> refused = new LinkedHashMap<>();
        f.refused().forEach((e, n) -> refused.put(e.name().toLowerCase(Locale.ROOT) + " (-" + Errno.name(e.errno) + ")", n));
        m.put("refused", refused);
        m.put("refusal_classes_reached", (long) f.refused().size());
        m.put("refusal_classes", (long) AbiError.values().length);
        m.put("violations", f.violations());
        if (!f.clean()) {
            m.put("first_violations", f.firstViolations());
        }
        extra.put("fuzz", m);
        extra.put("fuzz_clean", f.clean());
    }

    /** Prints the report; 0 when nothing was lost silently and nothing broke, else 1. */
    private int print() {
        PrintWriter out = spec.commandLine().getOut();
        long silent = rows.stream().mapToLong(Row::pagesLostSilently).sum();
        List<String> failed = rows.stream().filter(r -> !r.ok()).map(r -> r.what() + " (" + r.policy() + ")").toList();
        boolean ok = failed.isEmpty() && !Boolean.FALSE.equals(extra.get("fuzz_clean"));
        if (format.json()) {
            Map<String, Object> root = new LinkedHashMap<>();
            root.put("rows", rows);
            root.putAll(extra);
            root.put(Gauge.PAGES_VERIFIED.metricName(), rows.stream().mapToLong(Row::pagesVerified).sum());
            root.put(Gauge.PAGES_LOST.metricName(), rows.stream().mapToLong(Row::pagesLost).sum());
            root.put(Gauge.PAGES_LOST_SILENTLY.metricName(), silent);
            root.put("failed", failed);
            root.put("ok", ok);
            Output.printJson(out, root);
        } else {
            out.printf(Locale.ROOT, "%-24s %-44s %-9s %14s %10s %8s  %s%n", "part", "what", "policy",
                    Gauge.PAGES_VERIFIED.metricName(), Gauge.PAGES_LOST.metricName(), "silently", "tried");
            for (Row r : rows) {
                StringBuilder t = new StringBuilder();
                r.tried().forEach((k, v) -> t.append(k).append('=').append(Output.fmt(v)).append(' '));
                out.printf(Locale.ROOT, "%-24s %-44s %-9s %14s %10s %8s  %s%n", r.part(), r.what(), r.policy(),
                        Output.fmt(r.pagesVerified()), Output.fmt(r.pagesLost()), Output.fmt(r.pagesLostSilently()),
                        t.toString().strip());
            }
            out.println();
            extra.forEach((k, v) -> out.println(k + ": " + v));
            out.printf(Locale.ROOT, "pages verified %s, pages lost %s (%s), lost silently %s: %s%n",
                    Output.fmt(rows.stream().mapToLong(Row::pagesVerified).sum()),
                    Output.fmt(rows.stream().mapToLong(Row::pagesLost).sum()),
                    failed.isEmpty() ? "only to faults that destroy data, every one detected and named" : "some where no fault destroys data",
                    Output.fmt(silent), ok ? "ok" : "FAILED");
        }
        if (!ok) {
            spec.commandLine().getErr().println("copyless: reliability check failed: " + silent + " page(s) lost silently"
                    + (failed.isEmpty() ? "" : "; pages lost where no fault destroys data: " + failed)
                    + (Boolean.FALSE.equals(extra.get("fuzz_clean")) ? "; the fuzz found a violation" : ""));
        }
        return ok ? 0 : 1;
    }
}
