package dev.copyless.scenario;

import com.fasterxml.jackson.databind.JsonNode;
import dev.copyless.scenario.ScenarioSchema.Key;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A YAML mapping being read by {@link ScenarioParser}: typed getters that look each key up in
 * {@link ScenarioSchema} by its path, take the declared default when the key is missing, and
 * check the value against the declared {@link KeyType}. A mistake becomes a
 * one-line {@link ScenarioException} naming the file, the key's full path
 * ({@code host.nodes[1].memory}), what is expected and what was found. Asking for a key the
 * schema does not declare, or as another type, is a bug in the parser
 * ({@link IllegalStateException}).
 */
final class Section {
    private final String source;
    private final String path;
    private final JsonNode node;
    /** When non-null, every key asked for is added (the test that the parser reads every declared key). */
    private final Set<Key> read;

    Section(String source, String path, JsonNode node, Set<Key> read) {
        this.source = source;
        this.path = path;
        this.node = node;
        this.read = read;
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

    /** The declared key {@code name} of this mapping, which must be of type {@code type}. */
    private Key key(String name, Class<? extends KeyType> type) {
        String p = ScenarioSchema.normalise(keyPath(name));
        Key k = ScenarioSchema.key(p);
        if (k == null || !type.isInstance(k.type())) {
            throw new IllegalStateException("scenario key " + p + " is not declared in ScenarioSchema as "
                    + type.getSimpleName() + (k == null ? "" : " but as " + k.type()));
        }
        if (read != null) {
            read.add(k);
        }
        return k;
    }

    /** The value given in the file, or null. */
    private JsonNode given(Key k) {
        JsonNode v = node == null ? null : node.get(k.name());
        return v == null || v.isNull() ? null : v;
    }

    /** The value given, else the declared default, else null. */
    private JsonNode value(Key k) {
        JsonNode v = given(k);
        return v != null ? v : ScenarioSchema.defaultNode(k);
    }

    /** True if the file gives the key a value (of any type). */
    boolean has(String name) {
        return given(key(name, KeyType.class)) != null;
    }

    /** The value as given in the file (null if missing), for checks that quote it. */
    JsonNode node(String name) {
        return given(key(name, KeyType.class));
    }

    /** A {@link KeyType.Text} or {@link KeyType.Watermark}; null if missing without default. */
    String string(String name) {
        Key k = key(name, KeyType.class);
        if (!(k.type() instanceof KeyType.Text || k.type() instanceof KeyType.Watermark)) {
            throw new IllegalStateException("scenario key " + k.path() + " is not text but " + k.type());
        }
        return text(k);
    }

    private String text(Key k) {
        JsonNode v = value(k);
        if (v == null) {
            return null;
        }
        if (!v.isValueNode()) {
            throw error(keyPath(k.name()), "expected a single value", v);
        }
        return v.asText();
    }

    /**
     * A {@link KeyType.Choice}. YAML 1.1 reads an unquoted {@code off} as the boolean false: a
     * choice that offers {@code off} takes it as {@code off}.
     */
    String oneOf(String name) {
        Key k = key(name, KeyType.Choice.class);
        List<String> allowed = ((KeyType.Choice) k.type()).values();
        JsonNode raw = value(k);
        String v = raw != null && raw.isBoolean() && !raw.asBoolean() && allowed.contains("off") ? "off" : text(k);
        if (!allowed.contains(v)) {
            throw error(keyPath(name), "expected one of " + String.join(", ", allowed), value(k));
        }
        return v;
    }

    /** A {@link KeyType.Int}. */
    long integer(String name) {
        Key k = key(name, KeyType.Int.class);
        KeyType.Int r = (KeyType.Int) k.type();
        return integral(k, r.min(), r.max(), "expected an integer between " + r.min() + " and " + r.max());
    }

    /** A {@link KeyType.NodeId}: any integer, which the caller checks against the nodes there are. */
    long nodeId(String name) {
        Key k = key(name, KeyType.NodeId.class);
        return integral(k, Long.MIN_VALUE, Long.MAX_VALUE, "expected an integer");
    }

    /** An {@link KeyType.Index}: the id of the {@code i}th item of a list, which must be {@code i}. */
    int index(String name, int i) {
        Key k = key(name, KeyType.Index.class);
        JsonNode v = given(k);
        if (v != null && (!v.isIntegralNumber() || !v.canConvertToLong() || v.asLong() != i)) {
            throw error(keyPath(name), "expected " + i + " (ids are the items' positions: 0, 1, 2, ...)", v);
        }
        return i;
    }

    private long integral(Key k, long min, long max, String expected) {
        JsonNode v = value(k);
        if (v == null) {
            throw error(keyPath(k.name()), expected, null);
        }
        if (!v.canConvertToLong() || !v.isIntegralNumber() || v.asLong() < min || v.asLong() > max) {
            throw error(keyPath(k.name()), expected, v);
        }
        return v.asLong();
    }

    /** A {@link KeyType.Decimal}. */
    double decimal(String name) {
        Key k = key(name, KeyType.Decimal.class);
        KeyType.Decimal r = (KeyType.Decimal) k.type();
        JsonNode v = value(k);
        if (v == null || !v.isNumber() || v.asDouble() < r.min() || v.asDouble() > r.max()) {
            throw error(keyPath(name), "expected a number between " + r.min() + " and " + r.max(), v);
        }
        return v.asDouble();
    }

    /** A {@link KeyType.Bool}. */
    boolean bool(String name) {
        Key k = key(name, KeyType.Bool.class);
        JsonNode v = value(k);
        if (v == null || !v.isBoolean()) {
            throw error(keyPath(name), "expected true or false", v);
        }
        return v.asBoolean();
    }

    /** A {@link KeyType.Size} ("64MiB", "1GiB", "4096", "16384 pages"), in whole 4 KiB pages. */
    long pages(String name) {
        Key k = key(name, KeyType.Size.class);
        KeyType.Size r = (KeyType.Size) k.type();
        JsonNode v = value(k);
        if (v == null) {
            throw error(keyPath(name), "expected a size like 64MiB", null);
        }
        long pages = Units.pages(v.asText());
        if (pages < 0) {
            throw error(keyPath(name), "expected a size like 64MiB, 1GiB or '16384 pages'", v);
        }
        if (pages < r.minPages()) {
            throw error(keyPath(name), "expected a size of at least " + r.minPages() + " page(s) of 4 KiB", v);
        }
        if (pages > r.maxPages()) {
            throw error(keyPath(name), "expected a size " + r.limit(), v);
        }
        return pages;
    }

    /** A {@link KeyType.Duration} ("100ms", "30us", "2s", "500ns"; a bare number is ns), in ns. */
    long nanos(String name) {
        Key k = key(name, KeyType.Duration.class);
        long max = ((KeyType.Duration) k.type()).maxNs();
        JsonNode v = value(k);
        long ns = v == null ? -1 : Units.nanos(v.asText());
        if (ns <= 0) {
            throw error(keyPath(name), "expected a positive duration like 100ms, 30us or 2s", v);
        }
        if (ns > max) {
            throw error(keyPath(name), "expected a duration of at most " + Units.duration(max), v);
        }
        return ns;
    }

    /** A {@link KeyType.Rate} ("20.8GB/s", "500MB/s"; a bare number is B/s), in bytes per second. */
    long bytesPerSecond(String name) {
        Key k = key(name, KeyType.Rate.class);
        JsonNode v = value(k);
        long r = v == null || !v.isValueNode() ? -1 : Units.bytesPerSecond(v.asText());
        if (r <= 0) {
            throw error(keyPath(name), "expected a positive rate like 20.8GB/s or 500MB/s", v);
        }
        return r;
    }

    /** A {@link KeyType.Mapping}: missing, an empty one (every key in it takes its default). */
    Section section(String name) {
        Key k = key(name, KeyType.Mapping.class);
        return new Section(source, keyPath(name), value(k), read);
    }

    /**
     * A {@link KeyType.Items} list, one section per item: non-empty if the key is
     * required, at most the declared number of items.
     */
    List<Section> list(String name) {
        Key k = key(name, KeyType.Items.class);
        KeyType.Items r = (KeyType.Items) k.type();
        JsonNode v = value(k);
        if (v == null || !v.isArray() || (k.required() && v.isEmpty())) {
            throw error(keyPath(name), k.required() ? "expected a non-empty list" : "expected a list", v);
        }
        if (v.size() > r.max()) {
            throw refuse(keyPath(name), "expected at most " + r.max() + " " + r.noun());
        }
        List<Section> out = new ArrayList<>();
        for (int i = 0; i < v.size(); i++) {
            out.add(new Section(source, keyPath(name) + "[" + i + "]", v.get(i), read));
        }
        return out;
    }

    /** A {@link KeyType.NodeMap} or {@link KeyType.Slit}, given or default, for the parser to check. */
    JsonNode structure(String name) {
        Key k = key(name, KeyType.class);
        if (!(k.type() instanceof KeyType.NodeMap || k.type() instanceof KeyType.Slit)) {
            throw new IllegalStateException("scenario key " + k.path() + " is no structure but " + k.type());
        }
        return value(k);
    }
}
