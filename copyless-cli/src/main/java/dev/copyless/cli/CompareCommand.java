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
        description = {"Run the same scenario and seed under none, naive and copyless and print them side by side",
                "with the copyless/naive ratio (or one JSON object with --format json)."})
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
