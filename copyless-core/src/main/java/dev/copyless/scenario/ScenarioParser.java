package dev.copyless.scenario;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.copyless.mm.MigrationOrder;
import dev.copyless.mm.PageState;
import dev.copyless.swap.SwapProfile;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads and validates a scenario YAML file into a {@link Scenario}. Every mistake becomes a
 * {@link ScenarioException} naming the file and key: unknown keys, wrong types, zero or
 * negative sizes, vNodes pinned to missing nodes, task footprints larger than their VM or
 * than the host's memory plus swap. Missing keys take the defaults of
 * {@code default-scenario.yaml} (documented in {@code docs/SCENARIO.md}).
 */
public final class ScenarioParser {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    public static final String DEFAULT_RESOURCE = "/dev/copyless/scenario/default-scenario.yaml";

    private ScenarioParser() {}

    /** The embedded small, crowded scenario of the concurrency stress run ({@code copyless stress}). */
    public static final String STRESS_RESOURCE = "/dev/copyless/scenario/stress-small.yaml";

    /** The text of the embedded default scenario. */
    public static String defaultScenarioText() {
        return resourceText(DEFAULT_RESOURCE);
    }

    /** The text of an embedded scenario. */
    public static String resourceText(String resource) {
        try (InputStream in = ScenarioParser.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException(resource + " missing from the build");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public static Scenario defaultScenario() {
        return parse(defaultScenarioText(), "default scenario");
    }

    /** The embedded stress scenario ({@link #STRESS_RESOURCE}). */
    public static Scenario stressScenario() {
        return parse(resourceText(STRESS_RESOURCE), "stress scenario");
    }

    public static Scenario load(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new ScenarioException(file + ": no such file; give the path of a scenario YAML file"
                    + " (copyless scenario --print-default writes one to start from)");
        } catch (IOException | java.io.UncheckedIOException e) {
            throw new ScenarioException(file + ": cannot read the scenario file (" + e.getMessage() + ")");
        }
        return parse(text, file.toString(), file.toAbsolutePath().getParent());
    }

    /** Parses scenario text; relative trace paths are resolved against the working directory. */
    public static Scenario parse(String text, String source) {
        return parse(text, source, null);
    }

    /**
     * Parses scenario text.
     *
     * @param baseDir directory that relative paths in the scenario (trace files) are relative to;
     *                null: the working directory
     */
    public static Scenario parse(String text, String source, Path baseDir) {
        JsonNode root;
        try {
            root = YAML.readTree(text);
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr()
                    + ", column " + e.getLocation().getColumnNr();
            throw new ScenarioException(source + ": not valid YAML" + where + " (" + e.getOriginalMessage() + ")");
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            throw new ScenarioException(source + ": the scenario is empty; expected keys such as host and vms");
        }
        checkKeys(root, "", source, schema());
        return build(new Section(source, "", root), source, baseDir);
    }

    private static volatile Map<String, Set<String>> schema;

    /**
     * The keys allowed at each (normalised) path, learnt once by reading the default
     * scenario with a recorder: every getter of the parser names its key, present or not.
     */
    private static Map<String, Set<String>> schema() {
        Map<String, Set<String>> s = schema;
        if (s == null) {
            Map<String, Set<String>> rec = new java.util.HashMap<>();
            JsonNode root;
            try {
                root = YAML.readTree(defaultScenarioText());
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("default scenario is not valid YAML", e);
            }
            build(new Section("default scenario", "", root, rec), "default scenario", null);
            schema = s = rec;
        }
        return s;
    }

    /** Rejects unknown keys anywhere in the tree before anything else is read, naming the first by its path. */
    private static void checkKeys(JsonNode node, String path, String source, Map<String, Set<String>> schema) {
        Set<String> allowed = schema.get(Section.normalise(path));
        if (allowed == null) {
            return; // a free-form mapping (demotion targets) or a value
        }
        if (node.isObject()) {
            for (Map.Entry<String, JsonNode> e : node.properties()) {
                String child = path.isEmpty() ? e.getKey() : path + "." + e.getKey();
                if (!allowed.contains(e.getKey())) {
                    throw new ScenarioException(source + ": unknown key '" + child + "'; expected one of: "
                            + String.join(", ", allowed));
                }
                JsonNode v = e.getValue();
                if (v.isObject()) {
                    checkKeys(v, child, source, schema);
                } else if (v.isArray()) {
                    for (int i = 0; i < v.size(); i++) {
                        if (v.get(i).isObject()) {
                            checkKeys(v.get(i), child + "[" + i + "]", source, schema);
                        }
                    }
                }
            }
        }
    }

    private static Scenario build(Section s, String source, Path baseDir) {
        String name = s.string("name", "unnamed");
        long seed = s.integer("seed", 42, Long.MIN_VALUE, Long.MAX_VALUE);
        long duration = s.nanos("duration", "1s");
        Scenario.Host host = host(s.section("host"));
        List<Scenario.Vm> vms = new ArrayList<>();
        Set<String> vmNames = new HashSet<>();
        List<Section> vmSections = s.list("vms", true);
        for (Section v : vmSections) {
            Scenario.Vm vm = vm(v, host, baseDir);
            if (!vmNames.add(vm.name())) {
                throw v.refuse(v.keyPath("name"), "expected a VM name used once");
            }
            vms.add(vm);
        }
        Section sch = s.section("scheduler");
        Scenario.Scheduler scheduler = new Scenario.Scheduler(sch.nanos("interval", "250ms"),
                sch.oneOf("pattern", "round-robin", "round-robin", "random", "pingpong", "none"), sch.nanos("quantum", "100us"));
        sch.finish();
        Section bal = s.section("balancer");
        Scenario.Balancer balancer = new Scenario.Balancer(bal.nanos("scan-period", "50ms"),
                (int) Math.min(Integer.MAX_VALUE, bal.pages("scan-size", "256MiB", 1)),
                (int) bal.integer("fault-around", 1, 1, dev.copyless.hypervisor.MigrationRequest.MAX_PAGES));
        bal.finish();
        Section cl = s.section("copyless");
        String order = cl.oneOf("order", MigrationOrder.MIGRATE_BEFORE_MAP.key(),
                MigrationOrder.MIGRATE_BEFORE_MAP.key(), MigrationOrder.MAP_THEN_MIGRATE.key());
        Scenario.Copyless copyless = new Scenario.Copyless(order, cl.bool("hold-back", true),
                (int) cl.integer("batch", 8, 1, dev.copyless.hypervisor.MigrationRequest.MAX_PAGES));
        cl.finish();
        Scenario.Cost cost = cost(s.section("cost"));
        Section m = s.section("metrics");
        int buckets = (int) m.integer("time-buckets", 100, 1, 10_000);
        m.finish();
        dev.copyless.swap.FaultConfig faults = faults(s.section("faults"));
        Scenario.Hypercall hypercall = hypercall(s.section("hypercall"));
        s.finish();

        Scenario sc = new Scenario(name, seed, duration, host, vms, scheduler, balancer, copyless, cost, buckets, faults,
                hypercall);
        checkCapacity(sc, source);
        return sc;
    }

    private static Scenario.Host host(Section h) {
        List<Scenario.Node> nodes = new ArrayList<>();
        List<Section> ns = h.list("nodes", true);
        if (ns.size() > PageState.MAX_NODES) {
            throw h.refuse(h.keyPath("nodes"), "expected at most " + PageState.MAX_NODES + " nodes");
        }
        Section wm = h.section("watermarks");
        String wMin = wm.string("min", "0.5%");
        String wLow = wm.string("low", "1%");
        String wHigh = wm.string("high", "2%");
        wm.finish();
        for (int i = 0; i < ns.size(); i++) {
            Section n = ns.get(i);
            int id = (int) n.integer("id", i, i, i);
            long pages = n.pages("memory", null, 16);
            if (pages > Integer.MAX_VALUE) {
                throw n.error(n.keyPath("memory"), "expected at most 8TiB per node", n.node("memory"));
            }
            long min = watermark(h, "min", wMin, pages);
            long low = watermark(h, "low", wLow, pages);
            long high = watermark(h, "high", wHigh, pages);
            if (!(min <= low && low <= high && high < pages)) {
                throw h.refuse(h.keyPath("watermarks"), "expected min <= low <= high < node memory (node " + id + ")");
            }
            n.finish();
            nodes.add(new Scenario.Node(id, (int) pages, (int) min, (int) low, (int) high));
        }
        int[][] distance = distance(h, nodes.size());
        List<Scenario.Swap> swaps = new ArrayList<>();
        Set<String> swapNames = new HashSet<>();
        for (Section sw : h.list("swap", false)) {
            String name = sw.string("name", "swap" + swaps.size());
            if (!swapNames.add(name)) {
                throw sw.error(sw.keyPath("name"), "expected a swap device name used once", sw.node("name"));
            }
            String profileName = sw.oneOf("profile", "nvme", "nvme", "ssd", "zram");
            SwapProfile p = SwapProfile.byName(profileName);
            long slots = sw.pages("size", null, 1);
            if (slots > Integer.MAX_VALUE) {
                throw sw.error(sw.keyPath("size"), "expected at most 8TiB", sw.node("size"));
            }
            long read = sw.has("read-latency") ? sw.nanos("read-latency", null) : p.readNs();
            long write = sw.has("write-latency") ? sw.nanos("write-latency", null) : p.writeNs();
            long bw = sw.integer("bandwidth-bytes-per-second", p.bytesPerSecond(), 1, Long.MAX_VALUE);
            sw.finish();
            swaps.add(new Scenario.Swap(name, profileName, (int) slots, read, write, bw));
        }
        if (swaps.size() > PageState.MAX_NODES) {
            throw h.refuse(h.keyPath("swap"), "expected at most " + PageState.MAX_NODES + " swap devices");
        }
        Section r = h.section("reclaim");
        int batch = (int) r.integer("batch", 32, 1, 4096);
        int cluster = (int) r.integer("page-cluster", 3, 0, 10);
        r.finish();
        Section d = h.section("demotion");
        int[] targets = new int[nodes.size()];
        java.util.Arrays.fill(targets, -1);
        JsonNode t = d.node("targets");
        if (t != null && !t.isNull()) {
            if (!t.isObject()) {
                throw d.error(d.keyPath("targets"), "expected a mapping of node: target node", t);
            }
            for (Map.Entry<String, JsonNode> e : t.properties()) {
                int from = parseNode(d, "targets." + e.getKey(), e.getKey(), nodes.size());
                JsonNode to = e.getValue();
                if (!to.isIntegralNumber() || to.asInt() < 0 || to.asInt() >= nodes.size() || to.asInt() == from) {
                    throw d.error(d.keyPath("targets." + e.getKey()), "expected another node id in 0.."
                            + (nodes.size() - 1), to);
                }
                targets[from] = to.asInt();
            }
        }
        long interval = d.nanos("interval", "10ms");
        int dBatch = (int) d.integer("batch", 64, 1, 1 << 20);
        boolean promote = d.bool("promote-on-touch", false);
        d.finish();
        boolean realBytes = h.bool("real-bytes", false);
        h.finish();
        return new Scenario.Host(nodes, distance, swaps, batch, cluster, targets, interval, dBatch, promote, realBytes);
    }

    private static long watermark(Section h, String key, String text, long nodePages) {
        long p = Units.pagesOrPercent(text, nodePages);
        if (p < 0) {
            throw h.error(h.keyPath("watermarks." + key), "expected a percentage like 1% or a size like 512KiB",
                    YAML.getNodeFactory().textNode(text));
        }
        return p;
    }

    private static int parseNode(Section s, String key, String text, int nodes) {
        try {
            int n = Integer.parseInt(text.trim());
            if (n >= 0 && n < nodes) {
                return n;
            }
        } catch (NumberFormatException e) {
            // fall through
        }
        throw s.error(s.keyPath(key), "expected a node id in 0.." + (nodes - 1), YAML.getNodeFactory().textNode(text));
    }

    private static int[][] distance(Section h, int n) {
        JsonNode d = h.node("distance");
        int[][] out = new int[n][n];
        if (d == null || d.isNull()) {
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    out[i][j] = i == j ? 10 : 21;
                }
            }
            return out;
        }
        if (!d.isArray() || d.size() != n) {
            throw h.error(h.keyPath("distance"), "expected a " + n + "x" + n + " SLIT table (one row per node)", d);
        }
        for (int i = 0; i < n; i++) {
            JsonNode row = d.get(i);
            if (!row.isArray() || row.size() != n) {
                throw h.error(h.keyPath("distance[" + i + "]"), "expected a row of " + n + " distances", row);
            }
            for (int j = 0; j < n; j++) {
                JsonNode c = row.get(j);
                if (!c.isIntegralNumber() || c.asInt() < 10 || c.asInt() > 254 || (i == j) != (c.asInt() == 10)) {
                    throw h.error(h.keyPath("distance[" + i + "][" + j + "]"),
                            "expected 10 on the diagonal and 11..254 elsewhere (ACPI SLIT)", c);
                }
                out[i][j] = c.asInt();
            }
        }
        return out;
    }

    private static Scenario.Vm vm(Section v, Scenario.Host host, Path baseDir) {
        String name = v.string("name", "vm");
        List<Scenario.Vnode> vnodes = new ArrayList<>();
        List<Section> vs = v.list("vnodes", true);
        long total = 0;
        for (int i = 0; i < vs.size(); i++) {
            Section n = vs.get(i);
            int id = (int) n.integer("id", i, i, i);
            long pages = n.pages("memory", null, 1);
            total += pages;
            long hostNode = n.integer("host-node", 0, Integer.MIN_VALUE, Integer.MAX_VALUE);
            if (hostNode < 0 || hostNode >= host.nodes().size()) {
                throw n.error(n.keyPath("host-node"), "expected the id of a host node (0.."
                        + (host.nodes().size() - 1) + ")", n.node("host-node"));
            }
            int vcpus = (int) n.integer("vcpus", 1, 1, 1024);
            n.finish();
            vnodes.add(new Scenario.Vnode(id, (int) pages, (int) hostNode, vcpus));
        }
        if (total > dev.copyless.guest.GuestPte.MAX_GFN) {
            throw v.refuse(v.keyPath("vnodes"), "expected at most 2TiB of guest memory per VM");
        }
        List<Scenario.Task> tasks = new ArrayList<>();
        Map<String, Scenario.Task> regions = new java.util.HashMap<>();
        for (Section t : v.list("tasks", false)) {
            String tn = t.string("name", "task" + tasks.size());
            long vnode = t.integer("vnode", 0, Integer.MIN_VALUE, Integer.MAX_VALUE);
            if (vnode < 0 || vnode >= vnodes.size()) {
                throw t.error(t.keyPath("vnode"), "expected a vNode id of this VM (0.." + (vnodes.size() - 1) + ")",
                        t.node("vnode"));
            }
            boolean traced = "trace".equals(t.string("pattern", null));
            long pages = traced ? 0 : t.pages("footprint", null, 1);
            String pattern = t.oneOf("pattern", "hot-cold", "hot-cold", "uniform", "sequential", "zipf", "phase",
                    "trace");
            String traceFile = t.string("trace", null);
            int traceThread = (int) t.integer("trace-thread", 0, 0, Integer.MAX_VALUE);
            double traceScale = t.decimal("trace-time-scale", 1.0, 1e-6, 1e6);
            double nsPerInstruction = t.decimal("ns-per-instruction",
                    dev.copyless.trace.TraceWorkload.DEFAULT_NS_PER_INSTRUCTION, 0.0, 1e6);
            if (traced) {
                traceFile = traceTask(t, traceFile, traceThread, baseDir);
                pages = t.has("footprint") ? t.pages("footprint", null, 1) : 0;
                long tracePages = dev.copyless.trace.TraceReader.open(Path.of(traceFile)).pages();
                if (pages == 0) {
                    pages = tracePages;
                } else if (pages < tracePages) {
                    throw t.error(t.keyPath("footprint"), "expected at least the trace's footprint ("
                            + Units.size(tracePages) + ", " + tracePages + " pages), or no footprint", t.node("footprint"));
                }
                if (t.has("think")) {
                    throw t.error(t.keyPath("think"), "expected no think with pattern: trace (its compute time comes"
                            + " from the trace's instruction counts; use trace-time-scale or ns-per-instruction)",
                            t.node("think"));
                }
            } else {
                for (String k : new String[] {"trace", "trace-thread", "trace-time-scale", "ns-per-instruction"}) {
                    if (t.has(k)) {
                        throw t.error(t.keyPath(k), "expected only with pattern: trace", t.node(k));
                    }
                }
            }
            double hf = t.decimal("hot-fraction", 0.25, 0.0, 1.0);
            double hp = t.decimal("hot-probability", 0.9, 0.0, 1.0);
            double zipf = t.decimal("zipf-exponent", 1.0, 0.01, 10.0);
            long phase = t.nanos("phase-period", "200ms");
            String region = t.string("shared-region", null);
            long think = t.has("think") ? t.nanos("think", null) : traced ? 0 : 500;
            if (region != null) {
                Scenario.Task first = regions.get(region);
                if (first != null && first.pages() != pages) {
                    throw t.error(t.keyPath("footprint"), "expected the footprint of task '" + first.name()
                            + "' (" + Units.size(first.pages()) + "), which shares region '" + region + "'", t.node("footprint"));
                }
            }
            t.finish();
            Scenario.Task task = new Scenario.Task(tn, (int) vnode, (int) Math.min(pages, Integer.MAX_VALUE), pattern, hf,
                    hp, zipf, phase, region, traceFile, traceThread, think, traceScale, nsPerInstruction);
            if (region != null) {
                regions.putIfAbsent(region, task);
            }
            tasks.add(task);
        }
        Scenario.Vm vm = new Scenario.Vm(name, vnodes, tasks);
        long footprint = vm.workloadPages();
        if (footprint > total) {
            throw v.error(v.keyPath("tasks"), "expected task footprints (" + Units.size(footprint)
                    + ") to fit in the VM's memory (" + Units.size(total) + "); grow the vNodes or shrink the tasks", null);
        }
        v.finish();
        return vm;
    }

    /**
     * A {@code pattern: trace} task's trace file, resolved against {@code baseDir} and checked
     * (whole file, see {@link dev.copyless.trace.TraceReader}), and its thread; errors name the key.
     *
     * @return the absolute path of the trace
     */
    private static String traceTask(Section t, String file, int thread, Path baseDir) {
        if (file == null || file.isBlank()) {
            throw t.error(t.keyPath("trace"), "expected a trace file with pattern: trace (copyless trace record -o FILE"
                    + " -- CMD ARGS... writes one)", t.node("trace"));
        }
        Path p = Path.of(file);
        if (!p.isAbsolute() && baseDir != null) {
            p = baseDir.resolve(p);
        }
        p = p.toAbsolutePath().normalize();
        dev.copyless.trace.TraceInfo info;
        try {
            info = dev.copyless.trace.TraceReader.open(p);
        } catch (dev.copyless.trace.TraceException e) {
            throw new ScenarioException(t.error(t.keyPath("trace"), "expected a readable copyless trace",
                    t.node("trace")).getMessage() + ": " + e.getMessage());
        }
        if (thread >= info.threads().size()) {
            throw t.error(t.keyPath("trace-thread"), "expected a thread of the trace (0.." + (info.threads().size() - 1)
                    + ")", t.node("trace-thread"));
        }
        return p.toString();
    }

    /** The {@code faults:} section: swap fault injection, all rates 0..1 and off by default. */
    private static dev.copyless.swap.FaultConfig faults(Section f) {
        dev.copyless.swap.FaultConfig c = new dev.copyless.swap.FaultConfig(
                f.integer("seed", 1, Long.MIN_VALUE, Long.MAX_VALUE),
                f.decimal("swap-read-error-rate", 0, 0, 1),
                f.decimal("swap-read-error-persistent-rate", 0, 0, 1),
                f.decimal("swap-write-error-rate", 0, 0, 1),
                f.decimal("torn-write-rate", 0, 0, 1),
                f.decimal("torn-write-silent-rate", 0, 0, 1),
                f.decimal("slow-io-rate", 0, 0, 1),
                f.integer("slow-io-ns", 0, 0, 60_000_000_000L));
        f.finish();
        return c;
    }

    private static Scenario.Cost cost(Section c) {
        Scenario.Cost cost = new Scenario.Cost(
                c.integer("access-local-ns", 89, 1, 1_000_000),
                c.integer("access-remote-ns", 139, 1, 1_000_000),
                c.integer("page-copy-local-ns", 410, 1, 100_000_000),
                c.integer("zero-page-ns", 400, 0, 100_000_000),
                c.integer("ept-fault-ns", 1_500, 0, 100_000_000),
                c.integer("hint-fault-ns", 1_000, 0, 100_000_000),
                c.integer("pte-update-ns", 10, 0, 1_000_000),
                c.integer("migrate-page-ns", 2_000, 0, 100_000_000),
                c.integer("hypercall-exit-ns", 1_500, 0, 100_000_000),
                c.integer("hypercall-page-ns", 200, 0, 100_000_000),
                c.integer("reclaim-scan-ns", 50, 0, 1_000_000));
        if (cost.accessRemoteNs() < cost.accessLocalNs()) {
            throw c.refuse(c.keyPath("access-remote-ns"), "expected at least access-local-ns ("
                    + cost.accessLocalNs() + ")");
        }
        c.finish();
        return cost;
    }

    /** The {@code hypercall:} section: rate limits, guest timeout and retries, request channel faults. */
    private static Scenario.Hypercall hypercall(Section h) {
        long calls = h.integer("rate-limit-calls", 0, 0, 10_000_000);
        long pages = h.integer("rate-limit-pages", 0, 0, 1_000_000_000);
        long burst = h.nanos("rate-limit-burst", "10ms");
        if (burst > 1_000_000_000L) {
            throw h.error(h.keyPath("rate-limit-burst"), "expected a duration of at most 1s",
                    h.node("rate-limit-burst"));
        }
        long timeout = h.nanos("timeout", "50us");
        int retries = (int) h.integer("retries", 2, 0, 100);
        long seed = h.integer("channel-seed", 1, Long.MIN_VALUE, Long.MAX_VALUE);
        double drop = h.decimal("drop-rate", 0.0, 0.0, 1.0);
        double duplicate = h.decimal("duplicate-rate", 0.0, 0.0, 1.0);
        double reorder = h.decimal("reorder-rate", 0.0, 0.0, 1.0);
        if (drop + duplicate + reorder > 1.0) {
            throw h.refuse(h.keyPath("drop-rate"), "expected drop-rate + duplicate-rate + reorder-rate to be at most 1"
                    + " (one fault at most per request), got " + (drop + duplicate + reorder));
        }
        h.finish();
        return new Scenario.Hypercall(calls, pages, burst, timeout, retries, seed, drop, duplicate, reorder);
    }

    private static void checkCapacity(Scenario s, String source) {
        long memory = s.hostPages();
        long swap = s.swapPages();
        long need = s.workloadPages();
        if (need > memory + swap) {
            throw new ScenarioException(source + ": vms: the tasks' footprints (" + Units.size(need)
                    + ") exceed the host's memory plus swap (" + Units.size(memory) + " + " + Units.size(swap)
                    + "); add swap (host.swap) or memory, or shrink the tasks");
        }
    }
}
