package dev.copyless.scenario;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.copyless.clock.CostModel;
import dev.copyless.guest.GuestPage;
import dev.copyless.guest.GuestPte;
import dev.copyless.hypervisor.MigrationRequest;
import dev.copyless.mm.MigrationOrder;
import dev.copyless.mm.PageState;
import dev.copyless.mm.Promotion;
import dev.copyless.scenario.KeyType.Bool;
import dev.copyless.scenario.KeyType.Choice;
import dev.copyless.scenario.KeyType.Decimal;
import dev.copyless.scenario.KeyType.Duration;
import dev.copyless.scenario.KeyType.Index;
import dev.copyless.scenario.KeyType.Int;
import dev.copyless.scenario.KeyType.Items;
import dev.copyless.scenario.KeyType.Mapping;
import dev.copyless.scenario.KeyType.NodeId;
import dev.copyless.scenario.KeyType.NodeMap;
import dev.copyless.scenario.KeyType.Rate;
import dev.copyless.scenario.KeyType.Size;
import dev.copyless.scenario.KeyType.Slit;
import dev.copyless.scenario.KeyType.Text;
import dev.copyless.scenario.KeyType.Watermark;
import dev.copyless.swap.SwapProfile;
import dev.copyless.trace.TraceWorkload;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The scenario file's schema, declared once: every key with its path, type, unit, default,
 * allowed values and one-line meaning. Everything else follows from it:
 * <ul>
 *   <li>{@link ScenarioParser} refuses any key not declared here, takes the default of a
 *       missing key from here, and checks each value against its {@link KeyType} (the reading
 *       goes through {@link Section}, which looks every key up here);</li>
 *   <li>the embedded {@code default-scenario.yaml}, which {@code copyless scenario
 *       --print-default} prints, sets every key outside a list to the default declared here
 *       (checked by {@code ScenarioSchemaTest});</li>
 *   <li>the key table of {@code docs/SCENARIO.md} is {@link #markdownTable()} (checked by
 *       {@code ScenarioSchemaTest}).</li>
 * </ul>
 * A path is the keys from the top, joined by dots; {@code []} stands for every item of a list
 * ({@code vms[].tasks[].think}). Cross-key rules (watermark order, capacity, a trace's
 * footprint) are the parser's; their meaning lines here say so.
 */
public final class ScenarioSchema {
    /** The longest virtual duration a run may have: 365 days, far from where 64-bit nanosecond sums wrap. */
    public static final long MAX_DURATION_NS = 365L * 24 * 3600 * 1_000_000_000L;

    private ScenarioSchema() {}

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    /**
     * One key of the scenario file.
     *
     * @param path    the key's path ({@code host.reclaim.batch}, {@code vms[].tasks[].think})
     * @param type    what it holds and the values allowed
     * @param unit    the unit of a number, or ""
     * @param dflt    the default as YAML text, read like a value in a file; null: none
     * @param derived when {@code dflt} is null, how the value is found when the key is missing
     *                ({@code "its position"}); null too: the key is required
     * @param meaning one line on what the key does, in kernel terms
     */
    public record Key(String path, KeyType type, String unit, String dflt, String derived, String meaning) {
        /** The key itself, the last part of the path. */
        public String name() {
            return path.substring(path.lastIndexOf('.') + 1);
        }

        /** The path of the mapping that holds the key ({@code ""}: the top). */
        public String parent() {
            int dot = path.lastIndexOf('.');
            return dot < 0 ? "" : path.substring(0, dot);
        }

        /** The path of this key's children: {@code path} for a mapping, {@code path[]} for a list's items. */
        public String childPath() {
            return type instanceof Items ? path + "[]" : path;
        }

        /** True for a key that must be given (no default, nothing to derive it from). */
        public boolean required() {
            return dflt == null && derived == null;
        }

        /** True for a key inside the items of a list (their defaults are per item, not per file). */
        public boolean inList() {
            return path.contains("[]");
        }

        /** The default as the docs show it. */
        public String shownDefault() {
            return dflt != null ? "`" + dflt + "`" : derived != null ? derived : "required";
        }
    }

    // ------------------------------------------------------------------ the keys

    private static final List<Key> KEYS = new ArrayList<>();

    static {
        add("name", new Text(), "", "unnamed", "the scenario's name in reports");
        add("seed", new Int(Long.MIN_VALUE, Long.MAX_VALUE), "", "42",
                "seed of the run's random streams (tasks, scheduler); one seed, one run");
        add("duration", new Duration(MAX_DURATION_NS), "", "20s", "virtual time simulated");

        mapping("host", "the host: NUMA nodes, swap devices, reclaim, demotion");
        required("host.nodes", new Items(PageState.MAX_NODES, "nodes"), "",
                "host NUMA nodes (pg_data_t), ids 0, 1, ... in order");
        derived("host.nodes[].id", new Index(), "", "its position", "the node id");
        required("host.nodes[].memory", new Size(16, Integer.MAX_VALUE), "", "the node's memory (its frames)");
        derived("host.distance", new Slit(), "", "10 on the diagonal, 21 elsewhere",
                "node distances, one row per node (ACPI SLIT); access and copy costs scale with them");
        add("host.link-bandwidth", new Rate(), "", "20.8GB/s",
                "bandwidth of each direction of the link between two nodes (UPI at 10.4 GT/s), shared by every "
                        + "transfer that crosses it: guest copies, swap DMA, demotion, promotion, host migration");
        mapping("host.watermarks",
                "per-node zone watermarks, each a size or a % of the node's memory; min <= low <= high < memory");
        add("host.watermarks.min", new Watermark(), "", "0.5%",
                "WMARK_MIN: an allocation with free memory at or below it reclaims directly");
        add("host.watermarks.low", new Watermark(), "", "1%",
                "WMARK_LOW: an allocation that leaves free memory below it wakes kswapd");
        add("host.watermarks.high", new Watermark(), "", "2%", "WMARK_HIGH: kswapd reclaims until free memory is above it");
        add("host.swap", new Items(PageState.MAX_NODES, "swap devices"), "", "[]",
                "swap devices (swapon); none: no swap");
        derived("host.swap[].name", new Text(), "", "swap0, swap1, ...", "device name, used once");
        add("host.swap[].profile", new Choice(List.of(SwapProfile.NVME.name(), SwapProfile.SSD.name(),
                SwapProfile.ZRAM.name())), "", SwapProfile.NVME.name(),
                "device latencies and bandwidth (docs/COST-MODEL.md)");
        required("host.swap[].size", new Size(1, Integer.MAX_VALUE), "", "swap space (its slots)");
        derived("host.swap[].read-latency", new Duration(Long.MAX_VALUE), "", "the profile's",
                "device latency of a 4 KiB read");
        derived("host.swap[].write-latency", new Duration(Long.MAX_VALUE), "", "the profile's",
                "device latency of a 4 KiB write");
        derived("host.swap[].bandwidth-bytes-per-second", new Int(1, Long.MAX_VALUE), "B/s", "the profile's",
                "sustained device bandwidth");
        derived("host.swap[].queue-depth", new Int(1, 65_536), "requests",
                "the profile's: nvme 64, ssd 32 (NCQ); zram has none",
                "requests the device serves at once; more wait for a slot, and all share the bandwidth "
                        + "(docs/COST-MODEL.md, Devices and links). Not for zram: it is synchronous "
                        + "(SWP_SYNCHRONOUS_IO), each I/O on the CPU that submits it");
        add("host.swap[].node", new NodeId("a host node's id"), "", "0",
                "the device's home NUMA node: a page read into or written from a frame on another node crosses the "
                        + "link by DMA");
        mapping("host.reclaim", "host reclaim (mm/vmscan.c)");
        add("host.reclaim.batch", new Int(1, 4096), "pages", "32", "pages reclaimed per batch (SWAP_CLUSTER_MAX)");
        add("host.reclaim.page-cluster", new Int(0, 10), "", "3",
                "swap readahead window of at most 2^page-cluster pages (vm.page-cluster), grown and shrunk by the "
                        + "readahead hit history (__swapin_nr_pages); 0: no readahead");
        add("host.reclaim.readahead", new Choice(List.of("vma", "cluster")), "", "vma",
                "vma: the faulting gfn's neighbours in its vNode, within its 2 MiB PMD (swap_vma_readahead, Linux's "
                        + "default for non-rotational swap: /sys/kernel/mm/swap/vma_ra_enabled); cluster: the "
                        + "neighbouring swap slots (swap_cluster_readahead)");
        mapping("host.demotion", "proactive demotion of cold pages to a lower memory tier (DAMOS migrate_cold)");
        add("host.demotion.targets", new NodeMap(), "", "{}",
                "node: target node, e.g. {0: 2, 1: 2}; cold pages of a node go to its target; {}: no demotion");
        add("host.demotion.interval", new Duration(Long.MAX_VALUE), "", "10ms", "how often the demotion pass runs");
        add("host.demotion.batch", new Int(1, 1 << 20), "frames", "64", "frames scanned per node per pass");
        add("host.demotion.promotion", new Choice(List.of(Promotion.Mode.OFF.key(), Promotion.Mode.TIERING.key(),
                Promotion.Mode.ON_TOUCH.key())), "", Promotion.Mode.OFF.key(),
                "how a demoted page comes back to its pinned node. off: never, stock Linux for QEMU's policy=bind "
                        + "(MPOL_BIND without MPOL_F_NUMA_BALANCING: the host's NUMA scanner skips it); tiering: "
                        + "numa_balancing=2 on an MPOL_BIND|MPOL_F_NUMA_BALANCING binding, the host scanner marks "
                        + "demoted pages and a hinting fault from a vCPU on the pinned node within hot-threshold of "
                        + "the scan promotes, within promote-rate-limit; on-touch: every demoted page on its first "
                        + "touch (not a Linux behaviour: an upper bound)");
        add("host.demotion.hot-threshold", new Duration(Long.MAX_VALUE), "", "1000ms",
                "tiering: a hinting fault this soon after the page's scan promotes it "
                        + "(numa_balancing_hot_threshold_ms); at least 1ms");
        add("host.demotion.promote-rate-limit", new Int(1, 0xFFFF_FFFFL), "MiB/s", "65536",
                "tiering: promotion candidates per destination node per second "
                        + "(numa_balancing_promote_rate_limit_MBps)");
        add("host.demotion.scan-period", new Duration(Long.MAX_VALUE), "", "1000ms",
                "tiering: how often the host's NUMA scanner passes over each VM's memory "
                        + "(numa_balancing_scan_period_min_ms; Linux's adaptive period only lengthens it)");
        add("host.demotion.scan-size", new Size(1, Integer.MAX_VALUE), "", "256MiB",
                "tiering: guest memory one host scanner pass covers (numa_balancing_scan_size_mb; up to 8 times "
                        + "that when a range has no demoted page)");
        add("host.real-bytes", new Bool(), "", "false", "frames in off-heap memory and swap in real files: every "
                + "move moves 4 KiB and every page's content is verified at the end");

        required("vms", new Items(Integer.MAX_VALUE, "VMs"), "", "the guests");
        add("vms[].name", new Text(), "", "vm", "VM name, used once");
        required("vms[].vnodes", new Items(GuestPage.MAX_VNODES, "vNodes"), "",
                "virtual NUMA nodes: contiguous gfn ranges, each bound to a host node; at most 2TiB per VM");
        derived("vms[].vnodes[].id", new Index(), "", "its position", "the vNode id");
        required("vms[].vnodes[].memory", new Size(1, GuestPte.MAX_GFN + 1L), "", "the vNode's memory");
        add("vms[].vnodes[].host-node", new NodeId("a host node's id"), "", "0",
                "the host node its memory is bound to (QEMU host-nodes=N,policy=bind)");
        add("vms[].vnodes[].vcpus", new Int(1, 1024), "", "1", "vCPUs of the vNode");
        add("vms[].tasks", new Items(Integer.MAX_VALUE, "tasks"), "", "[]",
                "guest tasks; their footprints fit in the VM, and all VMs' in host memory plus swap");
        derived("vms[].tasks[].name", new Text(), "", "task0, task1, ...", "task name");
        add("vms[].tasks[].vnode", new NodeId("a vNode id of this VM"), "", "0", "the vNode the task starts on");
        derived("vms[].tasks[].footprint", new Size(1, GuestPte.MAX_GFN + 1L), "",
                "required; with pattern trace, the trace's", "guest memory the task touches");
        add("vms[].tasks[].pattern", new Choice(List.of("hot-cold", "uniform", "sequential", "zipf", "phase", "trace")),
                "", "hot-cold", "access pattern (see Workload patterns)");
        add("vms[].tasks[].hot-fraction", new Decimal(0.0, 1.0), "", "0.25",
                "share of the footprint that is hot (hot-cold, phase)");
        add("vms[].tasks[].hot-probability", new Decimal(0.0, 1.0), "", "0.9",
                "share of the accesses that go to the hot set (hot-cold, phase)");
        add("vms[].tasks[].zipf-exponent", new Decimal(0.01, 10.0), "", "1", "Zipf exponent s (zipf)");
        add("vms[].tasks[].phase-period", new Duration(Long.MAX_VALUE), "", "200ms",
                "how long a hot set lasts before it moves on (phase)");
        derived("vms[].tasks[].shared-region", new Text(), "", "none (private pages)",
                "tasks naming the same region map the same guest pages; same footprint");
        add("vms[].tasks[].think", new Duration(Long.MAX_VALUE), "", "500ns",
                "compute time between two accesses; not with pattern trace");
        derived("vms[].tasks[].write-fraction", new Decimal(0.0, 1.0), "",
                Scenario.Task.DEFAULT_WRITE_FRACTION + "; with pattern trace, the trace's (stores + modifies) / accesses",
                "share of the accesses that are stores (they dirty the page: a clean swap-cache page is dropped "
                        + "without I/O, a dirty one written back); default from the SPECint 80x86 instruction mix, "
                        + "12 stores to 22 loads (Hennessy and Patterson)");
        derived("vms[].tasks[].trace", new Text(), "", "required with pattern trace",
                "trace file, relative to the scenario file or absolute (pattern trace only)");
        add("vms[].tasks[].trace-thread", new Int(0, Integer.MAX_VALUE), "", "0",
                "the thread of the trace the task replays (pattern trace only)");
        add("vms[].tasks[].trace-time-scale", new Decimal(1e-6, 1e6), "", "1",
                "multiplies the compute time between accesses (pattern trace only)");
        add("vms[].tasks[].ns-per-instruction", new Decimal(0.0, 1e6), "ns",
                String.valueOf(TraceWorkload.DEFAULT_NS_PER_INSTRUCTION),
                "compute time per traced instruction, before scaling (pattern trace only)");

        mapping("scheduler", "the guest scheduler's task moves between vNodes");
        add("scheduler.interval", new Duration(Long.MAX_VALUE), "", "5s",
                "a task moves (swap: two tasks exchange vNodes) this often");
        add("scheduler.pattern", new Choice(List.of("round-robin", "random", "pingpong", "swap", "none")), "", "swap",
                "which task moves where; pingpong: the first task, back and forth; swap: two tasks exchange vNodes (each vNode keeps its load; a lone task moves alone)");
        add("scheduler.quantum", new Duration(Long.MAX_VALUE), "", "100us", "vCPU time slice between other events");

        mapping("balancer", "guest automatic NUMA balancing (task_numa_work, do_numa_page)");
        add("balancer.scan-period-min", new Duration(Long.MAX_VALUE), "", "1000ms",
                "numa_balancing_scan_period_min_ms: the shortest scan period; each task's period adapts"
                        + " between min and max (update_task_scan_period)");
        add("balancer.scan-period-max", new Duration(Long.MAX_VALUE), "", "60000ms",
                "numa_balancing_scan_period_max_ms: the longest scan period; at least scan-period-min"
                        + " (equal: a fixed period)");
        add("balancer.scan-delay", new Duration(Long.MAX_VALUE), "", "1000ms",
                "numa_balancing_scan_delay_ms: the first scan of a task after start");
        add("balancer.scan-size", new Size(1, Long.MAX_VALUE), "", "256MiB",
                "numa_balancing_scan_size_mb: memory unmapped per scan");
        add("balancer.fault-around", new Int(1, MigrationRequest.MAX_PAGES), "pages", "1",
                "pages decided per migrating hinting fault; 1 = stock Linux (do_numa_page migrates one page)");

        mapping("copyless", "the copyless policy's options");
        add("copyless.order", new Choice(List.of(MigrationOrder.MIGRATE_BEFORE_MAP.key(),
                MigrationOrder.MAP_THEN_MIGRATE.key())), "", MigrationOrder.MIGRATE_BEFORE_MAP.key(),
                "move the data, then map (claims 6-8), or map, then move at first touch (claims 2-5)");
        add("copyless.batch", new Int(1, MigrationRequest.MAX_PAGES), "pages", "8",
                "pages per hypercall (a migrating fault flushes its batch anyway)");

        mapping("cost", "the cost model; sources in docs/COST-MODEL.md");
        add("cost.access-local-ns", new Int(1, 1_000_000), "ns", "89", "one guest access to memory on the vCPU's node");
        add("cost.access-remote-ns", new Int(1, 1_000_000), "ns", "139",
                "one access at SLIT distance 21; at least access-local-ns");
        add("cost.page-copy-local-ns", new Int(1, 100_000_000), "ns", "410",
                "copy 4 KiB within a node; across nodes it scales with the distance");
        add("cost.zero-page-ns", new Int(0, 100_000_000), "ns", "400", "clear_page of a newly populated frame");
        add("cost.ept-fault-ns", new Int(0, 100_000_000), "ns", "1650",
                "VM exit for an EPT violation plus host fault handling");
        add("cost.hint-fault-ns", new Int(0, 100_000_000), "ns", "1000", "guest NUMA hinting fault (do_numa_page)");
        add("cost.pte-update-ns", new Int(0, 1_000_000), "ns", "10", "one PTE made PROT_NONE by the scanner");
        add("cost.migrate-page-ns", new Int(0, 100_000_000), "ns", "2000",
                "guest migration overhead per page besides the data: isolate, unmap, TLB flush, remap");
        add("cost.hypercall-exit-ns", new Int(0, 100_000_000), "ns", "742", "one VMCALL round trip and dispatch");
        add("cost.hypercall-page-ns", new Int(0, 100_000_000), "ns", "200",
                "per-page decoding and validation of a hypercall's entries in the host (the page-table move is remap-page-ns)");
        add("cost.reclaim-scan-ns", new Int(0, 1_000_000), "ns", "50", "per frame visited by the reclaim clock");
        add("cost.remap-page-ns", new Int(0, 100_000_000), "ns", String.valueOf(CostModel.DEFAULT_REMAP_PAGE_NS),
                "the host's move of one page-table entry to the destination gfn in a copyless migration (UFFDIO_MOVE)");
        add("cost.tlb-shootdown-ns", new Int(0, 100_000_000), "ns", String.valueOf(CostModel.DEFAULT_TLB_SHOOTDOWN_NS),
                "a TLB shootdown (IPI) and EPT invalidation when the host clears a present mapping of a guest page");
        add("cost.list-inspect-ns", new Int(0, 1_000_000), "ns", String.valueOf(CostModel.DEFAULT_LIST_INSPECT_NS),
                "one lookup of a gfn in the moved-page list by the guest (claim 9)");

        mapping("metrics", "the report's time series");
        add("metrics.time-buckets", new Int(1, 10_000), "", "100", "buckets the run's time series is cut into");

        mapping("faults", "swap fault injection; rates are per I/O; its own seeded random stream (see Swap faults)");
        add("faults.seed", new Int(Long.MIN_VALUE, Long.MAX_VALUE), "", "1", "seed of the fault draws");
        add("faults.swap-read-error-rate", new Decimal(0, 1), "", "0",
                "a swap read fails with EIO (retried up to 3 times)");
        add("faults.swap-read-error-persistent-rate", new Decimal(0, 1), "", "0",
                "share of read errors that persist (bad sector): the page is lost");
        add("faults.swap-write-error-rate", new Decimal(0, 1), "", "0",
                "a swap write fails with EIO: the page stays resident");
        add("faults.torn-write-rate", new Decimal(0, 1), "", "0",
                "only part of a swap write reaches the device (caught by the slot's CRC32C)");
        add("faults.torn-write-silent-rate", new Decimal(0, 1), "", "0",
                "share of torn writes acknowledged as complete: found only at read, page lost");
        add("faults.slow-io-rate", new Decimal(0, 1), "", "0", "a swap I/O takes slow-io-ns longer");
        add("faults.slow-io-ns", new Int(0, 60_000_000_000L), "ns", "0", "the extra time of a slow swap I/O");

        mapping("hypercall", "the KVM_HC_COPYLESS_MIGRATE channel (docs/ABI.md); "
                + "drop-rate + duplicate-rate + reorder-rate at most 1");
        add("hypercall.rate-limit-calls", new Int(0, 10_000_000), "calls/s", "0",
                "per VM, calls per second of virtual time; 0 = unlimited");
        add("hypercall.rate-limit-pages", new Int(0, 1_000_000_000), "pages/s", "0",
                "per VM, pages per second of virtual time; 0 = unlimited");
        add("hypercall.rate-limit-burst", new Duration(1_000_000_000L), "", "10ms",
                "token bucket depth, as time at the full rate (at least 1 call / 512 pages)");
        add("hypercall.timeout", new Duration(Long.MAX_VALUE), "", "50us",
                "how long a guest waits for a reply that does not come");
        add("hypercall.retries", new Int(0, 100), "", "2",
                "new attempts (new sequence numbers) after a timeout, then a copy");
        add("hypercall.channel-seed", new Int(Long.MIN_VALUE, Long.MAX_VALUE), "", "1",
                "seed of the request channel's fault draws");
        add("hypercall.drop-rate", new Decimal(0, 1), "", "0", "probability a request is lost (the guest times out)");
        add("hypercall.duplicate-rate", new Decimal(0, 1), "", "0",
                "probability a request is delivered twice (the second is a refused replay)");
        add("hypercall.reorder-rate", new Decimal(0, 1), "", "0",
                "probability a request is held back past its timeout and overtaken");
    }

    private static final Map<String, Key> BY_PATH = new LinkedHashMap<>();
    private static final Map<String, List<Key>> CHILDREN = new LinkedHashMap<>();
    private static final Map<Key, JsonNode> DEFAULTS = new LinkedHashMap<>();

    static {
        for (Key k : KEYS) {
            if (BY_PATH.put(k.path(), k) != null) {
                throw new IllegalStateException("scenario key " + k.path() + " declared twice");
            }
            if (!k.parent().isEmpty() && !CHILDREN.containsKey(k.parent())) {
                throw new IllegalStateException("scenario key " + k.path() + " declared before its mapping");
            }
            CHILDREN.computeIfAbsent(k.parent(), p -> new ArrayList<>()).add(k);
            if (k.type() instanceof Mapping || k.type() instanceof Items) {
                CHILDREN.put(k.childPath(), new ArrayList<>());
            }
            if (k.dflt() != null) {
                try {
                    DEFAULTS.put(k, YAML.readTree(k.dflt()));
                } catch (JsonProcessingException e) {
                    throw new IllegalStateException("default of " + k.path() + " is not YAML", e);
                }
            }
        }
        CHILDREN.replaceAll((p, l) -> List.copyOf(l));
    }

    /** A key with a constant default. */
    private static void add(String path, KeyType type, String unit, String dflt, String meaning) {
        KEYS.add(new Key(path, type, unit, dflt, null, meaning));
    }

    /** A key without a constant default: {@code how} says how its value is found when it is missing. */
    private static void derived(String path, KeyType type, String unit, String how, String meaning) {
        KEYS.add(new Key(path, type, unit, null, how, meaning));
    }

    /** A key that must be given. */
    private static void required(String path, KeyType type, String unit, String meaning) {
        KEYS.add(new Key(path, type, unit, null, null, meaning));
    }

    /** A mapping of further keys; missing, it is empty: every key in it takes its default. */
    private static void mapping(String path, String meaning) {
        KEYS.add(new Key(path, new Mapping(), "", "{}", null, meaning));
    }

    /**
     * Keys that were once part of the schema, with what to do instead: a file that still has one
     * gets this line as its error, not "unknown key".
     */
    private static final Map<String, String> REMOVED = Map.of(
            "copyless.hold-back", "removed: hold-back (claim 12) is a policy of its own now, copyless-holdback;"
                    + " compare runs copyless and copyless-holdback side by side (delete the key)",
            "balancer.scan-period", "removed: the scan period adapts per task as in Linux between scan-period-min"
                    + " (stock 1000ms) and scan-period-max (stock 60000ms), first after scan-delay (stock 1000ms);"
                    + " for a fixed period set all three to it",
            "host.demotion.promote-on-touch", "removed: use host.demotion.promotion: off (false; stock for QEMU's"
                    + " policy=bind), tiering (numa_balancing=2's sampled, rate-limited promotion) or on-touch (true)");

    // ------------------------------------------------------------------ lookups

    /** What to do instead of the removed key at {@code path}, or null if it was never removed. */
    public static String removed(String path) {
        return REMOVED.get(path);
    }

    /** Every key, in the order of the docs (a mapping before its keys). */
    public static List<Key> keys() {
        return Collections.unmodifiableList(KEYS);
    }

    /** The key at {@code path} (list indexes written {@code []}), or null. */
    public static Key key(String path) {
        return BY_PATH.get(path);
    }

    /** The keys allowed in the mapping at {@code path} ({@code ""}: the top), or null if that is no mapping. */
    public static List<Key> children(String path) {
        return CHILDREN.get(path);
    }

    /** The default of {@code k} as a YAML node, read like a value in a file, or null. */
    static JsonNode defaultNode(Key k) {
        return DEFAULTS.get(k);
    }

    /** {@code host.nodes[1].memory} -> {@code host.nodes[].memory}. */
    static String normalise(String path) {
        return path.replaceAll("\\[\\d+\\]", "[]");
    }

    // ------------------------------------------------------------------ docs

    /** The begin and end markers of the generated table in docs/SCENARIO.md. */
    public static final String TABLE_BEGIN = "<!-- scenario keys: generated from ScenarioSchema, checked by "
            + "ScenarioSchemaTest; do not edit by hand -->";
    public static final String TABLE_END = "<!-- end of scenario keys -->";

    /** The key table of docs/SCENARIO.md: one row per key, in declaration order. */
    public static String markdownTable() {
        StringBuilder b = new StringBuilder();
        b.append("| key | type | unit | default | allowed | meaning |\n");
        b.append("| --- | --- | --- | --- | --- | --- |\n");
        for (Key k : KEYS) {
            String dflt = k.type() instanceof Mapping ? "" : k.shownDefault();
            b.append("| `").append(k.path()).append("` | ").append(k.type().doc()).append(" | ").append(k.unit())
                    .append(" | ").append(dflt).append(" | ").append(k.type().rule()).append(" | ")
                    .append(k.meaning().replace("|", "\\|")).append(" |\n");
        }
        return b.toString();
    }
}
