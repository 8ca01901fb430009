package dev.copyless.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import dev.copyless.balancer.BalancingPolicy;
import dev.copyless.input.BoundedInput;
import dev.copyless.input.UserError;
import dev.copyless.scenario.Scenario;
import dev.copyless.scenario.ScenarioException;
import dev.copyless.scenario.ScenarioParser;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A parameter grid read from YAML: a base scenario, the policies each point runs, the seeds,
 * and for each swept parameter the list of values. {@link #points()} is the cartesian product,
 * in a fixed order, so point {@code i} is the same point in every run of the same grid (what
 * {@code --resume} relies on).
 *
 * <pre>
 * base: default                  # or a scenario file, relative to the grid file
 * policies: [none, naive, copyless, copyless-holdback]
 * seeds: [42]                   # or a count, seeds: 5 (the base's seed and the 4 after it)
 * parameters:
 *   memory-pressure: [1.0, 1.2, 1.5]
 *   swap-device: [nvme, zram]
 * </pre>
 *
 * @param source     the grid file, for messages
 * @param text       the grid file's text (kept so a resumed sweep can check it is the same grid)
 * @param base       the base scenario
 * @param policies   policies every point runs
 * @param seeds      seeds every point runs with
 * @param parameters swept parameter -> values (as written), in file order
 * @param dir        the grid file's directory, against which relative trace paths are resolved (null: as given)
 */
public record SweepGrid(String source, String text, Scenario base, List<String> policies, List<Long> seeds,
                        Map<String, List<String>> parameters, Path dir) {
    private static final Set<String> TOP = Set.of("base", "policies", "seeds", "parameters");
    /** The most points a grid may have. */
    public static final long MAX_POINTS = 100_000;

    /** The most seeds {@code seeds: N} takes, as {@code --seeds}. */
    public static final int MAX_SEEDS = 1000;

    /** Reads a grid file: a regular file of at most {@link BoundedInput#YAML_LIMIT}, then {@link #parse}. */
    public static SweepGrid load(Path file) {
        String text;
        try {
            text = BoundedInput.readText(file, BoundedInput.YAML_LIMIT, "sweep grid file",
                    "give the path of a sweep grid YAML file (docs/SWEEP.md)");
        } catch (UserError e) {
            throw new ScenarioException(e.getMessage());
        }
        return parse(text, file.toString(), file.toAbsolutePath().getParent());
    }

    /**
     * Parses grid text. Refuses, in one line naming the key: a key given twice, an unknown key,
     * an empty or repeated list of policies, seeds or values, a value a parameter does not take
     * (a fraction for a whole-number parameter included), and a grid of more than
     * {@link #MAX_POINTS} points (counted without overflow).
     */
    public static SweepGrid parse(String text, String source, Path dir) {
        JsonNode root;
        try {
            root = BoundedInput.yaml(text, source);
        } catch (UserError e) {
            throw new ScenarioException(e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw new ScenarioException(source + ": expected a mapping with keys base, policies, seeds, parameters");
        }
        for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!TOP.contains(k)) {
                throw new ScenarioException(source + ": unknown key '" + k + "'; expected one of: base, policies, seeds, parameters");
            }
        }
        JsonNode baseNode = root.get("base");
        if (baseNode != null && !baseNode.isTextual()) {
            throw new ScenarioException(source + ": base: expected 'default' or the path of a scenario file, got " + baseNode);
        }
        String baseName = baseNode != null ? baseNode.asText() : "default";
        Scenario base;
        if ("default".equals(baseName)) {
            base = ScenarioParser.defaultScenario();
        } else {
            Path p = dir == null ? Path.of(baseName) : dir.resolve(baseName);
            base = ScenarioParser.load(p);
        }
        JsonNode params = root.get("parameters");
        List<String> policies = strings(root, "policies", source, BalancingPolicy.KEYS);
        String policiesKey = "policies";
        if (params != null && params.isObject() && params.has("policy")) {
            if (root.has("policies")) {
                throw new ScenarioException(source + ": give the policies either as 'policies' or as 'parameters.policy', not both");
            }
            policies = strings(params, "policy", source, null); // every point runs each policy, side by side
            policiesKey = "parameters.policy";
        }
        distinctAndNonEmpty(policies, policiesKey, source, "none, naive or copyless");
        for (String p : policies) {
            if (!BalancingPolicy.isKey(p)) {
                throw new ScenarioException(source + ": policies: expected " + BalancingPolicy.KEYS_TEXT + ", got '" + p + "'");
            }
        }
        List<Long> seeds = new ArrayList<>();
        JsonNode seedsNode = root.get("seeds");
        if (seedsNode != null && seedsNode.isIntegralNumber()) {
            // seeds: N, as compare --seeds N: the base scenario's seed and the N-1 after it
            long n = seedsNode.canConvertToLong() ? seedsNode.asLong() : -1;
            if (n < 1 || n > MAX_SEEDS) {
                throw new ScenarioException(source + ": seeds: expected a count from 1 to " + MAX_SEEDS
                        + " or a list of seeds like [42, 43], got " + seedsNode);
            }
            for (long i = 0; i < n; i++) {
                seeds.add(base.seed() + i);
            }
        } else {
            for (String s : strings(root, "seeds", source, List.of(Long.toString(base.seed())))) {
                try {
                    seeds.add(Long.parseLong(s.strip()));
                } catch (NumberFormatException e) {
                    throw new ScenarioException(source + ": seeds: expected whole numbers (64-bit), got '" + s + "'");
                }
            }
        }
        distinctAndNonEmpty(seeds, "seeds", source, "seeds such as [42, 43]");
        if (params == null || !params.isObject() || params.isEmpty()) {
            throw new ScenarioException(source + ": parameters: expected a mapping of parameter: [values], e.g. "
                    + "memory-pressure: [1.0, 1.5]; parameters are " + String.join(", ", SweepParameters.NAMES));
        }
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : params.properties()) {
            String name = e.getKey();
            if (name.equals("policy")) {
                continue;
            }
            if (name.equals("hold-back")) {
                throw new ScenarioException(source + ": parameters.hold-back: removed; hold-back (claim 12) is a policy"
                        + " of its own now: list copyless and copyless-holdback under policies");
            }
            if (!SweepParameters.NAMES.contains(name)) {
                throw new ScenarioException(source + ": unknown parameter 'parameters." + name + "'; expected one of: "
                        + String.join(", ", SweepParameters.NAMES));
            }
            List<String> values = strings(params, name, source, null);
            distinctAndNonEmpty(values, "parameters." + name, source, "values");
            out.put(name, values);
        }
        if (out.isEmpty()) {
            throw new ScenarioException(source + ": parameters: expected at least one swept parameter besides policy; "
                    + "parameters are " + String.join(", ", SweepParameters.NAMES));
        }
        BigInteger points = BigInteger.valueOf(seeds.size());
        StringBuilder shape = new StringBuilder(seeds.size() + " seed(s)");
        for (Map.Entry<String, List<String>> e : out.entrySet()) {
            points = points.multiply(BigInteger.valueOf(e.getValue().size()));
            shape.append(" x ").append(e.getValue().size()).append(' ').append(e.getKey());
        }
        if (points.compareTo(BigInteger.valueOf(MAX_POINTS)) > 0) {
            throw new ScenarioException(source + ": the grid has " + String.format(java.util.Locale.ROOT, "%,d", points)
                    + " points (" + shape + "); at most " + String.format(java.util.Locale.ROOT, "%,d", MAX_POINTS)
                    + ": sweep fewer values, or split the grid");
        }
        for (Map.Entry<String, List<String>> e : out.entrySet()) {
            for (String v : e.getValue()) {
                SweepParameters.apply(base, e.getKey(), v, source, dir); // validate every value up front
            }
        }
        return new SweepGrid(source, text, base, policies, seeds, out, dir == null ? null : dir.toAbsolutePath());
    }

    /** Refuses an empty list and a value listed twice (its points would run twice). */
    private static void distinctAndNonEmpty(List<?> values, String key, String source, String expected) {
        if (values.isEmpty()) {
            throw new ScenarioException(source + ": " + key + ": expected a non-empty list of " + expected + ", got []");
        }
        Set<Object> seen = new java.util.HashSet<>();
        for (Object v : values) {
            if (!seen.add(v)) {
                throw new ScenarioException(source + ": " + key + ": '" + v + "' is listed twice; list each value once");
            }
        }
    }

    private static List<String> strings(JsonNode node, String key, String source, List<String> dflt) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            if (dflt == null) {
                throw new ScenarioException(source + ": " + key + ": expected a list of values");
            }
            return dflt;
        }
        List<String> out = new ArrayList<>();
        if (v.isArray()) {
            for (JsonNode x : v) {
                if (!x.isValueNode()) {
                    throw new ScenarioException(source + ": " + key + ": expected a list of plain values, got " + x);
                }
                out.add(x.asText());
            }
        } else if (v.isValueNode()) {
            out.add(v.asText());
        } else {
            throw new ScenarioException(source + ": " + key + ": expected a list of values, got " + v);
        }
        return out;
    }

    /** This grid with another base scenario (e.g. a cost profile applied to it). */
    public SweepGrid withBase(Scenario newBase) {
        return new SweepGrid(source, text, newBase, policies, seeds, parameters, dir);
    }

    /** Number of points (parameter combinations times seeds); {@link #parse} keeps it at most {@link #MAX_POINTS}. */
    public long size() {
        long n = seeds.size();
        for (List<String> v : parameters.values()) {
            n = Math.multiplyExact(n, v.size());
        }
        return n;
    }

    /** Every point, in a fixed order: the last parameter varies fastest, seeds slowest. */
    public List<SweepPoint> points() {
        List<SweepPoint> out = new ArrayList<>();
        List<String> names = new ArrayList<>(parameters.keySet());
        int[] idx = new int[names.size()];
        int id = 0;
        for (long seed : seeds) {
            java.util.Arrays.fill(idx, 0);
            while (true) {
                Map<String, String> values = new LinkedHashMap<>();
                for (int i = 0; i < names.size(); i++) {
                    values.put(names.get(i), parameters.get(names.get(i)).get(idx[i]));
                }
                out.add(new SweepPoint(id++, seed, values, policies, dir == null ? null : dir.toString()));
                int k = names.size() - 1;
                while (k >= 0 && ++idx[k] == parameters.get(names.get(k)).size()) {
                    idx[k] = 0;
                    k--;
                }
                if (k < 0) {
                    break;
                }
            }
        }
        return out;
    }
}
