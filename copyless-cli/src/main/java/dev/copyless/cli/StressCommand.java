package dev.copyless.cli;

import dev.copyless.balancer.BalancingPolicy;
import dev.copyless.metrics.Counter;
import dev.copyless.metrics.Gauge;
import dev.copyless.metrics.Metric;
import dev.copyless.scenario.Scenario;
import dev.copyless.scenario.ScenarioException;
import dev.copyless.scenario.ScenarioParser;
import dev.copyless.scenario.Units;
import dev.copyless.sim.HostFactory;
import dev.copyless.sim.MemoryEstimate;
import dev.copyless.stress.ConcurrentRun;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code copyless stress}: a scenario's host, hypervisor and guests on real threads
 * ({@link ConcurrentRun}) for a bounded wall time per policy, in real-bytes mode (or on the
 * Linux backend's real memory), then every invariant and every page's content checked. Prints what each kind of
 * thread did, the races the request path met, and pages verified and lost.
 */
@Command(name = "stress", mixinStandardHelpOptions = true,
        description = {"Run a scenario's host, hypervisor and guests on real threads, then check everything.",
                "vCPUs, scheduler, host reclaim, demotion, vhost reads, a lock-free list reader and an invariant"
                        + " checker run for a wall time per policy; then every invariant and every page is checked."
                        + " Without --scenario it runs the embedded stress scenario; the simulated host always holds"
                        + " real bytes here."})
final class StressCommand implements Callable<Integer> {
    /** Metrics shown after the driver's counts: the request path's races and the content check. */
    static final List<Metric> METRICS = List.of(Counter.BALANCED_MOVED_PAGES, Counter.MOVED_PAGE_DATA_MOVEMENTS,
            Counter.HYPERCALL_PAGES, Counter.HYPERCALL_STALE, Counter.HYPERCALL_ERRORS, Counter.PGMIGRATE_FAIL,
            Counter.PAGES_BROUGHT_BACK, Counter.PSWPIN, Counter.PSWPOUT, Gauge.PAGES_VERIFIED, Gauge.PAGES_LOST);

    @Mixin
    ScenarioOptions scenario;

    @Option(names = "--wall", paramLabel = "TIME", defaultValue = "2s",
            description = "Wall time per policy, e.g. 500ms, 2s (default: ${DEFAULT-VALUE}).")
    String wall;

    @Option(names = "--policies", paramLabel = "LIST", split = ",", defaultValue = BalancingPolicy.KEYS_CSV,
            description = "Policies to run, one after the other (default: ${DEFAULT-VALUE}).")
    List<String> policies;

    @Mixin
    FormatOption format;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        long wallNs = Units.nanos(wall);
        if (wallNs < 1_000_000L || wallNs > 3_600_000_000_000L) {
            throw new ScenarioException("--wall: expected a wall time between 1ms and 1h, like 500ms or 2s, got '" + wall + "'");
        }
        for (String p : policies) {
            if (!BalancingPolicy.isKey(p)) {
                throw new ScenarioException("--policies: unknown policy '" + p + "'; use " + String.join(", ", BalancingPolicy.KEYS));
            }
        }
        Scenario s = scenario.load(ScenarioParser.stressScenario()).withRealBytes(true);
        if (scenario.backend == ScenarioOptions.Backend.simulated) {
            MemoryEstimate.of(s).runsThatFit(1, MemoryEstimate.Limits.here(),
                    scenario.scenario == null ? "the stress scenario" : scenario.scenario.toString());
        }
        PrintWriter err = spec.commandLine().getErr();
        HostFactory backend = scenario.factory(s, err);
        Map<String, ConcurrentRun.Report> reports = new LinkedHashMap<>();
        for (String p : policies) {
            reports.put(p, new ConcurrentRun(s, BalancingPolicy.of(p, s.copyless()), backend, s.seed()).run(wallNs / 1_000_000L));
        }
        PrintWriter out = spec.commandLine().getOut();
        if (format.json()) {
            Map<String, Object> root = new LinkedHashMap<>();
            root.put("scenario", s.name());
            root.put("backend", scenario.backend.name());
            Map<String, Object> pol = new LinkedHashMap<>();
            reports.forEach((k, r) -> {
                Map<String, Object> one = new LinkedHashMap<>(); // driver, then metrics, in every run (Map.of has no order)
                one.put("driver", r.counts());
                one.put("metrics", r.result().metrics());
                pol.put(k, one);
            });
            root.put("policies", pol);
            Output.printJson(out, root);
            return 0;
        }
        out.printf(Locale.ROOT, "scenario '%s' on real threads, %s host, %s wall per policy%n%n", s.name(),
                scenario.backend.name(), wall);
        StringBuilder head = new StringBuilder(String.format(Locale.ROOT, "%-32s", "count"));
        reports.keySet().forEach(k -> head.append(String.format(Locale.ROOT, "%16s", k)));
        out.println(head);
        out.println("-".repeat(head.length()));
        for (String name : reports.values().iterator().next().counts().keySet()) {
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-32s", name));
            reports.values().forEach(r -> line.append(String.format(Locale.ROOT, "%16s", Output.fmt(r.counts().get(name)))));
            out.println(line);
        }
        out.println();
        for (Metric m : METRICS) {
            if (!reports.values().iterator().next().result().has(m)) {
                continue;
            }
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-32s", m.metricName()));
            reports.values().forEach(r -> line.append(String.format(Locale.ROOT, "%16s", Output.fmt(r.result().number(m)))));
            out.println(line);
        }
        return 0;
    }
}
