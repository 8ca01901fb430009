package dev.copyless.scenario;

import com.fasterxml.jackson.databind.JsonNode;
import dev.copyless.input.BoundedInput;
import java.lang.reflect.Constructor;
import java.lang.reflect.RecordComponent;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A cost-model profile of one host, as {@code copyless calibrate} writes it and
 * {@code --cost-profile FILE} (on {@code run}, {@code compare} and {@code sweep}) loads it:
 * values of the scenario's {@code cost:} keys and the host's swap read and write latency and
 * bandwidth, each with where it came from.
 *
 * <pre>
 * host: "copyless calibrate 2026-01-01, Linux 6.18, AMD EPYC, 2 CPUs"
 * cost:
 *   remap-page-ns: 1400        # remap-uffdio-move-swapped-scattered: ...
 * swap:
 *   read-latency: 61000ns
 *   write-latency: 9000ns
 *   bandwidth-bytes-per-second: 520000000
 * </pre>
 *
 * <p>Precedence ({@link #applyTo}): a key the profile gives overrides the scenario's
 * {@code cost:} value, and the profile's swap latencies and bandwidth replace those of every
 * swap device of the scenario (the profile describes the device of the host it measured);
 * keys the profile does not give keep the scenario's values. Each swap device keeps its
 * profile name, so its kind ({@code zram}: no swap cache, no readahead) does not change.
 */
public record CostProfile(String host, Map<String, Long> cost, Map<String, String> source, long swapReadNs,
                          long swapWriteNs, long swapBytesPerSecond, String swapSource) {
    /** No swap timing in the profile. */
    public static final long NONE = -1;

    public CostProfile {
        cost = Collections.unmodifiableMap(new LinkedHashMap<>(cost));
        source = Collections.unmodifiableMap(new LinkedHashMap<>(source));
    }

    /** The {@code cost:} keys in the scenario's spelling, in {@link Scenario.Cost}'s order. */
    public static List<String> costKeys() {
        List<String> keys = new ArrayList<>();
        for (RecordComponent c : Scenario.Cost.class.getRecordComponents()) {
            keys.add(kebab(c.getName()));
        }
        return keys;
    }

    static String kebab(String camel) {
        StringBuilder b = new StringBuilder();
        for (char ch : camel.toCharArray()) {
            if (Character.isUpperCase(ch)) {
                b.append('-').append(Character.toLowerCase(ch));
            } else {
                b.append(ch);
            }
        }
        return b.toString();
    }

    /** The profile as YAML, one comment per value naming its source. */
    public String toYaml() {
        StringBuilder b = new StringBuilder();
        b.append("# copyless cost profile: load it with --cost-profile FILE on run, compare or sweep.\n");
        b.append("# Its cost keys override the scenario's cost section; its swap timing replaces every swap device's.\n");
        b.append("host: \"").append(host.replace("\"", "'")).append("\"\n");
        b.append("cost:\n");
        cost.forEach((k, v) -> b.append("  ").append(k).append(": ").append(v)
                .append(source.containsKey(k) ? "   # " + source.get(k).replace('\n', ' ') : "").append('\n'));
        if (swapBytesPerSecond != NONE) {
            b.append("swap:                # ").append(swapSource.replace('\n', ' ')).append('\n');
            b.append("  read-latency: ").append(swapReadNs).append("ns\n");
            b.append("  write-latency: ").append(swapWriteNs).append("ns\n");
            b.append("  bandwidth-bytes-per-second: ").append(swapBytesPerSecond).append('\n');
        }
        return b.toString();
    }

    /** Reads a profile file; a one-line {@link ScenarioException} names what is wrong. */
    public static CostProfile load(Path file) {
        String text = BoundedInput.readText(file, BoundedInput.YAML_LIMIT, "cost profile",
                "give the file copyless calibrate --out wrote");
        return parse(text, file.toString());
    }

    /** Parses a profile's text; {@code where} names it in messages. */
    public static CostProfile parse(String text, String where) {
        JsonNode root = BoundedInput.yaml(text, where);
        if (root == null || !root.isObject()) {
            throw new ScenarioException(where + ": expected a cost profile (a mapping with cost: and swap:), as copyless"
                    + " calibrate --out writes");
        }
        List<String> known = costKeys();
        Map<String, Long> cost = new LinkedHashMap<>();
        String host = "";
        long read = NONE;
        long write = NONE;
        long bw = NONE;
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            switch (e.getKey()) {
                case "host" -> host = e.getValue().asText();
                case "cost" -> {
                    if (!e.getValue().isObject()) {
                        throw new ScenarioException(where + ": cost: expected a mapping of cost keys to nanoseconds");
                    }
                    for (Iterator<Map.Entry<String, JsonNode>> c = e.getValue().fields(); c.hasNext(); ) {
                        Map.Entry<String, JsonNode> kv = c.next();
                        if (!known.contains(kv.getKey())) {
                            throw new ScenarioException(where + ": cost." + kv.getKey() + ": unknown key; expected one of "
                                    + String.join(", ", known));
                        }
                        JsonNode v = kv.getValue();
                        if (!v.canConvertToLong() || !v.isIntegralNumber() || v.asLong() < 0 || v.asLong() > 100_000_000) {
                            throw new ScenarioException(where + ": cost." + kv.getKey() + ": expected an integer number of"
                                    + " nanoseconds in 0..100000000, got '" + v.asText() + "'");
                        }
                        cost.put(kv.getKey(), v.asLong());
                    }
                }
                case "swap" -> {
                    JsonNode s = e.getValue();
                    if (!s.isObject()) {
                        throw new ScenarioException(where + ": swap: expected a mapping with read-latency, write-latency"
                                + " and bandwidth-bytes-per-second");
                    }
                    for (Iterator<String> f = s.fieldNames(); f.hasNext(); ) {
                        String k = f.next();
                        if (!List.of("read-latency", "write-latency", "bandwidth-bytes-per-second").contains(k)) {
                            throw new ScenarioException(where + ": swap." + k + ": unknown key; expected read-latency,"
                                    + " write-latency, bandwidth-bytes-per-second");
                        }
                    }
                    read = duration(s, "read-latency", where);
                    write = duration(s, "write-latency", where);
                    JsonNode b = s.get("bandwidth-bytes-per-second");
                    if (b == null || !b.isIntegralNumber() || b.asLong() < 1) {
                        throw new ScenarioException(where + ": swap.bandwidth-bytes-per-second: expected a positive integer"
                                + (b == null ? "" : ", got '" + b.asText() + "'"));
                    }
                    bw = b.asLong();
                }
                default -> throw new ScenarioException(where + ": " + e.getKey() + ": unknown key; a cost profile has host,"
                        + " cost and swap");
            }
        }
        if (cost.isEmpty() && bw == NONE) {
            throw new ScenarioException(where + ": the profile sets nothing: expected cost: keys or swap: timing");
        }
        return new CostProfile(host, cost, Map.of(), read, write, bw, "");
    }

    private static long duration(JsonNode s, String key, String where) {
        JsonNode v = s.get(key);
        long ns = v == null ? -1 : v.isIntegralNumber() ? v.asLong() : Units.nanos(v.asText());
        if (ns < 0) {
            throw new ScenarioException(where + ": swap." + key + ": expected a duration like 60us or 61000ns"
                    + (v == null ? "" : ", got '" + v.asText() + "'"));
        }
        return ns;
    }

    /** The scenario's cost values, by key. */
    public static Map<String, Long> costOf(Scenario.Cost c) {
        Map<String, Long> m = new LinkedHashMap<>();
        try {
            for (RecordComponent rc : Scenario.Cost.class.getRecordComponents()) {
                m.put(kebab(rc.getName()), (Long) rc.getAccessor().invoke(c));
            }
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
        return m;
    }

    /** A cost section from values by key ({@link #costOf}'s keys, every one given). */
    public static Scenario.Cost costFrom(Map<String, Long> values) {
        RecordComponent[] rcs = Scenario.Cost.class.getRecordComponents();
        Class<?>[] types = new Class<?>[rcs.length];
        Object[] args = new Object[rcs.length];
        for (int i = 0; i < rcs.length; i++) {
            types[i] = long.class;
            args[i] = values.get(kebab(rcs[i].getName()));
        }
        try {
            Constructor<Scenario.Cost> ctor = Scenario.Cost.class.getDeclaredConstructor(types);
            return ctor.newInstance(args);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The scenario with this profile applied: the profile's cost keys over the scenario's, its
     * swap timing on every swap device (see the class comment).
     */
    public Scenario applyTo(Scenario s) {
        Map<String, Long> values = costOf(s.cost());
        values.putAll(cost);
        if (values.get("access-remote-ns") < values.get("access-local-ns")) {
            throw new ScenarioException("--cost-profile: access-remote-ns (" + values.get("access-remote-ns")
                    + ") is less than access-local-ns (" + values.get("access-local-ns") + ")");
        }
        Scenario out = s.withCost(costFrom(values));
        if (swapBytesPerSecond != NONE) {
            List<Scenario.Swap> devices = new ArrayList<>();
            for (Scenario.Swap d : s.host().swap()) {
                devices.add(d.withTiming(swapReadNs, swapWriteNs, swapBytesPerSecond));
            }
            out = out.withHost(out.host().withSwap(devices));
        }
        return out;
    }

    /** One line saying what the profile changed, for stderr. */
    public String summary(String file) {
        return String.format(Locale.ROOT, "note: cost profile %s applied%s: %d cost keys over the scenario's%s", file,
                host.isEmpty() ? "" : " (" + host + ")", cost.size(),
                swapBytesPerSecond == NONE ? "" : ", swap read " + swapReadNs + " ns, write " + swapWriteNs + " ns, "
                        + swapBytesPerSecond + " B/s on every device");
    }
}
