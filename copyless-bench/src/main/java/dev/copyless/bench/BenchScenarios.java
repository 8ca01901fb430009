package dev.copyless.bench;

import dev.copyless.balancer.BalancingPolicy;
import dev.copyless.scenario.Scenario;
import dev.copyless.scenario.ScenarioParser;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The scenarios the benchmarks simulate, by name: {@code default} (the first 2 s of the
 * embedded default scenario of {@code copyless run}), the benchmark scenarios shipped in this jar under
 * {@code dev/copyless/bench/} ({@code fits}, {@code churn}), or the path of any scenario YAML
 * file; and the policy a scenario's {@code copyless:} section gives for a key, built the way
 * the CLI builds it.
 */
public final class BenchScenarios {
    private BenchScenarios() {}

    /** Loads a scenario by benchmark name or file path. */
    public static Scenario load(String name) {
        if ("default".equals(name)) {
            // the first 2 s of the embedded default (20 s virtual): population, host reclaim and swap, the first
            // stock scans; short enough for a JMH iteration, and the figure comparable with earlier ones
            return ScenarioParser.defaultScenario().withDuration(2_000_000_000L);
        }
        String resource = "/dev/copyless/bench/" + name + ".yaml";
        try (InputStream in = BenchScenarios.class.getResourceAsStream(resource)) {
            if (in != null) {
                return ScenarioParser.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), resource);
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        Path file = Path.of(name);
        if (Files.isRegularFile(file)) {
            return ScenarioParser.load(file);
        }
        throw new IllegalArgumentException("unknown scenario '" + name
                + "': expected default, fits, churn or the path of a scenario YAML file");
    }

    /** The policy {@code key} (one of {@link BalancingPolicy#KEYS}) with the scenario's copyless options. */
    public static BalancingPolicy policy(String key, Scenario s) {
        return BalancingPolicy.of(key, s.copyless());
    }
}
