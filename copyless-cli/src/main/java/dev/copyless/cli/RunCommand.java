package dev.copyless.cli;

import dev.copyless.balancer.BalancingPolicy;
import java.util.List;
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

    @Option(names = "--policy", paramLabel = "POLICY", defaultValue = BalancingPolicy.COPYLESS,
            description = BalancingPolicy.KEYS_TEXT + " (default: ${DEFAULT-VALUE}).")
    String policy;

    @Mixin
    OutputOptions output;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        if (!BalancingPolicy.isKey(policy)) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--policy: expected " + BalancingPolicy.KEYS_TEXT + ", got '" + policy + "'");
        }
        return output.runAndPrint(spec, scenario, List.of(policy));
    }
}
