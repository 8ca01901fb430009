package dev.copyless.cli;

import dev.copyless.balancer.BalancingPolicy;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;

/**
 * {@code copyless compare}: the same scenario and seed under every policy of
 * {@link BalancingPolicy#KEYS} ({@code none}, {@code naive}, {@code copyless} with hold-back off,
 * {@code copyless-holdback}), side by side with {@code copyless/naive} and
 * {@code copyless-holdback/naive}; with {@code --seeds N}, means and confidence intervals.
 */
@Command(name = "compare", mixinStandardHelpOptions = true,
        description = {"Run one scenario under every policy, side by side.",
                "The same scenario and seed run under none, naive, copyless (hold-back off) and copyless-holdback"
                        + " (claim 12 added); the table shows the copyless/naive and copyless-holdback/naive ratios"
                        + " (--format json prints one JSON object); --seeds N: means and 95%% confidence intervals."})
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
