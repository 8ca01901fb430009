package dev.copyless.sweep;

import dev.copyless.balancer.BalancingPolicy;
import dev.copyless.host.HostOutOfMemoryException;
import dev.copyless.metrics.RunResult;
import dev.copyless.scenario.Scenario;
import dev.copyless.sim.Simulation;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One point of a sweep: its index in the grid, the seed, the swept parameters' values and the
 * policies to run. A plain, serializable value: {@link #run(Scenario)} is a pure function of
 * (base scenario, this point), so a point can be computed anywhere (another thread today, a
 * cluster worker tomorrow) and give the same results.
 */
public record SweepPoint(int id, long seed, Map<String, String> values, List<String> policies, String dir)
        implements java.io.Serializable {

    /** A point whose relative paths (a {@code trace} value) are taken as they are. */
    public SweepPoint(int id, long seed, Map<String, String> values, List<String> policies) {
        this(id, seed, values, policies, null);
    }

    /**
     * The scenario of this point: the base with every swept parameter applied (those that define the
     * workload, {@code trace} then {@code workload}, first; the others in the grid's order), then the seed.
     */
    public Scenario scenario(Scenario base) {
        Scenario s = base;
        Path d = dir == null ? null : Path.of(dir);
        for (String first : SweepParameters.WORKLOAD_FIRST) {
            if (values.containsKey(first)) {
                s = SweepParameters.apply(s, first, values.get(first), "sweep point " + id, d);
            }
        }
        for (Map.Entry<String, String> e : values.entrySet()) {
            if (!SweepParameters.WORKLOAD_FIRST.contains(e.getKey())) {
                s = SweepParameters.apply(s, e.getKey(), e.getValue(), "sweep point " + id, d);
            }
        }
        return s.withSeed(seed);
    }

    /** The trace files this point's {@code trace} parameter names, resolved as {@link #scenario} resolves them. */
    public List<Path> traceFiles() {
        String t = values.get("trace");
        if (t == null) {
            return List.of();
        }
        Path p = dir == null ? Path.of(t.strip()) : Path.of(dir).resolve(t.strip());
        return List.of(p.toAbsolutePath().normalize());
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
