package dev.copyless.bench;

import dev.copyless.balancer.BalancingPolicy;
import dev.copyless.guest.GuestVm;
import dev.copyless.hypervisor.HypercallArea;
import dev.copyless.hypervisor.Hypervisor;
import dev.copyless.hypervisor.MigrationRequest;
import dev.copyless.kernel.SimulatedHost;
import dev.copyless.metrics.Counter;
import dev.copyless.metrics.RunResult;
import dev.copyless.mm.Errno;
import dev.copyless.mm.MigrationOrder;
import dev.copyless.mm.PageState;
import dev.copyless.scenario.Scenario;
import dev.copyless.sim.Simulation;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Balancing migrations per second of wall-clock time, naive against copyless.
 *
 * <ul>
 *   <li>{@link #simulate}: a whole simulation of the {@code churn} scenario (tasks move between
 *       vNodes every 20 ms under memory pressure, so the guest balancer migrates pages all the
 *       time, many of them swapped out by the host). Primary score: runs per second. Secondary
 *       scores: {@code migrations} = {@code numa_pages_migrated} per second, and
 *       {@code movedPages} = {@code balanced_moved_pages} (migrations of pages the host had
 *       moved) per second.</li>
 *   <li>{@link #hypercallMigrate}: the copyless host path alone, one
 *       {@code KVM_HC_COPYLESS_MIGRATE} of {@value #BATCH} swapped-out pages
 *       (encoding into the vCPU's shared area, {@link Hypervisor#hypercall}: decoding and validation of
 *       the binary block, {@code SimulatedHost.migratePages}, the reply,
 *       moved-page list updates, frame allocation, swap slot release), in either order. Score:
 *       pages per second.</li>
 *   <li>{@link #naiveHostCopy}: the naive host path for the same pages, {@code SimulatedHost.copy}
 *       of a swapped source gfn into a fresh destination gfn (swap-in to the source node with
 *       readahead, zero-fill of the destination, node-to-node copy). Score: pages per second.</li>
 * </ul>
 *
 * The two micro benchmarks ping-pong {@value #BATCH} pages between vNode 0 and vNode 1 of an
 * unrun simulation; a per-invocation setup (not measured) swaps the migrated pages out again
 * so that every call sees swapped-out sources, and checks every page was migrated.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(1)
public class BalancingMigrationBenchmark {
    /** Pages per hypercall in the micro benchmarks: the default {@code copyless.batch}. */
    public static final int BATCH = 16;

    /** A whole simulation of a balancing-heavy scenario. */
    @State(Scope.Thread)
    public static class Run {
        @Param({BalancingPolicy.NAIVE, BalancingPolicy.COPYLESS_HOLDBACK})
        public String policy;

        /** {@code churn}, {@code default}, {@code fits} or a scenario file. */
        @Param({"churn"})
        public String scenario;

        Scenario spec;
        BalancingPolicy balancing;
        Simulation sim;

        @Setup(Level.Trial)
        public void load() {
            spec = BenchScenarios.load(scenario);
            balancing = BenchScenarios.policy(policy, spec);
        }

        @Setup(Level.Invocation)
        public void build() {
            sim = new Simulation(spec, balancing);
        }
    }

    /** Migrations simulated, reported per second of measured time. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Migrations {
        /** {@code numa_pages_migrated}. */
        public long migrations;
        /** {@code balanced_moved_pages}: migrations whose source the host had moved. */
        public long movedPages;

        @Setup(Level.Iteration)
        public void reset() {
            migrations = 0;
            movedPages = 0;
        }
    }

    @Benchmark
    public RunResult simulate(Run run, Migrations counters) {
        RunResult r = run.sim.run();
        counters.migrations += r.counter(Counter.NUMA_PAGES_MIGRATED);
        counters.movedPages += r.counter(Counter.BALANCED_MOVED_PAGES);
        return r;
    }

    /**
     * {@value #BATCH} pages of vNode 0 and {@value #BATCH} of vNode 1 in an unrun simulation of
     * the {@code fits} scenario (plenty of free frames and swap slots, so no reclaim runs and
     * every call does the same work). {@link #src} holds swapped-out pages, {@link #dst} free
     * gfns of the other vNode; after each call the two swap roles.
     */
    public abstract static class Pages {
        SimulatedHost host;
        Hypervisor hypervisor;
        int vm;
        GuestVm guest;
        int[] src = new int[BATCH];
        int[] dst = new int[BATCH];
        int dstVnode;
        /** Whether the measured method has run since the last re-seed. */
        boolean called;

        /** Builds the simulation under {@code policy} (which decides hold-back) and swaps the first sources out. */
        void build(String policy) {
            Scenario s = BenchScenarios.load("fits");
            Simulation sim = new Simulation(s, BenchScenarios.policy(policy, s));
            host = sim.host();
            hypervisor = sim.hypervisor();
            GuestVm g = sim.vms().get(0);
            vm = g.id();
            guest = g;
            for (int i = 0; i < BATCH; i++) {
                src[i] = g.vnodeStart(0) + i;
                dst[i] = g.vnodeStart(1) + i;
                host.populate(vm, src[i]);
            }
            dstVnode = 1;
            swapOutSources();
        }

        /** Makes every source page swapped out (pages left resident by the last call go to swap). */
        void swapOutSources() {
            for (int gfn : src) {
                if (PageState.isResident(host.locate(vm, gfn)) && host.pageOut(vm, gfn) < 0) {
                    throw new IllegalStateException("swap full");
                }
                if (!PageState.isSwapped(host.locate(vm, gfn))) {
                    throw new IllegalStateException("gfn " + gfn + " is " + PageState.describe(host.locate(vm, gfn)));
                }
            }
        }

        /** After a call: the destinations now hold the data; they become the next sources. */
        void swapRoles() {
            int[] t = src;
            src = dst;
            dst = t;
            dstVnode = 1 - dstVnode;
            swapOutSources();
        }
    }

    /** The copyless VM (hold-back on) and its hypercall block; re-seeded before every call. */
    @State(Scope.Thread)
    public static class HypercallPages extends Pages {
        /** {@code migrate-before-map} (claims 6-8) or {@code map-then-migrate} (claims 2-5). */
        @Param({"migrate-before-map", "map-then-migrate"})
        public String order;

        MigrationOrder migrationOrder;
        final MigrationRequest request = new MigrationRequest();
        final HypercallArea area = new HypercallArea();
        long seq;
        int dstHostNode;

        @Setup(Level.Trial)
        public void setUp() {
            migrationOrder = MigrationOrder.fromKey(order);
            build(BalancingPolicy.COPYLESS_HOLDBACK);
        }

        /**
         * Not measured: checks the last call migrated every page, swaps the roles (swapping the
         * new sources out) and fills the hypercall block with the next (src, dst) pairs.
         */
        @Setup(Level.Invocation)
        public void reseed() {
            if (called) {
                for (int i = 0; i < BATCH; i++) {
                    if (request.status[i] != Errno.OK) {
                        throw new IllegalStateException("hypercall refused page " + i + ": " + request.status[i]);
                    }
                }
                swapRoles();
            }
            request.clear();
            request.dstVnode = dstVnode;
            dstHostNode = guest.hostNodeOf(dstVnode);
            request.order = migrationOrder;
            for (int i = 0; i < BATCH; i++) {
                request.add(src[i], dst[i], 0, PageState.SWAPPED);
            }
            called = true;
        }
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long hypercallMigrate(HypercallPages p) {
        return p.area.call(p.hypervisor.channel(), p.vm, ++p.seq, p.request, p.dstHostNode);
    }

    /** The naive VM (no hold-back, so swap readahead runs as in a naive run); re-seeded before every call. */
    @State(Scope.Thread)
    public static class CopyPages extends Pages {
        @Setup(Level.Trial)
        public void setUp() {
            build(BalancingPolicy.NAIVE);
        }

        /**
         * Not measured: drops the copied sources' backing (making them plain free gfns again)
         * and swaps the roles, swapping the copies out to be the next sources.
         */
        @Setup(Level.Invocation)
        public void reseed() {
            if (called) {
                for (int i = 0; i < BATCH; i++) {
                    host.discard(vm, src[i]);
                }
                swapRoles();
            }
            called = true;
        }
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long naiveHostCopy(CopyPages p) {
        long ns = 0;
        for (int i = 0; i < BATCH; i++) {
            ns += p.host.copy(p.vm, p.src[i], p.dst[i]);
        }
        return ns;
    }
}
