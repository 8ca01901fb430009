package dev.copyless.cli;

import dev.copyless.metrics.RunResult;
import dev.copyless.report.ReportWriter;
import dev.copyless.scenario.Scenario;
import dev.copyless.sim.HostFactory;
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

    @Option(names = "--report", paramLabel = "DIR",
            description = "Also write DIR/report.html (charts, opens offline), PNG charts, results.json and results.csv.")
    Path report;


    /**
     * Loads the scenario, checks the report directory before anything runs, runs the policies,
     * prints the results and writes the report.
     */
    int runAndPrint(CommandSpec spec, ScenarioOptions scenario, List<String> policies) {
        Scenario s = scenario.load();
        if (report != null) {
            ReportWriter.prepare(report);
        }
        String source = scenario.scenario == null ? "embedded default" : scenario.scenario.toString();
        HostFactory host = scenario.factory(s, spec.commandLine().getErr());
        Map<String, RunResult> r = Runner.run(s, policies, !format.json(), host,
                scenario.backend == ScenarioOptions.Backend.linux);
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
            out.flush();
            ReportWriter.write(report, Output.scenarioInfo(s, source, backend), r);
            spec.commandLine().getErr().println("report: " + report.resolve("report.html"));
        }
        return 0;
    }
}
