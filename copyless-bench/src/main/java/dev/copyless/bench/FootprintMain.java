package dev.copyless.bench;

import dev.copyless.balancer.BalancingPolicy;
import dev.copyless.metrics.Counter;
import dev.copyless.metrics.RunResult;
import dev.copyless.scenario.Scenario;
import dev.copyless.scenario.ScenarioParser;
import dev.copyless.sim.MemoryEstimate;
import dev.copyless.sim.Simulation;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.ref.Reference;
import java.util.Locale;

/**
 * Memory footprint of the simulator per simulated guest page: builds a 64 GiB guest (a VM of
 * 2 vNodes x 32 GiB = 16 M gfns on a host of 2 nodes x 32 GiB and a 1 GiB swap device, one
 * small task), runs it for a few virtual milliseconds, and prints the Java heap the simulation
 * holds (heap used after full GCs, minus the heap used before it was built) divided by the
 * number of guest pages, next to the figure computed from the per-page primitive arrays:
 *
 * <ul>
 *   <li>per gfn, 28 B: host location word {@code long} (8, {@code SimulatedHost} states),
 *       moved-page list entry {@code long} (8, {@code MovedPageList}), guest reverse map
 *       {@code int} (4), {@code last_cpupid} {@code int} (4) and guest free-list stack
 *       {@code int} (4, all three in {@code GuestVm});</li>
 *   <li>per host frame, 12 B: owner {@code long} (8) and free-frame stack {@code int} (4)
 *       ({@code HostNode});</li>
 *   <li>per swap slot, 12 B: owner {@code long} (8) and free-slot stack {@code int} (4)
 *       ({@code SwapDevice});</li>
 *   <li>per guest virtual page (task footprint), 4 B: the PTE {@code int} ({@code GuestVm}).</li>
 * </ul>
 *
 * Run: {@code java -Xmx2g -cp copyless-bench/target/copyless-benchmarks.jar dev.copyless.bench.FootprintMain}
 * (optional argument: GiB per vNode, default 32).
 */
public final class FootprintMain {
    private FootprintMain() {}

    // the per-page figures the CLI checks a scenario against before it runs (MemoryEstimate)
    static final long PER_GFN = MemoryEstimate.PER_GFN;
    static final long PER_FRAME = MemoryEstimate.PER_FRAME;
    static final long PER_SLOT = MemoryEstimate.PER_SLOT;
    static final long PER_VIRTUAL_PAGE = MemoryEstimate.PER_VIRTUAL_PAGE;

    public static void main(String[] args) {
        int gibPerNode = args.length > 0 ? Integer.parseInt(args[0]) : 32;
        String yaml = """
                name: footprint
                seed: 42
                duration: 5ms
                host:
                  nodes:
                    - {id: 0, memory: %1$dGiB}
                    - {id: 1, memory: %1$dGiB}
                  swap:
                    - {name: nvme0, profile: nvme, size: 1GiB}
                vms:
                  - name: vm0
                    vnodes:
                      - {id: 0, memory: %1$dGiB, host-node: 0, vcpus: 1}
                      - {id: 1, memory: %1$dGiB, host-node: 1, vcpus: 1}
                    tasks:
                      - {name: t0, vnode: 0, footprint: 64MiB, pattern: hot-cold}
                """.formatted(gibPerNode);
        Scenario s = ScenarioParser.parse(yaml, "footprint scenario");
        BalancingPolicy policy = BenchScenarios.policy(BalancingPolicy.COPYLESS, s);

        long gfns = s.vms().getFirst().pages();
        long frames = 0;
        for (Scenario.Node n : s.host().nodes()) {
            frames += n.pages();
        }
        long slots = 0;
        for (Scenario.Swap w : s.host().swap()) {
            slots += w.slots();
        }
        long virtualPages = s.workloadPages();

        // load and initialise the classes a build and a run use, so that the baseline holds their static state
        Scenario small = BenchScenarios.load("fits");
        new Simulation(small.withDuration(1_000_000), BenchScenarios.policy(BalancingPolicy.COPYLESS, small)).run();
        long before = usedAfterGc();

        long t0 = System.nanoTime();
        Simulation sim = new Simulation(s, policy);
        long t1 = System.nanoTime();
        long built = usedAfterGc();
        long t2 = System.nanoTime();
        RunResult r = sim.run();
        long t3 = System.nanoTime();
        long afterRun = usedAfterGc();
        Reference.reachabilityFence(sim);

        long analyticGuest = gfns * PER_GFN;
        long analyticHost = frames * PER_FRAME;
        long analyticSwap = slots * PER_SLOT;
        long analyticPte = virtualPages * PER_VIRTUAL_PAGE;
        long analytic = analyticGuest + analyticHost + analyticSwap + analyticPte;
        long measured = built - before;
        long measuredRun = afterRun - before;

        System.out.printf(Locale.ROOT, "guest: %d gfns (%.1f GiB), host: %d frames, swap: %d slots, task PTEs: %d%n",
                gfns, gfns * 4096.0 / (1L << 30), frames, slots, virtualPages);
        System.out.printf(Locale.ROOT, "JVM: %s %s, max heap %d MiB, GC %s%n", System.getProperty("java.vm.name"),
                System.getProperty("java.version"), Runtime.getRuntime().maxMemory() >> 20, gcNames());
        System.out.printf(Locale.ROOT, "build: %.0f ms; run of %d virtual ms: %.0f ms (%d guest accesses)%n",
                (t1 - t0) / 1e6, s.durationNs() / 1_000_000, (t3 - t2) / 1e6, r.counter(Counter.GUEST_ACCESSES));
        System.out.printf(Locale.ROOT, "heap used before build: %.1f MiB%n", before / 1048576.0);
        System.out.printf(Locale.ROOT, "heap held by the simulation after build: %.1f MiB = %.2f B per guest page%n",
                measured / 1048576.0, (double) measured / gfns);
        System.out.printf(Locale.ROOT, "heap held by the simulation after run:   %.1f MiB = %.2f B per guest page%n",
                measuredRun / 1048576.0, (double) measuredRun / gfns);
        System.out.printf(Locale.ROOT, "analytic (arrays only):                  %.1f MiB = %.2f B per guest page%n",
                analytic / 1048576.0, (double) analytic / gfns);
        System.out.printf(Locale.ROOT, "  per gfn %d B x %d = %.1f MiB (host word 8, moved-page list 8, rmap 4, last_cpupid 4, free stack 4)%n",
                PER_GFN, gfns, analyticGuest / 1048576.0);
        System.out.printf(Locale.ROOT, "  per host frame %d B x %d = %.1f MiB (owner 8, free stack 4)%n",
                PER_FRAME, frames, analyticHost / 1048576.0);
        System.out.printf(Locale.ROOT, "  per swap slot %d B x %d = %.1f MiB (owner 8, free stack 4)%n",
                PER_SLOT, slots, analyticSwap / 1048576.0);
        System.out.printf(Locale.ROOT, "  per guest virtual page %d B x %d = %.1f MiB (PTE)%n",
                PER_VIRTUAL_PAGE, virtualPages, analyticPte / 1048576.0);
        System.out.printf(Locale.ROOT, "measured - analytic: %.1f MiB%n", (measured - analytic) / 1048576.0);
        System.out.printf(Locale.ROOT, "MemoryEstimate (what a run is checked against): %.1f MiB%n",
                MemoryEstimate.of(s).heapBytes() / 1048576.0);
        if (Boolean.getBoolean("footprint.histogram")) {
            System.out.println(histogram(20));
        }
        Reference.reachabilityFence(sim);
    }

    /** The first {@code lines} lines of the JVM's live-object class histogram ({@code jcmd PID GC.class_histogram}). */
    static String histogram(int lines) {
        try {
            Object out = ManagementFactory.getPlatformMBeanServer().invoke(
                    new javax.management.ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
                    new Object[] {new String[0]}, new String[] {String[].class.getName()});
            return String.join("\n", java.util.Arrays.asList(out.toString().split("\n")).subList(0, lines));
        } catch (javax.management.JMException e) {
            return "class histogram unavailable: " + e;
        }
    }

    /** Heap used after several full GCs (until the figure stops falling). */
    static long usedAfterGc() {
        MemoryMXBean mx = ManagementFactory.getMemoryMXBean();
        long best = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            System.gc();
            long used = mx.getHeapMemoryUsage().getUsed();
            if (used >= best && i >= 2) {
                return Math.min(best, used);
            }
            best = Math.min(best, used);
        }
        return best;
    }

    private static String gcNames() {
        StringBuilder sb = new StringBuilder();
        for (var gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (!sb.isEmpty()) {
                sb.append(", ");
            }
            sb.append(gc.getName());
        }
        return sb.toString();
    }
}
