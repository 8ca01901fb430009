package dev.copyless.bench;

import dev.copyless.balancer.BalancingPolicy;
import dev.copyless.guest.GuestVm;
import dev.copyless.metrics.Counter;
import dev.copyless.metrics.RunResult;
import dev.copyless.scenario.Scenario;
import dev.copyless.scenario.ScenarioParser;
import dev.copyless.sim.MemoryEstimate;
import dev.copyless.sim.Simulation;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.ref.Reference;
import java.util.Arrays;
import java.util.Locale;
import javax.management.JMException;
import javax.management.ObjectName;

/**
 * Memory footprint of the simulator per simulated guest page: builds a scenario, runs it, and
 * prints the Java heap the simulation holds (heap used after full GCs, minus the heap used before
 * it was built) after the build and after the run, divided by the number of guest pages, next to
 * the figure computed from the per-page primitive arrays ({@link MemoryEstimate}'s figures, the
 * ones the CLI checks a run against):
 *
 * <ul>
 *   <li>per gfn, 11 B: host location word {@code long} (8, {@code GfnLocations}), guest page word
 *       {@code short} (2, allocation state and {@code last_cpupid}, {@code GuestPage}),
 *       moved-page list entry {@code u8} (1, {@code MovedPageList});</li>
 *   <li>per host frame, 4 B: owner {@code int}, the free list linked through it
 *       ({@code OwnerTable} in {@code HostNode});</li>
 *   <li>per swap slot, 8 B: owner {@code int} and swap-cache frame {@code int}; the swap cache's
 *       frame -> slot index ({@code SwapCacheIndex}) grows with the swap cache, up to 22 B per
 *       slot;</li>
 *   <li>per guest virtual page (task footprint), 4 B: the PTE {@code int}; the guest's freed-gfn
 *       stacks ({@code FreeGfns}) grow with the gfns freed after use, up to 4 B per virtual page.</li>
 * </ul>
 *
 * The two structures that grow during a run are printed after it, measured from the objects.
 *
 * <p>Modes:
 * <ul>
 *   <li>no argument, or GiB per vNode (default 32): a 64 GiB guest (a VM of 2 vNodes x 32 GiB =
 *       16 M gfns on a host of 2 nodes x 32 GiB, a 1 GiB swap device, one 64 MiB task), run for
 *       5 virtual ms: the arrays as built;</li>
 *   <li>{@code --pressure [GiB per vNode]} (default 4): the same shape with sequential scans that
 *       fill the guest, so the host reclaims to swap, and tasks exchanged between vNodes every 2 s
 *       for 8 s:
 *       the structures that grow, after churn;</li>
 *   <li>{@code --scenario FILE [--policy KEY]}: any scenario (e.g. {@code examples/host-1tib.yaml}),
 *       its full duration under one policy (default {@code copyless}).</li>
 * </ul>
 *
 * Run: {@code java -cp copyless-bench/target/copyless-benchmarks.jar dev.copyless.bench.FootprintMain}
 * (with {@code -Xmx2g} for the 64 GiB guest; no {@code -Xmx} for the 1 TiB scenario, to show
 * it runs in the default heap). {@code -Dfootprint.histogram=true} also prints the first lines of
 * the class histogram of the heap the simulation holds ({@code jcmd PID GC.class_histogram}).
 */
public final class FootprintMain {
    private FootprintMain() {}

    // the per-page figures the CLI checks a scenario against before it runs (MemoryEstimate)
    static final long PER_GFN = MemoryEstimate.PER_GFN;
    static final long PER_FRAME = MemoryEstimate.PER_FRAME;
    static final long PER_SLOT_ARRAYS = 4 + 4;
    static final long PER_VIRTUAL_PAGE_PTE = 4;

    public static void main(String[] args) {
        Scenario s;
        String policyKey = BalancingPolicy.COPYLESS;
        if (args.length > 0 && args[0].equals("--scenario")) {
            s = BenchScenarios.load(args[1]);
            if (args.length > 3 && args[2].equals("--policy")) {
                policyKey = args[3];
            }
        } else if (args.length > 0 && args[0].equals("--pressure")) {
            s = ScenarioParser.parse(pressureYaml(args.length > 1 ? Integer.parseInt(args[1]) : 4), "pressure scenario");
        } else {
            s = ScenarioParser.parse(idleYaml(args.length > 0 ? Integer.parseInt(args[0]) : 32), "footprint scenario");
        }
        BalancingPolicy policy = BenchScenarios.policy(policyKey, s);
        MemoryEstimate est = MemoryEstimate.of(s);
        long gfns = est.gfns();

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

        long analyticGuest = gfns * PER_GFN;
        long analyticHost = est.frames() * PER_FRAME;
        long analyticSwap = est.slots() * PER_SLOT_ARRAYS;
        long analyticPte = est.virtualPages() * PER_VIRTUAL_PAGE_PTE;
        long analytic = analyticGuest + analyticHost + analyticSwap + analyticPte;
        long freeLists = 0;
        for (GuestVm vm : sim.vms()) {
            freeLists += vm.freeListBytes();
        }
        long swapCacheIndex = sim.host().swapCacheIndexBytes();
        long measured = built - before;
        long measuredRun = afterRun - before;

        System.out.printf(Locale.ROOT, "scenario %s: guest %,d gfns (%.1f GiB), host %,d frames (%.1f GiB), swap %,d slots,"
                        + " task PTEs %,d; policy %s%n", s.name(), gfns, gib(gfns), est.frames(), gib(est.frames()),
                est.slots(), est.virtualPages(), policyKey);
        System.out.printf(Locale.ROOT, "JVM: %s %s, max heap %d MiB, GC %s%n", System.getProperty("java.vm.name"),
                System.getProperty("java.version"), Runtime.getRuntime().maxMemory() >> 20, gcNames());
        System.out.printf(Locale.ROOT, "build: %.0f ms; run of %d virtual ms: %.1f s (%,d guest accesses, %,d pswpout,"
                        + " %,d pswpin, %,d task moves)%n", (t1 - t0) / 1e6, s.durationNs() / 1_000_000, (t3 - t2) / 1e9,
                r.counter(Counter.GUEST_ACCESSES), r.counter(Counter.PSWPOUT), r.counter(Counter.PSWPIN),
                r.counter(Counter.TASK_MOVES));
        System.out.printf(Locale.ROOT, "heap used before build: %.1f MiB%n", before / 1048576.0);
        System.out.printf(Locale.ROOT, "heap held by the simulation after build: %.1f MiB = %.2f B per guest page%n",
                measured / 1048576.0, (double) measured / gfns);
        System.out.printf(Locale.ROOT, "heap held by the simulation after run:   %.1f MiB = %.2f B per guest page%n",
                measuredRun / 1048576.0, (double) measuredRun / gfns);
        System.out.printf(Locale.ROOT, "analytic (arrays as built):              %.1f MiB = %.2f B per guest page%n",
                analytic / 1048576.0, (double) analytic / gfns);
        System.out.printf(Locale.ROOT, "  per gfn %d B x %,d = %.1f MiB (host word 8, guest page word 2, moved-page list 1)%n",
                PER_GFN, gfns, analyticGuest / 1048576.0);
        System.out.printf(Locale.ROOT, "  per host frame %d B x %,d = %.1f MiB (owner and free list)%n",
                PER_FRAME, est.frames(), analyticHost / 1048576.0);
        System.out.printf(Locale.ROOT, "  per swap slot %d B x %,d = %.1f MiB (owner and free list 4, swap-cache frame 4)%n",
                PER_SLOT_ARRAYS, est.slots(), analyticSwap / 1048576.0);
        System.out.printf(Locale.ROOT, "  per guest virtual page %d B x %,d = %.1f MiB (PTE)%n",
                PER_VIRTUAL_PAGE_PTE, est.virtualPages(), analyticPte / 1048576.0);
        System.out.printf(Locale.ROOT, "grown during the run: freed-gfn stacks %.1f MiB (%.2f B per guest page),"
                        + " swap-cache index %.1f MiB (%.2f B per guest page)%n", freeLists / 1048576.0,
                (double) freeLists / gfns, swapCacheIndex / 1048576.0, (double) swapCacheIndex / gfns);
        System.out.printf(Locale.ROOT, "measured after run - analytic: %.1f MiB%n", (measuredRun - analytic) / 1048576.0);
        System.out.printf(Locale.ROOT, "MemoryEstimate (what a run is checked against, growth at its bound): %.1f MiB%n",
                est.heapBytes() / 1048576.0);
        if (Boolean.getBoolean("footprint.histogram")) {
            System.out.println(histogram(12));
        }
        Reference.reachabilityFence(sim);
    }

    private static double gib(long pages) {
        return pages * 4096.0 / (1L << 30);
    }

    /** A guest of 2 vNodes x {@code gib} GiB on a host of the same memory, one small task, 5 virtual ms. */
    static String idleYaml(int gib) {
        return twoNodeYaml("footprint", "5ms", gib, gib * 1024 / 32, 1, """
                      - {name: t0, vnode: 0, footprint: 64MiB, pattern: hot-cold}
                """, "");
    }

    /**
     * The same shape under pressure: on each vNode two sequential scans of half of it fill the
     * guest and so the host (host memory equals guest memory), the host reclaims to a swap device
     * of 1/8 of it, and every 2 s two tasks exchange vNodes, so the guest frees gfns after use and
     * the swap cache fills and drains.
     */
    static String pressureYaml(int gib) {
        String half = gib * 512 + "MiB";
        return twoNodeYaml("footprint-pressure", "8s", gib, gib * 1024 / 8, 2, """
                      - {name: scan0, vnode: 0, footprint: %1$s, pattern: sequential, think: 100ns}
                      - {name: scan1, vnode: 0, footprint: %1$s, pattern: sequential, think: 100ns}
                      - {name: scan2, vnode: 1, footprint: %1$s, pattern: sequential, think: 100ns}
                      - {name: scan3, vnode: 1, footprint: %1$s, pattern: sequential, think: 100ns}
                """.formatted(half), "scheduler: {interval: 2s, pattern: swap}\n");
    }

    /** A host of 2 nodes x {@code gib} GiB, one VM of 2 vNodes x {@code gib} GiB bound 1:1, and an NVMe swap device. */
    private static String twoNodeYaml(String name, String duration, int gib, int swapMib, int vcpus, String tasks,
                                      String tail) {
        return """
                name: %1$s
                seed: 42
                duration: %2$s
                host:
                  nodes:
                    - {id: 0, memory: %3$dGiB}
                    - {id: 1, memory: %3$dGiB}
                  swap:
                    - {name: nvme0, profile: nvme, size: %4$dMiB}
                vms:
                  - name: vm0
                    vnodes:
                      - {id: 0, memory: %3$dGiB, host-node: 0, vcpus: %5$d}
                      - {id: 1, memory: %3$dGiB, host-node: 1, vcpus: %5$d}
                    tasks:
                """.formatted(name, duration, gib, swapMib, vcpus) + tasks + tail;
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

    /** The first {@code lines} lines of the JVM's live-object class histogram ({@code jcmd PID GC.class_histogram}). */
    static String histogram(int lines) {
        try {
            Object out = ManagementFactory.getPlatformMBeanServer().invoke(
                    new ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
                    new Object[] {new String[0]}, new String[] {String[].class.getName()});
            String[] all = out.toString().split("\n");
            return String.join("\n", Arrays.asList(all).subList(0, Math.min(lines, all.length)));
        } catch (JMException e) {
            return "class histogram unavailable: " + e;
        }
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
