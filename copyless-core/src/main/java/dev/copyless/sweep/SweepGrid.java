package dev.copyless.sweep;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.copyless.balancer.BalancingPolicy;
import dev.copyless.scenario.Scenario;
import dev.copyless.scenario.ScenarioException;
import dev.copyless.scenario.ScenarioParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
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
 * policies: [none, naive, copyless]
 * seeds: [42]
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
 */
public record SweepGrid(String source, String text, Scenario base, List<String> policies, List<Long> seeds,
                        Map<String, List<String>> parameters) {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Set<String> TOP = Set.of("base", "policies", "seeds", "parameters");

    public static SweepGrid load(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new ScenarioException(file + ": no such file; give the path of a sweep grid YAML file");
        } catch (IOException | java.io.UncheckedIOException e) {
            throw new ScenarioException(file + ": cannot read the grid file (" + e.getMessage() + ")");
        }
        return parse(text, file.toString(), file.toAbsolutePath().getParent());
    }

    public static SweepGrid parse(String text, String source, Path dir) {
        JsonNode root;
        try {
            root = YAML.readTree(text);
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr();
            throw new ScenarioException(source + ": not valid YAML" + where + " (" + e.getOriginalMessage() + ")");
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
        String baseName = root.has("base") ? root.get("base").asText() : "default";
        Scenario base;
        if ("default".equals(baseName)) {
            base = ScenarioParser.defaultScenario();
        } else {
            Path p = dir == null ? Path.of(baseName) : dir.resolve(baseName);
            base = ScenarioParser.load(p);
        }
        JsonNode params = root.get("parameters");
        List<String> policies = strings(root, "policies", source, BalancingPolicy.KEYS);
        if (params != null && params.isObject() && params.has("policy")) {
            if (root.has("policies")) {
                throw new ScenarioException(source + ": give the policies either as 'policies' or as 'parameters.policy', not both");
            }
            policies = strings(params, "policy", source, null); // every point runs each policy, side by side
        }
        for (String p : policies) {
            if (!BalancingPolicy.isKey(p)) {
                throw new ScenarioException(source + ": policies: expected " + BalancingPolicy.KEYS_TEXT + ", got '" + p + "'");
            }
        }
        List<Long> seeds = new ArrayList<>();
        for (String s : strings(root, "seeds", source, List.of(Long.toString(base.seed())))) {
            try {
                seeds.add(Long.parseLong(s));
            } catch (NumberFormatException e) {
                throw new ScenarioException(source + ": seeds: expected integers, got '" + s + "'");
            }
        }
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
            if (!SweepParameters.NAMES.contains(name)) {
                throw new ScenarioException(source + ": unknown parameter 'parameters." + name + "'; expected one of: "
                        + String.join(", ", SweepParameters.NAMES));
            }
            List<String> values = strings(params, name, source, null);
            if (values.isEmpty()) {
                throw new ScenarioException(source + ": parameters." + name + ": expected a non-empty list of values");
            }
            for (String v : values) {
                SweepParameters.apply(base, name, v, source); // validate every value up front
            }
            out.put(name, values);
        }
        if (out.isEmpty()) {
            throw new ScenarioException(source + ": parameters: expected at least one swept parameter besides policy; "
                    + "parameters are " + String.join(", ", SweepParameters.NAMES));
        }
        SweepGrid g = new SweepGrid(source, text, base, policies, seeds, out);
        if (g.size() > 100_000) {
            throw new ScenarioException(source + ": the grid has " + g.size() + " points; at most 100000");
        }
        return g;
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

    /** Number of points (parameter combinations times seeds). */
    public long size() {
        long n = seeds.size();
        for (List<String> v : parameters.values()) {
            n *= v.size();
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
                out.add(new SweepPoint(id++, seed, values, policies));
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
