package dev.copyless.sweep;

import dev.copyless.balancer.BalancingPolicy;
import dev.copyless.host.HostOutOfMemoryException;
import dev.copyless.metrics.RunResult;
import dev.copyless.scenario.Scenario;
import dev.copyless.sim.Simulation;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One point of a sweep: its index in the grid, the seed, the swept parameters' values and the
 * policies to run. A plain, serializable value: {@link #run(Scenario)} is a pure function of
 * (base scenario, this point), so a point can be computed anywhere (another thread today, a
 * cluster worker tomorrow) and give the same results.
 */
public record SweepPoint(int id, long seed, Map<String, String> values, List<String> policies)
        implements java.io.Serializable {

    /** The scenario of this point: the base with every swept parameter applied, then the seed. */
    public Scenario scenario(Scenario base) {
        Scenario s = base;
        for (Map.Entry<String, String> e : values.entrySet()) {
            s = SweepParameters.apply(s, e.getKey(), e.getValue(), "sweep point " + id);
        }
        return s.withSeed(seed);
    }

    /** Runs every policy of the point, one after another, and returns policy -> results. */
    public Map<String, RunResult> run(Scenario base) {
        Scenario s = scenario(base);
        Map<String, RunResult> out = new LinkedHashMap<>();
        for (String p : policies) {
            BalancingPolicy policy = BalancingPolicy.of(p, s.copyless());
            try {
                out.put(p, new Simulation(s, policy).run());
            } catch (HostOutOfMemoryException e) {
                throw new HostOutOfMemoryException("sweep point " + id + " (" + key() + "), policy " + p
                        + ": " + e.getMessage());
            }
        }
        return out;
    }

    /** Runs the point ({@link #run}) and returns its CSV row ({@link SweepRows#row}): what every engine computes. */
    public java.util.LinkedHashMap<String, Object> row(Scenario base) {
        return SweepRows.row(this, run(base));
    }

    /** A stable text key of the point's values, e.g. {@code memory-pressure=1.2;swap-device=zram;seed=42}. */
    public String key() {
        StringBuilder b = new StringBuilder();
        values.forEach((k, v) -> b.append(k).append('=').append(v).append(';'));
        return b.append("seed=").append(seed).toString();
    }
}
