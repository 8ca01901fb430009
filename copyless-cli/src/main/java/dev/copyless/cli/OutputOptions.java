package dev.copyless.cli;

import dev.copyless.input.BoundedInput;
import dev.copyless.metrics.RunResult;
import dev.copyless.report.ReportWriter;
import dev.copyless.scenario.Scenario;
import dev.copyless.sim.HostFactory;
import dev.copyless.sim.MemoryEstimate;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * How {@code run} and {@code compare} present their results (table or JSON, and an optional
 * report directory), and the one place that loads, runs and prints for both.
 */
final class OutputOptions {
    @Mixin
    FormatOption format;

    @Mixin
    ProgressOption progress;

    @Option(names = "--seeds", paramLabel = "N", defaultValue = "1",
            description = "Run each policy under N seeds (the scenario's seed and the N-1 after it) in parallel and print"
                    + " each number's mean and 95%% confidence interval, and each ratio's; 1 (default): one seed, as always.")
    int seeds;

    /** The most seeds {@code --seeds} takes. */
    static final int MAX_SEEDS = 1000;

    @Option(names = "--report", paramLabel = "DIR",
            description = "Also write DIR/report.html (charts, opens offline), PNG charts, results.json and results.csv.")
    Path report;

    /**
     * How many of {@code runs} runs of {@code s} to make at once: all of them, or as many as the
     * heap, the memory and the disk hold (saying so on {@code err}); refuses a scenario of which
     * not even one run fits ({@link MemoryEstimate}).
     */
    static int fit(Scenario s, int runs, String source, PrintWriter err) {
        MemoryEstimate est = MemoryEstimate.of(s);
        int n = est.runsThatFit(runs, MemoryEstimate.Limits.here(), source);
        if (n < Math.min(runs, Runtime.getRuntime().availableProcessors())) {
            err.println("note: running " + n + " at a time, not " + runs + ": each run needs about "
                    + BoundedInput.bytes(est.heapBytes()) + " of heap (JAVA_TOOL_OPTIONS=-Xmx... gives the JVM more)");
        }
        return n;
    }

    /**
     * Loads the scenario, refuses what cannot fit (memory, disk) and checks the report directory
     * before anything runs, runs the policies, prints the results and writes the report; a
     * failed run leaves no report directory it created.
     */
    int runAndPrint(CommandSpec spec, ScenarioOptions scenario, List<String> policies) {
        if (seeds < 1 || seeds > MAX_SEEDS) {
            throw new ParameterException(spec.commandLine(), "--seeds: expected 1 to " + MAX_SEEDS + ", got " + seeds);
        }
        if (seeds > 1 && report != null) {
            throw new ParameterException(spec.commandLine(),
                    "--report: draws one seed's runs; drop --seeds, or drop --report for the statistics over seeds");
        }
        Scenario s = scenario.load();
        String source = scenario.scenario == null ? "embedded default" : scenario.scenario.toString();
        String named = scenario.scenario == null ? "the default scenario" : source;
        PrintWriter err = spec.commandLine().getErr();
        boolean simulated = scenario.backend == ScenarioOptions.Backend.simulated;
        if (simulated) { // refuse what cannot fit before anything is made
            MemoryEstimate.of(s).runsThatFit(1, MemoryEstimate.Limits.here(), named);
        }
        Path created = report != null ? ReportWriter.prepare(report) : null;
        boolean written = false;
        try {
            HostFactory host = scenario.factory(s, err);
            int parallel = simulated ? fit(s, policies.size() * seeds, named, err) : 1;
            Progress bar = Progress.on(err, progress.progress);
            if (seeds > 1) {
                return printSeeds(spec, scenario, s, source, host, policies, bar, parallel);
            }
            Map<String, RunResult> r = Runner.run(s, policies, bar, host, parallel);
            var out = spec.commandLine().getOut();
            String backend = scenario.backend.name();
            if (format.json()) {
                Output.json(out, s, source, backend, r);
            } else {
                Output.table(out, s, source, backend, r);
            }
            out.flush();
            Output.warnLostPages(err, r);
            if (report != null) {
                ReportWriter.write(report, Output.scenarioInfo(s, source, backend), r);
                written = true;
                err.println("report: " + report.resolve("report.html"));
            }
            return 0;
        } finally {
            if (report != null && !written) {
                ReportWriter.removeCreated(created); // a failed run leaves no empty report directory behind
            }
        }
    }

    /** {@code --seeds N}: every policy under N seeds, then each number's mean and confidence interval. */
    private int printSeeds(CommandSpec spec, ScenarioOptions scenario, Scenario s, String source, HostFactory host,
                           List<String> policies, Progress bar, int parallel) {
        List<Long> seedList = SeedOutput.seeds(s.seed(), seeds);
        Map<String, List<RunResult>> r = Runner.run(s, policies, seedList, bar, host, parallel);
        var out = spec.commandLine().getOut();
        String backend = scenario.backend.name();
        if (format.json()) {
            SeedOutput.json(out, s, source, backend, r, seedList);
        } else {
            SeedOutput.table(out, s, source, backend, r, seedList);
        }
        out.flush();
        for (int j = 0; j < seedList.size(); j++) {
            Map<String, RunResult> one = new LinkedHashMap<>();
            for (Map.Entry<String, List<RunResult>> e : r.entrySet()) {
                one.put(e.getKey() + " (seed " + seedList.get(j) + ")", e.getValue().get(j));
            }
            Output.warnLostPages(spec.commandLine().getErr(), one);
        }
        return 0;
    }
}
