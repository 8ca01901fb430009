package dev.copyless.scenario;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.copyless.guest.GuestPte;
import dev.copyless.input.BoundedInput;
import dev.copyless.input.UserError;
import dev.copyless.mm.HostGfns;
import dev.copyless.mm.Promotion;
import dev.copyless.swap.FaultConfig;
import dev.copyless.swap.SwapProfile;
import dev.copyless.trace.TraceException;
import dev.copyless.trace.TraceInfo;
import dev.copyless.trace.TraceReader;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads and validates a scenario YAML file into a {@link Scenario}. Every key is read through
 * {@link ScenarioSchema}, which declares its type, allowed values and default: keys the schema
 * does not declare are refused before anything is read, and missing keys take the declared
 * defaults (listed in {@code docs/SCENARIO.md}, shown by the embedded default scenario). Every
 * mistake becomes a one-line {@link ScenarioException} naming the file and key: unknown keys,
 * wrong types, values out of range, zero or negative sizes, vNodes pinned to missing nodes,
 * task footprints larger than their VM or than the host's memory plus swap.
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

    /**
     * The default scenario made to balance busily in a short run: a fixed 50 ms scan period (no
     * delay, no adaptation) and two tasks exchanging vNodes every 250 ms, for {@code durationNs}.
     * Not stock Linux ({@code compare} says so); for the reliability suite and the tests, which
     * need many balancing migrations in a few hundred milliseconds of virtual time.
     */
    public static Scenario busyDefault(long durationNs) {
        Scenario d = defaultScenario();
        return d.withDuration(durationNs)
                .withBalancer(new Scenario.Balancer(50_000_000L, 50_000_000L, 50_000_000L, d.balancer().scanPages(),
                        d.balancer().faultAround()))
                .withScheduler(new Scenario.Scheduler(250_000_000L, "swap", d.scheduler().quantumNs()));
    }

    public static Scenario defaultScenario() {
        return parse(defaultScenarioText(), "default scenario");
    }

    /** The embedded stress scenario ({@link #STRESS_RESOURCE}). */
    public static Scenario stressScenario() {
        return parse(resourceText(STRESS_RESOURCE), "stress scenario");
    }

    /** Reads a scenario file: a regular file of at most {@link BoundedInput#YAML_LIMIT}, then {@link #parse}. */
    public static Scenario load(Path file) {
        String text;
        try {
            text = BoundedInput.readText(file, BoundedInput.YAML_LIMIT, "scenario file",
                    "give the path of a scenario YAML file (copyless scenario --print-default writes one to start from)");
        } catch (UserError e) {
            throw new ScenarioException(e.getMessage());
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
        return parse(text, source, baseDir, null);
    }

    /**
     * Parses scenario text, adding every schema key the parser asks for to {@code read} (if not
     * null): the test that the parser reads every declared key, present or not.
     */
    static Scenario parse(String text, String source, Path baseDir, Set<ScenarioSchema.Key> read) {
        JsonNode root;
        try {
            root = BoundedInput.yaml(text, source);
        } catch (UserError e) {
            throw new ScenarioException(e.getMessage());
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            throw new ScenarioException(source + ": the scenario is empty; expected keys such as host and vms");
        }
        checkKeys(root, "", source);
        return build(new Section(source, "", root, read), source, baseDir);
    }

    /**
     * Refuses a key that {@link ScenarioSchema} does not declare, anywhere in the tree, before
     * anything is read; names the first by its path and lists the keys expected there.
     */
    private static void checkKeys(JsonNode node, String path, String source) {
        List<ScenarioSchema.Key> allowed = ScenarioSchema.children(ScenarioSchema.normalise(path));
        if (allowed == null || !node.isObject()) {
            return; // a value, or a mapping of the wrong type, which its getter refuses
        }
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            String child = path.isEmpty() ? e.getKey() : path + "." + e.getKey();
            ScenarioSchema.Key k = allowed.stream().filter(a -> a.name().equals(e.getKey())).findFirst().orElse(null);
            String removed = ScenarioSchema.removed(ScenarioSchema.normalise(child));
            if (k == null && removed != null) {
                throw new ScenarioException(source + ": " + child + ": " + removed);
            }
            if (k == null) {
                throw new ScenarioException(source + ": unknown key '" + child + "'; expected one of: "
                        + String.join(", ", allowed.stream().map(ScenarioSchema.Key::name).toList()));
            }
            JsonNode v = e.getValue();
            if (k.type() instanceof KeyType.Mapping) {
                checkKeys(v, child, source);
            } else if (k.type() instanceof KeyType.Items && v.isArray()) {
                for (int i = 0; i < v.size(); i++) {
                    checkKeys(v.get(i), child + "[" + i + "]", source);
                }
            }
        }
    }

    private static Scenario build(Section s, String source, Path baseDir) {
        String name = s.string("name");
        long seed = s.integer("seed");
        long duration = s.nanos("duration");
        Scenario.Host host = host(s.section("host"));
        List<Scenario.Vm> vms = new ArrayList<>();
        Set<String> vmNames = new HashSet<>();
        for (Section v : s.list("vms")) {
            Scenario.Vm vm = vm(v, host, baseDir);
            if (!vmNames.add(vm.name())) {
                throw v.refuse(v.keyPath("name"), "expected a VM name used once");
            }
            vms.add(vm);
        }
        Section sch = s.section("scheduler");
        Scenario.Scheduler scheduler = new Scenario.Scheduler(sch.nanos("interval"), sch.oneOf("pattern"),
                sch.nanos("quantum"));
        Section bal = s.section("balancer");
        long scanMin = bal.nanos("scan-period-min");
        long scanMax = bal.nanos("scan-period-max");
        if (scanMax < scanMin) {
            throw bal.refuse(bal.keyPath("scan-period-max"), "expected at least scan-period-min ("
                    + Scenario.Balancer.ms(scanMin) + "); for a fixed period set both to the same value");
        }
        Scenario.Balancer balancer = new Scenario.Balancer(scanMin, scanMax, bal.nanos("scan-delay"),
                (int) Math.min(Integer.MAX_VALUE, bal.pages("scan-size")), (int) bal.integer("fault-around"));
        Section cl = s.section("copyless");
        Scenario.Copyless copyless = new Scenario.Copyless(cl.oneOf("order"), (int) cl.integer("batch"));
        Scenario.Cost cost = cost(s.section("cost"));
        int buckets = (int) s.section("metrics").integer("time-buckets");
        FaultConfig faults = faults(s.section("faults"));
        Scenario.Hypercall hypercall = hypercall(s.section("hypercall"));

        Scenario sc = new Scenario(name, seed, duration, host, vms, scheduler, balancer, copyless, cost, buckets, faults,
                hypercall);
        checkCapacity(sc, source);
        return sc;
    }

    private static Scenario.Host host(Section h) {
        List<Scenario.Node> nodes = new ArrayList<>();
        List<Section> ns = h.list("nodes");
        Section wm = h.section("watermarks");
        String wMin = wm.string("min");
        String wLow = wm.string("low");
        String wHigh = wm.string("high");
        for (int i = 0; i < ns.size(); i++) {
            Section n = ns.get(i);
            int id = n.index("id", i);
            long pages = n.pages("memory");
            long min = watermark(h, "min", wMin, pages);
            long low = watermark(h, "low", wLow, pages);
            long high = watermark(h, "high", wHigh, pages);
            if (!(min <= low && low <= high && high < pages)) {
                throw h.refuse(h.keyPath("watermarks"), "expected min <= low <= high < node memory (node " + id + ")");
            }
            nodes.add(new Scenario.Node(id, (int) pages, (int) min, (int) low, (int) high));
        }
        int[][] distance = distance(h, nodes.size());
        List<Scenario.Swap> swaps = new ArrayList<>();
        Set<String> swapNames = new HashSet<>();
        for (Section sw : h.list("swap")) {
            String name = sw.has("name") ? sw.string("name") : "swap" + swaps.size();
            if (!swapNames.add(name)) {
                throw sw.error(sw.keyPath("name"), "expected a swap device name used once", sw.node("name"));
            }
            String profileName = sw.oneOf("profile");
            SwapProfile p = SwapProfile.byName(profileName);
            long slots = sw.pages("size");
            long read = sw.has("read-latency") ? sw.nanos("read-latency") : p.readNs();
            long write = sw.has("write-latency") ? sw.nanos("write-latency") : p.writeNs();
            long bw = sw.has("bandwidth-bytes-per-second") ? sw.integer("bandwidth-bytes-per-second") : p.bytesPerSecond();
            int depth = p.queueDepth();
            if (sw.has("queue-depth")) {
                if (p.synchronousIo()) {
                    throw sw.error(sw.keyPath("queue-depth"), "expected no queue depth for a " + profileName
                            + " device: it is synchronous (each I/O runs on the CPU that submits it); remove the key",
                            sw.node("queue-depth"));
                }
                depth = (int) sw.integer("queue-depth");
            }
            long devNode = sw.nodeId("node");
            if (devNode < 0 || devNode >= nodes.size()) {
                throw sw.error(sw.keyPath("node"), "expected the id of a host node (0.." + (nodes.size() - 1) + ")",
                        sw.node("node"));
            }
            swaps.add(new Scenario.Swap(name, profileName, (int) slots, read, write, bw, depth, (int) devNode));
        }
        Section r = h.section("reclaim");
        int batch = (int) r.integer("batch");
        int cluster = (int) r.integer("page-cluster");
        boolean vmaReadahead = "vma".equals(r.oneOf("readahead"));
        Section d = h.section("demotion");
        int[] targets = new int[nodes.size()];
        Arrays.fill(targets, -1);
        JsonNode t = d.structure("targets");
        if (!t.isObject()) {
            throw d.error(d.keyPath("targets"), "expected a mapping of node: target node", t);
        }
        for (Map.Entry<String, JsonNode> e : t.properties()) {
            int from = parseNode(d, "targets." + e.getKey(), e.getKey(), nodes.size());
            JsonNode to = e.getValue();
            if (!to.isIntegralNumber() || !to.canConvertToInt() || to.asInt() < 0 || to.asInt() >= nodes.size()
                    || to.asInt() == from) {
                throw d.error(d.keyPath("targets." + e.getKey()), "expected another node id in 0.."
                        + (nodes.size() - 1), to);
            }
            targets[from] = to.asInt();
        }
        long interval = d.nanos("interval");
        int dBatch = (int) d.integer("batch");
        Promotion promotion = promotion(d);
        boolean realBytes = h.bool("real-bytes");
        long linkBandwidth = h.bytesPerSecond("link-bandwidth");
        return new Scenario.Host(nodes, distance, swaps, batch, cluster, targets, interval, dBatch, promotion, realBytes,
                vmaReadahead, linkBandwidth);
    }

    /** {@code host.demotion.promotion} and its tiering tunables. */
    private static Promotion promotion(Section d) {
        Promotion.Mode mode = Promotion.Mode.byKey(d.oneOf("promotion"));
        long hot = d.nanos("hot-threshold");
        if (hot < 1_000_000L) {
            throw d.error(d.keyPath("hot-threshold"), "expected at least 1ms (numa_balancing_hot_threshold_ms)",
                    d.node("hot-threshold"));
        }
        return new Promotion(mode, hot, d.integer("promote-rate-limit"), d.nanos("scan-period"), d.pages("scan-size"));
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
        JsonNode d = h.structure("distance");
        int[][] out = new int[n][n];
        if (d == null) {
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
                if (!c.isIntegralNumber() || !c.canConvertToInt() || c.asInt() < 10 || c.asInt() > 254
                        || (i == j) != (c.asInt() == 10)) {
                    throw h.error(h.keyPath("distance[" + i + "][" + j + "]"),
                            "expected 10 on the diagonal and 11..254 elsewhere (ACPI SLIT)", c);
                }
                out[i][j] = c.asInt();
            }
        }
        return out;
    }

    private static Scenario.Vm vm(Section v, Scenario.Host host, Path baseDir) {
        String name = v.string("name");
        List<Scenario.Vnode> vnodes = new ArrayList<>();
        List<Section> vs = v.list("vnodes");
        long total = 0;
        for (int i = 0; i < vs.size(); i++) {
            Section n = vs.get(i);
            int id = n.index("id", i);
            long pages = n.pages("memory");
            total = Math.addExact(total, pages); // each at most MAX_GFN pages: no wrap, and the sum is checked below
            long hostNode = n.nodeId("host-node");
            if (hostNode < 0 || hostNode >= host.nodes().size()) {
                throw n.error(n.keyPath("host-node"), "expected the id of a host node (0.."
                        + (host.nodes().size() - 1) + ")", n.node("host-node"));
            }
            int vcpus = (int) n.integer("vcpus");
            vnodes.add(new Scenario.Vnode(id, (int) pages, (int) hostNode, vcpus));
        }
        if (total > GuestPte.MAX_GFN) {
            throw v.refuse(v.keyPath("vnodes"), "expected at most 2TiB of guest memory per VM");
        }
        List<Scenario.Task> tasks = new ArrayList<>();
        Map<String, Scenario.Task> regions = new HashMap<>();
        for (Section t : v.list("tasks")) {
            String tn = t.has("name") ? t.string("name") : "task" + tasks.size();
            long vnode = t.nodeId("vnode");
            if (vnode < 0 || vnode >= vnodes.size()) {
                throw t.error(t.keyPath("vnode"), "expected a vNode id of this VM (0.." + (vnodes.size() - 1) + ")",
                        t.node("vnode"));
            }
            boolean traced = t.has("pattern") && "trace".equals(t.node("pattern").asText());
            long pages = traced ? 0 : t.pages("footprint");
            String pattern = t.oneOf("pattern");
            String traceFile = t.string("trace");
            int traceThread = (int) t.integer("trace-thread");
            double traceScale = t.decimal("trace-time-scale");
            double nsPerInstruction = t.decimal("ns-per-instruction");
            double traceStores = Scenario.Task.DEFAULT_WRITE_FRACTION;
            if (traced) {
                traceFile = traceTask(t, traceFile, traceThread, baseDir);
                pages = t.has("footprint") ? t.pages("footprint") : 0;
                TraceInfo traceInfo = TraceReader.open(Path.of(traceFile));
                traceStores = traceInfo.storeFraction();
                long tracePages = traceInfo.pages();
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
            double hf = t.decimal("hot-fraction");
            double hp = t.decimal("hot-probability");
            double zipf = t.decimal("zipf-exponent");
            long phase = t.nanos("phase-period");
            String region = t.string("shared-region");
            long think = traced ? 0 : t.nanos("think");
            if (region != null) {
                Scenario.Task first = regions.get(region);
                if (first != null && first.pages() != pages) {
                    throw t.error(t.keyPath("footprint"), "expected the footprint of task '" + first.name()
                            + "' (" + Units.size(first.pages()) + "), which shares region '" + region + "'", t.node("footprint"));
                }
            }
            double writeFraction = t.has("write-fraction") ? t.decimal("write-fraction") : traceStores;
            Scenario.Task task = new Scenario.Task(tn, (int) vnode, (int) Math.min(pages, Integer.MAX_VALUE), pattern, hf,
                    hp, zipf, phase, region, traceFile, traceThread, think, traceScale, nsPerInstruction, writeFraction);
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
        return vm;
    }

    /**
     * A {@code pattern: trace} task's trace file, resolved against {@code baseDir} and checked
     * (whole file, see {@link TraceReader}), and its thread; errors name the key.
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
        TraceInfo info;
        try {
            info = TraceReader.open(p);
        } catch (TraceException e) {
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
    private static FaultConfig faults(Section f) {
        return new FaultConfig(
                f.integer("seed"),
                f.decimal("swap-read-error-rate"),
                f.decimal("swap-read-error-persistent-rate"),
                f.decimal("swap-write-error-rate"),
                f.decimal("torn-write-rate"),
                f.decimal("torn-write-silent-rate"),
                f.decimal("slow-io-rate"),
                f.integer("slow-io-ns"));
    }

    private static Scenario.Cost cost(Section c) {
        Scenario.Cost cost = new Scenario.Cost(
                c.integer("access-local-ns"),
                c.integer("access-remote-ns"),
                c.integer("page-copy-local-ns"),
                c.integer("zero-page-ns"),
                c.integer("ept-fault-ns"),
                c.integer("hint-fault-ns"),
                c.integer("pte-update-ns"),
                c.integer("migrate-page-ns"),
                c.integer("hypercall-exit-ns"),
                c.integer("hypercall-page-ns"),
                c.integer("reclaim-scan-ns"),
                c.integer("remap-page-ns"),
                c.integer("tlb-shootdown-ns"),
                c.integer("list-inspect-ns"));
        if (cost.accessRemoteNs() < cost.accessLocalNs()) {
            throw c.refuse(c.keyPath("access-remote-ns"), "expected at least access-local-ns ("
                    + cost.accessLocalNs() + ")");
        }
        return cost;
    }

    /** The {@code hypercall:} section: rate limits, guest timeout and retries, request channel faults. */
    private static Scenario.Hypercall hypercall(Section h) {
        long calls = h.integer("rate-limit-calls");
        long pages = h.integer("rate-limit-pages");
        long burst = h.nanos("rate-limit-burst");
        long timeout = h.nanos("timeout");
        int retries = (int) h.integer("retries");
        long seed = h.integer("channel-seed");
        double drop = h.decimal("drop-rate");
        double duplicate = h.decimal("duplicate-rate");
        double reorder = h.decimal("reorder-rate");
        if (drop + duplicate + reorder > 1.0) {
            throw h.refuse(h.keyPath("drop-rate"), "expected drop-rate + duplicate-rate + reorder-rate to be at most 1"
                    + " (one fault at most per request), got " + (drop + duplicate + reorder));
        }
        return new Scenario.Hypercall(calls, pages, burst, timeout, retries, seed, drop, duplicate, reorder);
    }

    private static void checkCapacity(Scenario s, String source) {
        long memory = s.hostPages();
        long swap = s.swapPages();
        long need = s.workloadPages();
        long guest = 0;
        for (Scenario.Vm vm : s.vms()) {
            guest += vm.pages();
        }
        // the simulated host numbers frames, slots and gfns host-wide in an int (OwnerTable, SwapCacheIndex)
        if (memory > Integer.MAX_VALUE) {
            throw new ScenarioException(source + ": host.nodes: " + Units.size(memory)
                    + " of host memory; expected below 8TiB over all nodes");
        }
        if (swap > Integer.MAX_VALUE) {
            throw new ScenarioException(source + ": host.swap: " + Units.size(swap)
                    + " of swap; expected below 8TiB over all devices");
        }
        if (guest > HostGfns.MAX_GFNS) {
            throw new ScenarioException(source + ": vms: " + Units.size(guest)
                    + " of guest memory over all VMs; expected at most 4TiB on one host");
        }
        if (need > memory + swap) {
            throw new ScenarioException(source + ": vms: the tasks' footprints (" + Units.size(need)
                    + ") exceed the host's memory plus swap (" + Units.size(memory) + " + " + Units.size(swap)
                    + "); add swap (host.swap) or memory, or shrink the tasks");
        }
    }
}
