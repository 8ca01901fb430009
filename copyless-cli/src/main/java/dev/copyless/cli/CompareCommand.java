package dev.copyless.cli;

import dev.copyless.balancer.BalancingPolicy;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;

/**
 * {@code copyless compare}: the same scenario and seed under {@code none}, {@code naive} and
 * {@code copyless}, side by side with the copyless/naive ratio.
 */
@Command(name = "compare", mixinStandardHelpOptions = true,
        description = {"Run one scenario under none, naive and copyless, side by side.",
                "The same scenario and seed run under each policy; the table shows the copyless/naive ratio"
                        + " (--format json prints one JSON object)."})
final class CompareCommand implements Callable<Integer> {
    @Mixin
    ScenarioOptions scenario;

    @Mixin
    OutputOptions output;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        return output.runAndPrint(spec, scenario, BalancingPolicy.KEYS);
    }
}
