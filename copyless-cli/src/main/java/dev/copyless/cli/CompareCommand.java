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

/**
 * {@code copyless compare}: the same scenario and seed under {@code none}, {@code naive} and
 * {@code copyless}, side by side with the copyless/naive ratio.
 */
@Command(name = "compare", mixinStandardHelpOptions = true,
        description = {"Run the same scenario and seed under none, naive and copyless and print them side by side",
                "with the copyless/naive ratio (or one JSON object with --format json)."})
final class CompareCommand implements Callable<Integer> {
    @Mixin
    ScenarioOptions scenario;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "table",
            description = "table or json (default: ${DEFAULT-VALUE}).")
    RunCommand.Format format;

    @Option(names = "--report", paramLabel = "DIR",
            description = "Also write DIR/report.html (charts, opens offline), PNG charts, results.json and results.csv.")
    java.nio.file.Path report;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        Scenario s = scenario.load();
        if (report != null) {
            ReportWriter.prepare(report);
        }
        String source = scenario.scenario == null ? "embedded default" : scenario.scenario.toString();
        Map<String, RunResult> r = Runner.run(s, List.of("none", "naive", "copyless"), format == RunCommand.Format.table);
        var out = spec.commandLine().getOut();
        if (format == RunCommand.Format.json) {
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
}
