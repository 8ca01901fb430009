package dev.copyless.scenario;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A YAML mapping being read by {@link ScenarioParser}: typed getters that remember which
 * keys were asked for, so that {@link #finish()} can reject any other key by its full path
 * ({@code host.nodes[1].memroy}) and list the keys that are expected there.
 */
final class Section {
    private final String source;
    private final String path;
    private final JsonNode node;
    private final Set<String> known = new LinkedHashSet<>();
    /** When non-null, every key asked for is recorded here under the normalised path (schema learning). */
    private final java.util.Map<String, Set<String>> recorder;

    Section(String source, String path, JsonNode node) {
        this(source, path, node, null);
    }

    Section(String source, String path, JsonNode node, java.util.Map<String, Set<String>> recorder) {
        this.source = source;
        this.path = path;
        this.node = node;
        this.recorder = recorder;
        if (node != null && !node.isObject()) {
            throw error(path.isEmpty() ? "the scenario" : path, "expected a mapping of keys", node);
        }
    }

    ScenarioException error(String where, String expected, JsonNode found) {
        String got = found == null ? "nothing" : found.isTextual() ? "'" + found.asText() + "'" : found.toString();
        if (got.length() > 60) {
            got = got.substring(0, 57) + "...";
        }
        return new ScenarioException(source + ": " + where + ": " + expected + ", got " + got);
    }

    /** An error about a value as a whole (no single offending value to quote). */
    ScenarioException refuse(String where, String expected) {
        return new ScenarioException(source + ": " + where + ": " + expected);
    }

    String keyPath(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    /** A list index in a path, normalised away for the schema ({@code vms[0].tasks[1]} -> {@code vms[].tasks[]}). */
    static String normalise(String path) {
        return path.replaceAll("\\[\\d+\\]", "[]");
    }

    private void know(String key) {
        known.add(key);
        if (recorder != null) {
            recorder.computeIfAbsent(normalise(path), k -> new LinkedHashSet<>()).add(key);
        }
    }

    boolean has(String key) {
        know(key);
        return node != null && node.has(key) && !node.get(key).isNull();
    }

    private JsonNode raw(String key) {
        know(key);
        return node == null ? null : node.get(key);
    }

    String string(String key, String dflt) {
        JsonNode v = raw(key);
        if (v == null || v.isNull()) {
            return dflt;
        }
        if (!v.isValueNode()) {
            throw error(keyPath(key), "expected a single value", v);
        }
        return v.asText();
    }

    String oneOf(String key, String dflt, String... allowed) {
        String v = string(key, dflt);
        for (String a : allowed) {
            if (a.equals(v)) {
                return v;
            }
        }
        throw error(keyPath(key), "expected one of " + String.join(", ", allowed), raw(key));
    }

    long integer(String key, long dflt, long min, long max) {
        JsonNode v = raw(key);
        if (v == null || v.isNull()) {
            return dflt;
        }
        if (!v.canConvertToLong() || !v.isIntegralNumber()) {
            throw error(keyPath(key), "expected an integer between " + min + " and " + max, v);
        }
        long x = v.asLong();
        if (x < min || x > max) {
            throw error(keyPath(key), "expected an integer between " + min + " and " + max, v);
        }
        return x;
    }

    double decimal(String key, double dflt, double min, double max) {
        JsonNode v = raw(key);
        if (v == null || v.isNull()) {
            return dflt;
        }
        if (!v.isNumber() || v.asDouble() < min || v.asDouble() > max) {
            throw error(keyPath(key), "expected a number between " + min + " and " + max, v);
        }
        return v.asDouble();
    }

    boolean bool(String key, boolean dflt) {
        JsonNode v = raw(key);
        if (v == null || v.isNull()) {
            return dflt;
        }
        if (!v.isBoolean()) {
            throw error(keyPath(key), "expected true or false", v);
        }
        return v.asBoolean();
    }

    /** A size in bytes ("64MiB", "1GiB", "4096", "16384 pages"), converted to whole 4 KiB pages. */
    long pages(String key, String dflt, long minPages) {
        JsonNode v = raw(key);
        String text = v == null || v.isNull() ? dflt : v.asText();
        if (text == null) {
            throw error(keyPath(key), "expected a size like 64MiB", v);
        }
        long pages = Units.pages(text);
        if (pages < 0) {
            throw error(keyPath(key), "expected a size like 64MiB, 1GiB or '16384 pages'", v);
        }
        if (pages < minPages) {
            throw error(keyPath(key), "expected a size of at least " + minPages + " page(s) of 4 KiB", v);
        }
        return pages;
    }

    /** A duration ("100ms", "30us", "2s", "500ns"; a bare number is ns), strictly positive. */
    long nanos(String key, String dflt) {
        JsonNode v = raw(key);
        String text = v == null || v.isNull() ? dflt : v.asText();
        long ns = text == null ? -1 : Units.nanos(text);
        if (ns <= 0) {
            throw error(keyPath(key), "expected a positive duration like 100ms, 30us or 2s", v);
        }
        return ns;
    }

    Section section(String key) {
        JsonNode v = raw(key);
        return new Section(source, keyPath(key), v == null || v.isNull() ? null : v, recorder);
    }

    List<Section> list(String key, boolean required) {
        JsonNode v = raw(key);
        List<Section> out = new ArrayList<>();
        if (v == null || v.isNull()) {
            if (required) {
                throw error(keyPath(key), "expected a non-empty list", v);
            }
            return out;
        }
        if (!v.isArray() || (required && v.isEmpty())) {
            throw error(keyPath(key), "expected a non-empty list", v);
        }
        for (int i = 0; i < v.size(); i++) {
            out.add(new Section(source, keyPath(key) + "[" + i + "]", v.get(i), recorder));
        }
        return out;
    }

    JsonNode node(String key) {
        return raw(key);
    }

    /** Rejects every key that no getter asked for. */
    void finish() {
        if (node == null) {
            return;
        }
        Iterator<String> it = node.fieldNames();
        while (it.hasNext()) {
            String k = it.next();
            if (!known.contains(k)) {
                throw new ScenarioException(source + ": unknown key '" + keyPath(k) + "'; expected one of: "
                        + String.join(", ", known));
            }
        }
    }
}
