package dev.copyless.cli;

import dev.copyless.input.BoundedInput;
import dev.copyless.metrics.RunResult;
import dev.copyless.report.ReportWriter;
import dev.copyless.scenario.Scenario;
import dev.copyless.sim.HostFactory;
import dev.copyless.sim.MemoryEstimate;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/**
 * How {@code run} and {@code compare} present their results (table or JSON, and an optional
 * report directory), and the one place that loads, runs and prints for both.
 */
final class OutputOptions {
    @Mixin
    FormatOption format;

    @Mixin
    ProgressOption progress;

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
     * Loads the scenario, checks the report directory before anything runs, runs the policies,
     * prints the results and writes the report.
     */
    int runAndPrint(CommandSpec spec, ScenarioOptions scenario, List<String> policies) {
        Scenario s = scenario.load();
        if (scenario.backend == ScenarioOptions.Backend.simulated) { // refuse what cannot fit before anything is made
            MemoryEstimate.of(s).runsThatFit(1, MemoryEstimate.Limits.here(),
                    scenario.scenario == null ? "the default scenario" : scenario.scenario.toString());
        }
        Path created = report != null ? ReportWriter.prepare(report) : null;
        boolean written = false;
        try {
            String source = scenario.scenario == null ? "embedded default" : scenario.scenario.toString();
            HostFactory host = scenario.backend.factory(s, spec.commandLine().getErr());
            int parallel = 1;
            if (scenario.backend == ScenarioOptions.Backend.simulated) {
                parallel = fit(s, policies.size(), scenario.scenario == null ? "the default scenario" : source,
                        spec.commandLine().getErr());
            }
            Map<String, RunResult> r = Runner.run(s, policies, Progress.on(spec.commandLine().getErr(), progress.progress),
                    host, parallel);
            var out = spec.commandLine().getOut();
            String backend = scenario.backend.name();
            if (format.json()) {
                Output.json(out, s, source, backend, r);
            } else {
                Output.table(out, s, source, backend, r);
            }
            out.flush();
            Output.warnLostPages(spec.commandLine().getErr(), r);
            if (report != null) {
                ReportWriter.write(report, Output.scenarioInfo(s, source, backend), r);
                written = true;
                spec.commandLine().getErr().println("report: " + report.resolve("report.html"));
            }
            return 0;
        } finally {
            if (report != null && !written) {
                ReportWriter.removeCreated(created); // a failed run leaves no empty report directory behind
            }
        }
    }
}
