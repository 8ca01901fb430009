package dev.copyless.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.copyless.scenario.ScenarioSchema.Key;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@link ScenarioSchema} is the one source of the scenario's keys and defaults: the parser reads
 * every declared key and no other, each default passes its own check, a key left out takes the
 * value the embedded default scenario shows, and docs/SCENARIO.md's key table is the schema's.
 */
class ScenarioSchemaTest {
    private static final YAMLMapper YAML = new YAMLMapper();

    private static JsonNode defaultTree() throws IOException {
        return YAML.readTree(ScenarioParser.defaultScenarioText());
    }

    /** The node at a schema path in {@code root}, taking the first item of every list; null if absent. */
    private static JsonNode at(JsonNode root, String path) {
        JsonNode n = root;
        for (String part : path.split("\\.")) {
            boolean item = part.endsWith("[]");
            n = n == null ? null : n.get(item ? part.substring(0, part.length() - 2) : part);
            if (item) {
                n = n == null || n.isEmpty() ? null : n.get(0);
            }
        }
        return n;
    }

    @Test
    void theParserAsksForEveryDeclaredKeyAndNoOther() {
        Set<Key> read = new HashSet<>();
        ScenarioParser.parse(ScenarioParser.defaultScenarioText(), "default", null, read);
        assertThat(read).containsExactlyInAnyOrderElementsOf(ScenarioSchema.keys());
    }

    @Test
    void everyKeyOutsideTheListsIsShownAtItsDefaultInTheDefaultScenario() throws IOException {
        JsonNode root = defaultTree();
        List<String> wrong = new ArrayList<>();
        for (Key k : ScenarioSchema.keys()) {
            if (k.inList() || k.dflt() == null || k.type() instanceof KeyType.Mapping
                    || k.type() instanceof KeyType.Items || k.name().equals("name")) {
                continue; // the lists and the name are the scenario itself, not defaults
            }
            JsonNode v = at(root, k.path());
            if (v == null || !v.equals(YAML.readTree(k.dflt()))) {
                wrong.add(k.path() + ": " + v + " in default-scenario.yaml, " + k.dflt() + " in ScenarioSchema");
            }
        }
        assertThat(wrong).as("keys the default scenario does not show at their declared default").isEmpty();
    }

    @Test
    void everyKeyLineOfTheDefaultScenarioCarriesAComment() {
        Pattern keyLine = Pattern.compile("^\\s*[a-z-]+:\\s*[^\\s#].*$");
        List<String> bare = ScenarioParser.defaultScenarioText().lines()
                .filter(l -> keyLine.matcher(l).matches() && !l.contains("#")).toList();
        assertThat(bare).as("key lines of default-scenario.yaml without a comment").isEmpty();
    }

    /**
     * The default scenario with every key that holds its declared default taken out (in the
     * lists too) parses to the same scenario: a key left out takes the value the file shows.
     */
    @Test
    void aScenarioThatLeavesEveryDefaultOutIsTheDefaultScenario() throws IOException {
        JsonNode root = defaultTree();
        int removed = strip(root, "");
        assertThat(removed).as("keys taken out").isGreaterThan(60);
        Scenario stripped = ScenarioParser.parse(YAML.writeValueAsString(root), "stripped");
        assertThat(stripped).isEqualTo(ScenarioParser.defaultScenario());
    }

    /** Removes every key holding its declared default below {@code path}; returns how many. */
    private static int strip(JsonNode node, String path) throws IOException {
        int removed = 0;
        if (node instanceof ArrayNode a) {
            for (JsonNode item : a) {
                removed += strip(item, path + "[]");
            }
        } else if (node instanceof ObjectNode o) {
            for (String name : new ArrayList<>(o.properties().stream().map(e -> e.getKey()).toList())) {
                String child = path.isEmpty() ? name : path + "." + name;
                Key k = ScenarioSchema.key(child);
                assertThat(k).as(child + " declared").isNotNull();
                removed += strip(o.get(name), child);
                if (k.dflt() != null && !k.name().equals("name") && o.get(name).equals(YAML.readTree(k.dflt()))) {
                    o.remove(name);
                    removed++;
                }
            }
        }
        return removed;
    }

    /** Before the schema, the parser's own defaults said 1s and 1 page where the default scenario said 2s and 8. */
    @Test
    void aScenarioWithOnlyItsListsRunsWithTheDefaultScenariosSettings() {
        Scenario s = ScenarioParser.parse("""
                host:
                  nodes: [{id: 0, memory: 8MiB}, {id: 1, memory: 8MiB}]
                  swap: [{size: 8MiB}]
                vms:
                  - vnodes: [{memory: 8MiB}, {memory: 8MiB, host-node: 1}]
                    tasks: [{footprint: 4MiB}]
                """, "lists-only.yaml");
        Scenario d = ScenarioParser.defaultScenario();
        assertThat(s.durationNs()).isEqualTo(d.durationNs()).isEqualTo(20_000_000_000L);
        assertThat(s.balancer()).isEqualTo(d.balancer());
        assertThat(s.balancer().faultAround()).isEqualTo(1);
        assertThat(s.balancer().scanPeriodMinNs()).isEqualTo(1_000_000_000L);
        assertThat(s.balancer().scanPeriodMaxNs()).isEqualTo(60_000_000_000L);
        assertThat(s.seed()).isEqualTo(d.seed());
        assertThat(s.scheduler()).isEqualTo(d.scheduler());
        assertThat(s.copyless()).isEqualTo(d.copyless());
        assertThat(s.cost()).isEqualTo(d.cost());
        assertThat(s.faults()).isEqualTo(d.faults());
        assertThat(s.hypercall()).isEqualTo(d.hypercall());
        assertThat(s.timeBuckets()).isEqualTo(d.timeBuckets());
        assertThat(s.host().reclaimBatch()).isEqualTo(d.host().reclaimBatch());
        assertThat(s.host().pageCluster()).isEqualTo(d.host().pageCluster());
        assertThat(s.host().demotionIntervalNs()).isEqualTo(d.host().demotionIntervalNs());
        assertThat(s.host().demotionBatch()).isEqualTo(d.host().demotionBatch());
        assertThat(s.host().distance()).isDeepEqualTo(d.host().distance());
        assertThat(s.name()).isEqualTo("unnamed");
        assertThat(s.vms().getFirst().name()).isEqualTo("vm");
        assertThat(s.vms().getFirst().tasks().getFirst().name()).isEqualTo("task0");
        assertThat(s.host().swap().getFirst().name()).isEqualTo("swap0");
    }

    /** Each default, read as if a file gave it, passes the check of its own key. */
    @Test
    void everyDefaultPassesItsOwnCheck() {
        ObjectNode empty = JsonNodeFactory.instance.objectNode();
        for (Key k : ScenarioSchema.keys()) {
            if (k.dflt() == null) {
                continue;
            }
            Section s = new Section("schema", k.parent(), empty, null);
            String n = k.name();
            switch (k.type()) {
                case KeyType.Int r -> assertThat(s.integer(n)).isBetween(r.min(), r.max());
                case KeyType.Decimal r -> assertThat(s.decimal(n)).isBetween(r.min(), r.max());
                case KeyType.Bool b -> s.bool(n);
                case KeyType.Size r -> assertThat(s.pages(n)).isBetween(r.minPages(), r.maxPages());
                case KeyType.Duration r -> assertThat(s.nanos(n)).isPositive();
                case KeyType.Rate r -> assertThat(s.bytesPerSecond(n)).isPositive();
                case KeyType.Choice c -> assertThat(c.values()).contains(s.oneOf(n));
                case KeyType.Watermark w ->
                        assertThat(Units.pagesOrPercent(s.string(n), 10_000)).isNotNegative();
                case KeyType.Text t -> assertThat(s.string(n)).isNotBlank();
                case KeyType.NodeId i -> assertThat(s.nodeId(n)).isZero();
                case KeyType.Mapping m -> s.section(n);
                case KeyType.Items i -> assertThat(k.required()).isFalse();
                case KeyType.NodeMap m -> assertThat(s.structure(n).isObject()).isTrue();
                case KeyType.Index i -> fail(k.path() + ": an index has no constant default");
                case KeyType.Slit sl -> fail(k.path() + ": a SLIT has no constant default");
            }
        }
    }

    /**
     * At every mapping the schema declares (a list's first item for list items), a key it does
     * not declare is refused with the path and exactly the keys declared there.
     */
    @Test
    void anUndeclaredKeyIsRefusedAtEveryMappingWithTheDeclaredKeys() throws IOException {
        Set<String> mappings = new LinkedHashSet<>();
        mappings.add("");
        for (Key k : ScenarioSchema.keys()) {
            if (k.type() instanceof KeyType.Mapping || k.type() instanceof KeyType.Items) {
                mappings.add(k.childPath());
            }
        }
        for (String path : mappings) {
            ObjectNode root = (ObjectNode) defaultTree();
            ObjectNode target = path.isEmpty() ? root : (ObjectNode) at(root, path);
            assertThat(target).as(path + " in the default scenario").isNotNull();
            target.put("no-such-key", 1);
            String where = (path.isEmpty() ? "" : path.replace("[]", "[0]") + ".") + "no-such-key";
            String expected = String.join(", ", ScenarioSchema.children(path).stream().map(Key::name).toList());
            assertThatThrownBy(() -> ScenarioParser.parse(YAML.writeValueAsString(root), "bad.yaml"))
                    .isInstanceOf(ScenarioException.class)
                    .hasMessage("bad.yaml: unknown key '" + where + "'; expected one of: " + expected);
        }
    }

    @Test
    void aKeyReadOnlyOnABranchTheDefaultDoesNotTakeIsAccepted() {
        // swap latencies and bandwidth are read only when given; the default scenario gives none
        Scenario s = ScenarioParser.parse(ScenarioParser.defaultScenarioText().replace("size: 512MiB}",
                "size: 512MiB, read-latency: 10us, write-latency: 20us, bandwidth-bytes-per-second: 1000000}"), "x");
        assertThat(s.host().swap().getFirst()).isEqualTo(new Scenario.Swap("nvme0", "nvme", 131072, 10_000, 20_000,
                1_000_000));
    }

    // ------------------------------------------------------------------ docs

    private static Path doc(String name) {
        Path p = Path.of("..", "docs", name);
        assertThat(p).exists();
        return p;
    }

    @Test
    void theKeyTableOfTheScenarioDocIsTheSchemas() throws IOException {
        String text = Files.readString(doc("SCENARIO.md"), StandardCharsets.UTF_8);
        int b = text.indexOf(ScenarioSchema.TABLE_BEGIN);
        int e = text.indexOf(ScenarioSchema.TABLE_END);
        assertThat(b).as("docs/SCENARIO.md has the begin marker " + ScenarioSchema.TABLE_BEGIN).isNotNegative();
        assertThat(e).as("docs/SCENARIO.md has the end marker " + ScenarioSchema.TABLE_END).isGreaterThan(b);
        String table = text.substring(b + ScenarioSchema.TABLE_BEGIN.length(), e).strip() + "\n";
        if (!table.equals(ScenarioSchema.markdownTable()) && Boolean.getBoolean("copyless.write-docs")) {
            Files.writeString(doc("SCENARIO.md"), text.substring(0, b + ScenarioSchema.TABLE_BEGIN.length()) + "\n"
                    + ScenarioSchema.markdownTable() + text.substring(e), StandardCharsets.UTF_8);
            return;
        }
        assertThat(table).as("docs/SCENARIO.md's key table; put ScenarioSchema.markdownTable() between the"
                + " markers:%n%s", ScenarioSchema.markdownTable()).isEqualTo(ScenarioSchema.markdownTable());
    }

    @Test
    void theCostModelDocShowsTheDeclaredCostDefaults() throws IOException {
        String text = Files.readString(doc("COST-MODEL.md"), StandardCharsets.UTF_8);
        int rows = 0;
        for (Key k : ScenarioSchema.children("cost")) {
            Matcher m = Pattern.compile("^\\| `" + Pattern.quote(k.name()) + "` \\| ([^|]*) \\|", Pattern.MULTILINE)
                    .matcher(text);
            assertThat(m.find()).as("docs/COST-MODEL.md row for " + k.name()).isTrue();
            assertThat(m.group(1).strip()).as("docs/COST-MODEL.md default of " + k.name()).isEqualTo(k.dflt());
            rows++;
        }
        assertThat(rows).isEqualTo(14);
    }

    @Test
    void theTableHasOneRowPerKey() {
        List<String> rows = ScenarioSchema.markdownTable().lines().skip(2).toList();
        assertThat(rows).hasSize(ScenarioSchema.keys().size());
        assertThat(rows).allMatch(r -> r.replace("\\|", "").chars().filter(c -> c == '|').count() == 7,
                "six cells");
    }
}
