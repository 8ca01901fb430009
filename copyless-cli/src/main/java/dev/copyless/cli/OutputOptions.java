package dev.copyless.cli;

import dev.copyless.metrics.RunResult;
import dev.copyless.report.ReportWriter;
import dev.copyless.scenario.Scenario;
import dev.copyless.sim.HostFactory;
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

    @Option(names = "--seeds", paramLabel = "N", defaultValue = "1",
            description = {"Run each policy under N seeds (the scenario's seed and the N-1 after it) in parallel and print",
                    "each number's mean and 95% confidence interval, and each ratio's; 1 (default): one seed, as always."})
    int seeds;

    /** The most seeds {@code --seeds} takes. */
    static final int MAX_SEEDS = 1000;

    @Option(names = "--report", paramLabel = "DIR",
            description = "Also write DIR/report.html (charts, opens offline), PNG charts, results.json and results.csv.")
    Path report;


    /**
     * Loads the scenario, checks the report directory before anything runs, runs the policies,
     * prints the results and writes the report.
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
        if (report != null) {
            ReportWriter.prepare(report);
        }
        String source = scenario.scenario == null ? "embedded default" : scenario.scenario.toString();
        HostFactory host = scenario.factory(s, spec.commandLine().getErr());
        if (seeds > 1) {
            return printSeeds(spec, scenario, s, source, host, policies);
        }
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

    /** {@code --seeds N}: every policy under N seeds, then each number's mean and confidence interval. */
    private int printSeeds(CommandSpec spec, ScenarioOptions scenario, Scenario s, String source, HostFactory host,
                           List<String> policies) {
        List<Long> seedList = SeedOutput.seeds(s.seed(), seeds);
        Map<String, List<RunResult>> r = Runner.run(s, policies, seedList, !format.json(), host,
                scenario.backend == ScenarioOptions.Backend.linux);
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
