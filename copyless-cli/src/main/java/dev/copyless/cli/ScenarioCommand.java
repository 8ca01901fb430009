package dev.copyless.cli;

import dev.copyless.scenario.Scenario;
import dev.copyless.scenario.ScenarioParser;
import dev.copyless.scenario.Units;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code copyless scenario}: print the default scenario, or check a scenario file. */
@Command(name = "scenario", mixinStandardHelpOptions = true,
        description = "Print the embedded default scenario as YAML to start from, or check a scenario file.")
final class ScenarioCommand implements Callable<Integer> {
    @ArgGroup(exclusive = true, multiplicity = "1")
    Action action;

    static final class Action {
        @Option(names = "--print-default", description = "Print the default scenario: YAML with a comment on every key,"
                + " every key outside the lists at its default (docs/SCENARIO.md lists them all).")
        boolean printDefault;

        @Option(names = "--check", paramLabel = "FILE", description = "Validate a scenario file and summarise it.")
        Path check;
    }

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        var out = spec.commandLine().getOut();
        if (action.printDefault) {
            out.print(ScenarioParser.defaultScenarioText());
            out.flush();
            return 0;
        }
        Scenario s = ScenarioParser.load(action.check);
        long mem = s.hostPages();
        long swap = s.swapPages();
        out.printf("%s: ok: scenario '%s', %d host nodes (%s), swap %s, %d VM(s), workload %s%n", action.check, s.name(),
                s.host().nodes().size(), Units.size(mem), Units.size(swap), s.vms().size(), Units.size(s.workloadPages()));
        return 0;
    }
}
