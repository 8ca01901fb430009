package dev.copyless.scenario;

import dev.copyless.hypervisor.HypercallConfig;
import dev.copyless.mm.Promotion;
import dev.copyless.swap.FaultConfig;
import dev.copyless.swap.SwapProfile;
import dev.copyless.trace.TraceWorkload;
import java.util.List;

/**
 * A validated scenario: the host, its VMs and their tasks, the scheduler, the balancer, the
 * copyless options, the cost model, the swap faults to inject and the hypercall channel. Every size is in 4 KiB pages and every time in
 * nanoseconds. Built by {@link ScenarioParser} from YAML; a value of this class is a pure
 * description, so {@code (scenario, seed, policy) -> results} is a pure function.
 */
public record Scenario(String name, long seed, long durationNs, Host host, List<Vm> vms, Scheduler scheduler,
                       Balancer balancer, Copyless copyless, Cost cost, int timeBuckets, FaultConfig faults,
                       Hypercall hypercall) implements java.io.Serializable {

    /** A host NUMA node: frames and watermarks in pages. */
    public record Node(int id, int pages, int wmarkMin, int wmarkLow, int wmarkHigh) implements java.io.Serializable {}

    /**
     * A swap device: profile latencies in ns.
     *
     * @param queueDepth requests in flight at once (0: zram, no device queue)
     * @param node       the device's home NUMA node
     */
    public record Swap(String name, String profile, int slots, long readNs, long writeNs, long bytesPerSecond,
                       int queueDepth, int node) implements java.io.Serializable {
        /** A device with its profile's queue depth, on node 0. */
        public Swap(String name, String profile, int slots, long readNs, long writeNs, long bytesPerSecond) {
            this(name, profile, slots, readNs, writeNs, bytesPerSecond, SwapProfile.defaultQueueDepth(profile), 0);
        }

        /** This device with other latencies and bandwidth (a cost profile's); queue depth and node stay. */
        public Swap withTiming(long read, long write, long bps) {
            return new Swap(name, profile, slots, read, write, bps, queueDepth, node);
        }
    }

    /**
     * @param demotionTarget per node, the node cold pages are demoted to, or -1
     * @param promotion      how demoted pages come back to their pinned node ({@code host.demotion.promotion})
     * @param realBytes      back frames with off-heap memory and swap devices with files, and move real bytes
     * @param vmaReadahead   swap readahead by the faulting VMA's neighbouring pages (Linux's default), else by slot cluster
     * @param linkBytesPerSecond bandwidth of each direction of each link between two nodes
     */
    public record Host(List<Node> nodes, int[][] distance, List<Swap> swap, int reclaimBatch, int pageCluster,
                       int[] demotionTarget, long demotionIntervalNs, int demotionBatch, Promotion promotion,
                       boolean realBytes, boolean vmaReadahead, long linkBytesPerSecond) implements java.io.Serializable {
        /** {@code host.link-bandwidth}'s default: UPI at 10.4 GT/s, 20.8 GB/s per direction. */
        public static final long DEFAULT_LINK_BYTES_PER_SECOND = 20_800_000_000L;

        /** A host with the default link bandwidth. */
        public Host(List<Node> nodes, int[][] distance, List<Swap> swap, int reclaimBatch, int pageCluster,
                    int[] demotionTarget, long demotionIntervalNs, int demotionBatch, Promotion promotion,
                    boolean realBytes, boolean vmaReadahead) {
            this(nodes, distance, swap, reclaimBatch, pageCluster, demotionTarget, demotionIntervalNs, demotionBatch,
                    promotion, realBytes, vmaReadahead, DEFAULT_LINK_BYTES_PER_SECOND);
        }

        /** A host with VMA-based swap readahead, Linux's default. */
        public Host(List<Node> nodes, int[][] distance, List<Swap> swap, int reclaimBatch, int pageCluster,
                    int[] demotionTarget, long demotionIntervalNs, int demotionBatch, Promotion promotion,
                    boolean realBytes) {
            this(nodes, distance, swap, reclaimBatch, pageCluster, demotionTarget, demotionIntervalNs, demotionBatch,
                    promotion, realBytes, true);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Host h && nodes.equals(h.nodes) && java.util.Arrays.deepEquals(distance, h.distance)
                    && swap.equals(h.swap) && reclaimBatch == h.reclaimBatch && pageCluster == h.pageCluster
                    && java.util.Arrays.equals(demotionTarget, h.demotionTarget)
                    && demotionIntervalNs == h.demotionIntervalNs && demotionBatch == h.demotionBatch
                    && promotion.equals(h.promotion) && realBytes == h.realBytes && vmaReadahead == h.vmaReadahead
                    && linkBytesPerSecond == h.linkBytesPerSecond;
        }

        @Override
        public int hashCode() {
            return java.util.Objects.hash(nodes, java.util.Arrays.deepHashCode(distance), swap, reclaimBatch,
                    pageCluster, java.util.Arrays.hashCode(demotionTarget), demotionIntervalNs, demotionBatch,
                    promotion, realBytes, vmaReadahead, linkBytesPerSecond);
        }

        @Override
        public String toString() {
            return "Host[nodes=" + nodes + ", distance=" + java.util.Arrays.deepToString(distance) + ", swap=" + swap
                    + ", reclaimBatch=" + reclaimBatch + ", pageCluster=" + pageCluster + ", demotionTarget="
                    + java.util.Arrays.toString(demotionTarget) + ", demotionIntervalNs=" + demotionIntervalNs
                    + ", demotionBatch=" + demotionBatch + ", promotion=" + promotion + ", realBytes="
                    + realBytes + ", vmaReadahead=" + vmaReadahead + ", linkBytesPerSecond=" + linkBytesPerSecond + "]";
        }

        /** This host with real-bytes mode on or off. */
        public Host withRealBytes(boolean on) {
            return new Host(nodes, distance, swap, reclaimBatch, pageCluster, demotionTarget, demotionIntervalNs,
                    demotionBatch, promotion, on, vmaReadahead, linkBytesPerSecond);
        }

        /** This host with other swap devices (a cost profile's latencies and bandwidth). */
        public Host withSwap(List<Swap> devices) {
            return new Host(nodes, distance, devices, reclaimBatch, pageCluster, demotionTarget, demotionIntervalNs,
                    demotionBatch, promotion, realBytes, vmaReadahead, linkBytesPerSecond);
        }
    }

    public record Vnode(int id, int pages, int hostNode, int vcpus) implements java.io.Serializable {}

    /**
     * A guest task and its access pattern.
     *
     * @param pattern        {@code hot-cold}, {@code uniform}, {@code sequential}, {@code zipf},
     *                       {@code phase} or {@code trace}
     * @param hotFraction    share of the footprint that is hot ({@code hot-cold}, {@code phase})
     * @param hotProbability share of accesses that go to the hot set ({@code hot-cold}, {@code phase})
     * @param zipfExponent   Zipf exponent s ({@code zipf})
     * @param phaseNs        how long the hot set stays before moving on ({@code phase})
     * @param sharedRegion   tasks naming the same region map the same guest pages (null: private)
     * @param trace          trace file replayed by this task, an absolute path ({@code trace})
     * @param traceThread    which thread of the trace this task replays ({@code trace})
     * @param thinkNs        compute time between two accesses (not used by {@code trace}: its
     *                       compute time comes from the trace's instruction counts)
     * @param traceTimeScale stretches ({@code > 1}) or compresses a trace's compute time ({@code trace})
     * @param nsPerInstruction compute time per traced instruction before scaling ({@code trace})
     * @param writeFraction  share of the task's accesses that are stores (dirty the page)
     */
    public record Task(String name, int vnode, int pages, String pattern, double hotFraction, double hotProbability,
                       double zipfExponent, long phaseNs, String sharedRegion, String trace, int traceThread,
                       long thinkNs, double traceTimeScale, double nsPerInstruction, double writeFraction) implements java.io.Serializable {
        /**
         * Default share of stores among a synthetic task's accesses: 12 stores to 22 loads in the
         * SPECint instruction mix on 80x86 (Hennessy and Patterson, <i>Computer Architecture: A
         * Quantitative Approach</i>, the ten most frequent 80x86 instructions), 12 / 34.
         */
        public static final double DEFAULT_WRITE_FRACTION = 0.35;

        /** A task with the default write fraction. */
        public Task(String name, int vnode, int pages, String pattern, double hotFraction, double hotProbability,
                    double zipfExponent, long phaseNs, String sharedRegion, String trace, int traceThread,
                    long thinkNs, double traceTimeScale, double nsPerInstruction) {
            this(name, vnode, pages, pattern, hotFraction, hotProbability, zipfExponent, phaseNs, sharedRegion, trace,
                    traceThread, thinkNs, traceTimeScale, nsPerInstruction, DEFAULT_WRITE_FRACTION);
        }

        /** A task with the default trace timing (time scale 1, 0.5 ns per instruction). */
        public Task(String name, int vnode, int pages, String pattern, double hotFraction, double hotProbability,
                    double zipfExponent, long phaseNs, String sharedRegion, String trace, int traceThread,
                    long thinkNs) {
            this(name, vnode, pages, pattern, hotFraction, hotProbability, zipfExponent, phaseNs, sharedRegion, trace,
                    traceThread, thinkNs, 1.0, TraceWorkload.DEFAULT_NS_PER_INSTRUCTION);
        }
    }

    public record Vm(String name, List<Vnode> vnodes, List<Task> tasks) implements java.io.Serializable {
        /** Guest virtual pages of the VM's tasks, a shared region counted once. */
        public long workloadPages() {
            long s = 0;
            java.util.Set<String> seen = new java.util.HashSet<>();
            for (Task t : tasks) {
                if (t.sharedRegion() == null || seen.add(t.sharedRegion())) {
                    s += t.pages();
                }
            }
            return s;
        }

        public int pages() {
            int s = 0;
            for (Vnode v : vnodes) {
                s += v.pages();
            }
            return s;
        }
    }

    /**
     * The guest scheduler's task moves between vNodes.
     *
     * @param pattern {@code round-robin}, {@code random}, {@code pingpong} (the first task back
     *                and forth) or {@code none}
     */
    public record Scheduler(long intervalNs, String pattern, long quantumNs) implements java.io.Serializable {}

    /**
     * Guest automatic NUMA balancing.
     *
     * @param scanPeriodMinNs {@code numa_balancing_scan_period_min_ms}
     * @param scanPeriodMaxNs {@code numa_balancing_scan_period_max_ms}
     * @param scanDelayNs     {@code numa_balancing_scan_delay_ms}
     * @param scanPages       {@code numa_balancing_scan_size_mb}, in pages
     * @param faultAround     pages considered per migrating hinting fault (1 = stock Linux)
     */
    public record Balancer(long scanPeriodMinNs, long scanPeriodMaxNs, long scanDelayNs, int scanPages,
                           int faultAround) implements java.io.Serializable {
        /** A balancer with another fault-around. */
        public Balancer withFaultAround(int pages) {
            return new Balancer(scanPeriodMinNs, scanPeriodMaxNs, scanDelayNs, scanPages, pages);
        }

        /** Nanoseconds as milliseconds for messages. */
        static String ms(long ns) {
            return ns % 1_000_000 == 0 ? ns / 1_000_000 + "ms" : ns + "ns";
        }
    }

    /**
     * The copyless policies' options: request order and pages per hypercall. Hold-back (claim 12)
     * is not an option: it is the policy {@code copyless-holdback}.
     */
    public record Copyless(String order, int batch) implements java.io.Serializable {}

    /**
     * The hypercall channel ({@code hypercall:}, docs/ABI.md): per-VM rate limits in calls and
     * pages per second of virtual time (0 = unlimited) with the bucket depth, how long a guest
     * waits for a lost reply and how often it retries, and the request channel's seeded faults.
     */
    public record Hypercall(long rateLimitCalls, long rateLimitPages, long rateLimitBurstNs, long timeoutNs,
                            int retries, long channelSeed, double dropRate, double duplicateRate,
                            double reorderRate) implements java.io.Serializable {
        /** The section that gives {@code c} (the inverse of {@link #config()}). */
        public static Hypercall of(HypercallConfig c) {
            return new Hypercall(c.rateLimitCalls(), c.rateLimitPages(), c.burstNs(), c.timeoutNs(), c.retries(),
                    c.channelSeed(), c.dropRate(), c.duplicateRate(), c.reorderRate());
        }

        /** The hypervisor's view of these settings. */
        public HypercallConfig config() {
            return new HypercallConfig(rateLimitCalls, rateLimitPages, rateLimitBurstNs,
                    timeoutNs, retries, channelSeed, dropRate, duplicateRate, reorderRate);
        }
    }

    /** Cost model values in ns (see {@link dev.copyless.clock.CostModel}). */
    public record Cost(long accessLocalNs, long accessRemoteNs, long pageCopyLocalNs, long zeroPageNs,
                       long eptFaultNs, long hintFaultNs, long pteUpdateNs, long migratePageNs,
                       long hypercallExitNs, long hypercallPageNs, long reclaimScanNs,
                       long remapPageNs, long tlbShootdownNs, long listInspectNs) implements java.io.Serializable {}

    /** Pages of host memory, all nodes together. */
    public long hostPages() {
        long s = 0;
        for (Node n : host.nodes()) {
            s += n.pages();
        }
        return s;
    }

    /** Swap slots, all devices together. */
    public long swapPages() {
        long s = 0;
        for (Swap w : host.swap()) {
            s += w.slots();
        }
        return s;
    }

    /** Guest pages the tasks of all VMs touch: a shared region counts once. */
    public long workloadPages() {
        long s = 0;
        for (Vm vm : vms) {
            s += vm.workloadPages();
        }
        return s;
    }

    public Scenario withSeed(long newSeed) {
        return new Scenario(name, newSeed, durationNs, host, vms, scheduler, balancer, copyless, cost, timeBuckets, faults, hypercall);
    }

    public Scenario withCopyless(Copyless c) {
        return new Scenario(name, seed, durationNs, host, vms, scheduler, balancer, c, cost, timeBuckets, faults, hypercall);
    }

    public Scenario withDuration(long ns) {
        return new Scenario(name, seed, ns, host, vms, scheduler, balancer, copyless, cost, timeBuckets, faults, hypercall);
    }

    public Scenario withBalancer(Balancer b) {
        return new Scenario(name, seed, durationNs, host, vms, scheduler, b, copyless, cost, timeBuckets, faults, hypercall);
    }

    public Scenario withScheduler(Scheduler sch) {
        return new Scenario(name, seed, durationNs, host, vms, sch, balancer, copyless, cost, timeBuckets, faults, hypercall);
    }

    public Scenario withHost(Host h) {
        return new Scenario(name, seed, durationNs, h, vms, scheduler, balancer, copyless, cost, timeBuckets, faults, hypercall);
    }

    /** This scenario in real-bytes mode ({@code host.real-bytes}) or not. */
    public Scenario withRealBytes(boolean on) {
        return withHost(host.withRealBytes(on));
    }

    public Scenario withCost(Cost c) {
        return new Scenario(name, seed, durationNs, host, vms, scheduler, balancer, copyless, c, timeBuckets, faults, hypercall);
    }

    public Scenario withFaults(FaultConfig f) {
        return new Scenario(name, seed, durationNs, host, vms, scheduler, balancer, copyless, cost, timeBuckets, f, hypercall);
    }

    public Scenario withHypercall(Hypercall h) {
        return new Scenario(name, seed, durationNs, host, vms, scheduler, balancer, copyless, cost, timeBuckets, faults, h);
    }
}
