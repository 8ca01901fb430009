package dev.copyless.sim;

import dev.copyless.balancer.BalancingPolicy;
import dev.copyless.balancer.NumaBalancer;
import dev.copyless.clock.CostModel;
import dev.copyless.clock.Engine;
import dev.copyless.guest.GuestVm;
import dev.copyless.guest.Task;
import dev.copyless.guest.TaskScheduler;
import dev.copyless.guest.Vcpu;
import dev.copyless.host.HostMemory;
import dev.copyless.host.Verification;
import dev.copyless.hypervisor.Hypervisor;
import dev.copyless.kernel.DemotionAgent;
import dev.copyless.kernel.HostConfig;
import dev.copyless.kernel.HostNode;
import dev.copyless.kernel.HostNumaScanner;
import dev.copyless.kernel.ModelPageStore;
import dev.copyless.kernel.OffHeapPageStore;
import dev.copyless.kernel.PageStore;
import dev.copyless.kernel.SimulatedHost;
import dev.copyless.metrics.RunMetrics;
import dev.copyless.metrics.RunResult;
import dev.copyless.metrics.VmStat;
import dev.copyless.mm.PageState;
import dev.copyless.scenario.Scenario;
import dev.copyless.swap.SwapDevice;
import dev.copyless.swap.SwapFaults;
import dev.copyless.swap.SwapProfile;
import dev.copyless.trace.TraceFiles;
import dev.copyless.trace.TraceWorkload;
import dev.copyless.workload.HotColdWorkload;
import dev.copyless.workload.PhaseWorkload;
import dev.copyless.workload.SequentialWorkload;
import dev.copyless.workload.UniformWorkload;
import dev.copyless.workload.Workload;
import dev.copyless.workload.ZipfWorkload;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;

/**
 * One run of a scenario under one balancing policy on the simulated host: builds the host,
 * hypervisor, guests, agents, runs the engine for the scenario's duration and returns the
 * results. {@code (scenario, policy) -> RunResult} is a pure function: the same inputs give
 * identical results.
 *
 * <p>In real-bytes mode ({@code host.real-bytes}) the host holds off-heap memory and swap
 * files: {@link #run} verifies every page's content at the end ({@code pages_verified},
 * {@code pages_lost}, {@code lost_pages}) and closes the host, even when the run fails. A
 * simulation that is not run to the end should be closed ({@link #close()}).
 */
public final class Simulation implements AutoCloseable {
    /** Invariant checking after every event: on in tests ({@code -Dcopyless.checks=true}), off otherwise. */
    public static final boolean CHECKS = Boolean.getBoolean("copyless.checks");

    private final Scenario scenario;
    private final BalancingPolicy policy;
    private final Engine engine = new Engine();
    private final RunMetrics metrics;
    private final HostMemory host;
    private final Hypervisor hypervisor;
    private final List<GuestVm> vms = new ArrayList<>();
    private final List<NumaBalancer> balancers = new ArrayList<>();
    private Verification verification;

    /** A run on the simulated host (the embedded default). */
    public Simulation(Scenario s, BalancingPolicy policy) {
        this(s, policy, HostFactory.SIMULATED);
    }

    /**
     * A run on the host {@code backend} builds. The caller closes the simulation (or runs it
     * with {@link #run}, which closes the host when done).
     */
    public Simulation(Scenario s, BalancingPolicy policy, HostFactory backend) {
        this(s, policy, backend, false);
    }

    /**
     * @param threadSafeCounters the run's counters are updated atomically: the host and the
     *                           guests will be driven from several threads (not by {@link #run})
     */
    public Simulation(Scenario s, BalancingPolicy policy, HostFactory backend, boolean threadSafeCounters) {
        this.scenario = s;
        this.policy = policy;
        this.metrics = new RunMetrics(s.durationNs(), s.timeBuckets(), threadSafeCounters);
        CostModel cost = costModel(s);
        host = backend.create(s, cost, metrics.stat, engine);
        if (host instanceof SimulatedHost sh && s.host().nodes().size() > 1) {
            sh.recordLinkLoad(metrics.trackLinks(s.host().nodes().size(), s.host().linkBytesPerSecond()));
        }
        try {
            hypervisor = new Hypervisor(host, cost, metrics.stat, engine::now, s.hypercall().config());
            for (int vi = 0; vi < s.vms().size(); vi++) {
                buildVm(s, vi, cost);
            }
            checkInvariantsAfterEachEvent(CHECKS);
        } catch (RuntimeException | Error e) {
            host.close();
            throw e;
        }
    }

    /** The cost model of a scenario's {@code cost:} section and host distances. */
    static CostModel costModel(Scenario s) {
        Scenario.Cost c = s.cost();
        return new CostModel(s.host().distance(), c.accessLocalNs(), c.accessRemoteNs(), c.pageCopyLocalNs(),
                c.zeroPageNs(), c.eptFaultNs(), c.hintFaultNs(), c.pteUpdateNs(), c.migratePageNs(),
                c.hypercallExitNs(), c.hypercallPageNs(), c.reclaimScanNs(), c.remapPageNs(), c.tlbShootdownNs(),
                c.listInspectNs());
    }

    /** {@link HostFactory#SIMULATED}: the scenario's nodes and swap devices, kswapd, and the demotion agent. */
    static SimulatedHost simulatedHost(Scenario s, CostModel cost, VmStat stat, Engine engine) {
        Scenario.Host h = s.host();
        HostNode[] nodes = new HostNode[h.nodes().size()];
        for (int i = 0; i < nodes.length; i++) {
            Scenario.Node n = h.nodes().get(i);
            nodes[i] = new HostNode(i, n.pages(), n.wmarkMin(), n.wmarkLow(), n.wmarkHigh());
        }
        SwapDevice[] swaps = new SwapDevice[h.swap().size()];
        for (int i = 0; i < swaps.length; i++) {
            Scenario.Swap w = h.swap().get(i);
            swaps[i] = new SwapDevice(i, w.name(), new SwapProfile(w.profile(), w.readNs(), w.writeNs(),
                    w.bytesPerSecond(), w.queueDepth()), w.slots(), w.node());
        }
        HostConfig hc = new HostConfig(h.reclaimBatch(), h.pageCluster(), h.demotionTarget(), h.promotion(),
                h.demotionIntervalNs(), h.demotionBatch(), h.vmaReadahead(), h.linkBytesPerSecond());
        PageStore store = pageStore(h);
        SimulatedHost host;
        try {
            host = new SimulatedHost(nodes, swaps, cost, stat, engine, hc, store, new SwapFaults(s.faults()));
        } catch (RuntimeException | Error e) {
            store.close(); // the off-heap frames and swap files of real-bytes mode
            throw e;
        }
        if (hc.demotionEnabled()) {
            engine.wake(host.demotionAgent(), hc.demotionInterval());
        }
        HostNumaScanner scanner = host.hostNumaScanner();
        if (scanner != null) { // tiering mode: the first pass after numa_balancing_scan_delay_ms, as long as a period
            engine.wake(scanner, hc.promotion().scanPeriodNs());
        }
        return host;
    }

    /** The host's page store: off-heap frames and swap files in real-bytes mode, the no-bytes model otherwise. */
    private static PageStore pageStore(Scenario.Host h) {
        if (!h.realBytes()) {
            return new ModelPageStore();
        }
        int[] frames = h.nodes().stream().mapToInt(Scenario.Node::pages).toArray();
        int[] slots = h.swap().stream().mapToInt(Scenario.Swap::slots).toArray();
        return new OffHeapPageStore(frames, slots);
    }

    /**
     * Turns the O(pages) invariant check after every event on or off for this run (default:
     * {@link #CHECKS}). Large scenarios in tests turn it off and call {@link #checkInvariants()} at the end.
     */
    public Simulation checkInvariantsAfterEachEvent(boolean on) {
        engine.afterEachEvent(on ? () -> {
            metrics.sampleUpTo(engine.now());
            host.observe(engine.now());
            checkInvariants();
        } : () -> {
            metrics.sampleUpTo(engine.now());
            host.observe(engine.now());
        });
        return this;
    }

    /** Checks every invariant of {@link Invariants} now; throws {@link IllegalStateException} on a violation. */
    public void checkInvariants() {
        Invariants.check(host, hypervisor, vms);
    }

    private void buildVm(Scenario s, int vi, CostModel cost) {
        Scenario.Vm spec = s.vms().get(vi);
        int nv = spec.vnodes().size();
        int[] counts = new int[nv];
        int[] hostNodes = new int[nv];
        for (int v = 0; v < nv; v++) {
            counts[v] = spec.vnodes().get(v).pages();
            hostNodes[v] = spec.vnodes().get(v).hostNode();
        }
        int virtualPages = (int) spec.workloadPages();
        int gfns = 0;
        for (int c0 : counts) {
            gfns += c0;
        }
        GuestVm tmp = new GuestVm(vi, spec.name(), counts, hostNodes, virtualPages);
        int id = hypervisor.createVm(gfns, tmp.vnodeStarts(), hostNodes, policy.holdBack());
        if (id != vi) {
            throw new IllegalStateException("hypervisor VM ids out of step");
        }
        GuestVm vm = tmp;
        vms.add(vm);
        Scenario.Balancer sb = s.balancer();
        NumaBalancer b = new NumaBalancer(vm, hypervisor, policy, cost, metrics, sb.scanPeriodMinNs(),
                sb.scanPeriodMaxNs(), sb.scanDelayNs(), sb.scanPages(), sb.faultAround());
        balancers.add(b);
        int cpuId = 0;
        for (int v = 0; v < nv; v++) {
            for (int k = 0; k < spec.vnodes().get(v).vcpus(); k++) {
                Vcpu cpu = new Vcpu(cpuId++, v, vm, host, b, cost, metrics, engine, s.scheduler().quantumNs());
                vm.vcpus().add(cpu);
                engine.wake(cpu, 0);
            }
        }
        int gvpn = 0;
        Map<String, Integer> regionStart = new LinkedHashMap<>();
        for (int ti = 0; ti < spec.tasks().size(); ti++) {
            Scenario.Task ts = spec.tasks().get(ti);
            int start;
            if (ts.sharedRegion() != null && regionStart.containsKey(ts.sharedRegion())) {
                start = regionStart.get(ts.sharedRegion());
            } else {
                start = gvpn;
                gvpn += ts.pages();
                if (ts.sharedRegion() != null) {
                    regionStart.put(ts.sharedRegion(), start);
                }
            }
            Task t = new Task(ti, ts.name(), start, workload(ts), ts.thinkNs(), nv, mix(s.seed(), vi, ti),
                    ts.writeFraction());
            b.initTask(t);
            vm.tasks().add(t);
            Vcpu target = null;
            for (Vcpu cpu : vm.vcpus()) {
                if (cpu.vnode() == ts.vnode() && (target == null || cpu.runQueue().size() < target.runQueue().size())) {
                    target = cpu;
                }
            }
            target.enqueue(t);
        }
        TaskScheduler sched = new TaskScheduler(vm, s.scheduler().intervalNs(), s.scheduler().pattern(),
                mix(s.seed(), vi, -1), metrics.stat);
        engine.wake(sched, s.scheduler().intervalNs());
    }

    /** The access pattern of a task spec. */
    static Workload workload(Scenario.Task ts) {
        return switch (ts.pattern()) {
            case "uniform" -> new UniformWorkload(ts.pages());
            case "sequential" -> new SequentialWorkload(ts.pages());
            case "zipf" -> new ZipfWorkload(ts.pages(), ts.zipfExponent());
            case "phase" -> new PhaseWorkload(ts.pages(), ts.hotFraction(), ts.hotProbability(), ts.phaseNs());
            case "trace" -> TraceWorkload.open(TraceFiles.resolve(java.nio.file.Path.of(ts.trace())), ts.traceThread(),
                    ts.nsPerInstruction() * ts.traceTimeScale());
            default -> new HotColdWorkload(ts.pages(), ts.hotFraction(), ts.hotProbability());
        };
    }

    /** A seed for (vm, task) derived from the scenario seed (SplitMix64 finaliser). */
    static long mix(long seed, int vm, int task) {
        long z = seed + 0x9E3779B97F4A7C15L * (1 + vm * 65_537L + task);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /**
     * Runs to the scenario's duration, verifies every page ({@link SimulatedHost#verifyAll()})
     * and closes the host. {@code progress} receives the virtual time (may be null).
     */
    public RunResult run(LongConsumer progress) {
        try {
            engine.runUntil(scenario.durationNs(), progress);
            for (NumaBalancer b : balancers) {
                for (Vcpu cpu : b.vm().vcpus()) {
                    b.flush(cpu);
                }
            }
            return result(engine.now());
        } finally {
            host.close();
        }
    }

    /**
     * The results at this point with {@code elapsedNs} as the run's time, after the content
     * check of every page ({@link HostMemory#verifyAll}): {@link #run} ends with it, and so
     * does a driver other than {@link #run} (the real threads of {@code ConcurrentRun}); the
     * caller of this method closes the host.
     */
    public RunResult result(long elapsedNs) {
        metrics.sampleRest();
        Map<String, Long> gauges = gauges(); // before the check, which reads (and on Linux faults in) every page
        verification = host.verifyAll();
        gauges.put("pages_verified", verification.verified());
        gauges.put("pages_lost", verification.pagesLost());
        gauges.put("pages_lost_silently", verification.silentlyLost());
        List<Map<String, Object>> lost = new ArrayList<>();
        for (Verification.LostPage p : verification.lost()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("vm", p.vm());
            m.put("gfn", p.gfn());
            m.put("reason", p.reason());
            m.put("detected", p.detected());
            lost.add(m);
        }
        return RunResult.of(policy.key(), metrics, gauges, elapsedNs, lost);
    }

    /** The end-of-run content verification of the last {@link #run}, or null before it. */
    public Verification verification() {
        return verification;
    }

    /** Frees the host's memory and swap files (real-bytes mode); {@link #run} does it itself. Idempotent. */
    @Override
    public void close() {
        host.close();
    }

    /** Runs with no progress reporting. */
    public RunResult run() {
        return run(null);
    }

    private Map<String, Long> gauges() {
        Map<String, Long> g = new LinkedHashMap<>();
        long freedBacked = 0;
        long listed = 0;
        for (GuestVm vm : vms) {
            for (int gfn = 0; gfn < vm.gfns(); gfn++) {
                if (vm.isFree(gfn) && PageState.isResident(host.locate(vm.id(), gfn))) {
                    freedBacked++;
                }
            }
            listed += hypervisor.movedPageList(vm.id()).size();
        }
        g.put("freed_gfns_still_backed", freedBacked);
        g.put("moved_page_list_size", listed);
        host.gauges(g);
        return g;
    }

    public Scenario scenario() {
        return scenario;
    }

    /** The simulated host of this run; {@link IllegalStateException} on another backend. */
    public SimulatedHost host() {
        if (host instanceof SimulatedHost sh) {
            return sh;
        }
        throw new IllegalStateException("this run is not on the simulated host");
    }

    /** The host this run is on, whatever its backend. */
    public HostMemory hostMemory() {
        return host;
    }

    public Hypervisor hypervisor() {
        return hypervisor;
    }

    public List<GuestVm> vms() {
        return vms;
    }

    public Engine engine() {
        return engine;
    }

    public RunMetrics metrics() {
        return metrics;
    }

    public NumaBalancer balancer(int vm) {
        return balancers.get(vm);
    }
}
