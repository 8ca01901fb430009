package dev.copyless.cli;

import dev.copyless.metrics.RunResult;
import dev.copyless.report.ReportWriter;
import dev.copyless.scenario.Scenario;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code copyless run}: one scenario under one policy (default copyless). */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Run a scenario (default: the embedded default scenario) under one balancing policy.")
final class RunCommand implements Callable<Integer> {
    @Mixin
    ScenarioOptions scenario;

    @Option(names = "--policy", paramLabel = "POLICY", defaultValue = "copyless",
            description = "none, naive or copyless (default: ${DEFAULT-VALUE}).")
    String policy;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "table",
            description = "table or json (default: ${DEFAULT-VALUE}).")
    Format format;

    @Option(names = "--report", paramLabel = "DIR",
            description = "Also write DIR/report.html (charts, opens offline), PNG charts, results.json and results.csv.")
    java.nio.file.Path report;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        if (!List.of("none", "naive", "copyless").contains(policy)) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--policy: expected none, naive or copyless, got '" + policy + "'");
        }
        Scenario s = scenario.load();
        if (report != null) {
            ReportWriter.prepare(report);
        }
        String source = scenario.scenario == null ? "embedded default" : scenario.scenario.toString();
        Map<String, RunResult> r = Runner.run(s, List.of(policy), format == Format.table);
        var out = spec.commandLine().getOut();
        if (format == Format.json) {
            Output.json(out, s, source, r);
        } else {
            Output.table(out, s, source, r);
        }
        if (report != null) {
            out.flush();
            ReportWriter.write(report, Output.scenarioInfo(s, source), r);
            spec.commandLine().getErr().println("report: " + report.resolve("report.html"));
        }
        return 0;
    }

    /** Output formats. */
    enum Format { table, json }
}
