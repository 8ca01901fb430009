package dev.copyless.sim;

import dev.copyless.input.BoundedInput;
import dev.copyless.mm.Promotion;
import dev.copyless.scenario.Scenario;
import dev.copyless.scenario.ScenarioException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * What one simulated run of a scenario needs before it starts, computed from the scenario alone,
 * so that a run that cannot fit is refused in one line instead of dying with
 * {@code OutOfMemoryError} after a long build: the Java heap (the per-page primitive arrays,
 * about 15 B per guest page with its host frame; figures checked by {@code FootprintMain},
 * BENCHMARKS.md), and in real-bytes mode the off-heap frames (4 KiB per host frame) and the
 * swap files (4 KiB per slot, sparse, in {@code java.io.tmpdir}).
 *
 * <p>Per-page heap, from the arrays the simulation allocates:
 * <ul>
 *   <li>per gfn, 11 B: host location word {@code long} ({@code GfnLocations}), guest page word
 *       {@code short} (allocation state and {@code last_cpupid}, {@code GuestPage}), moved-page
 *       list entry {@code u8} ({@code MovedPageList}); real bytes add the expected content token,
 *       a {@code long} ({@code ContentShadow}), and tiering mode ({@code host.demotion.promotion:
 *       tiering}) the host NUMA scanner's stamp, an {@code int} ({@code NumaTiering});</li>
 *   <li>per host frame, 4 B: owner {@code int}, the free list linked through it
 *       ({@code OwnerTable} in {@code HostNode});</li>
 *   <li>per swap slot, 8 B: owner {@code int} ({@code OwnerTable} in {@code SwapDevice}) and
 *       swap-cache frame {@code int} ({@code SwapState}), plus at most 22 B for the frame -> slot
 *       index of the swap cache ({@code SwapCacheIndex}: one 8-byte bucket per cached frame, at
 *       least three eighths full after it grows, counted here as if every slot's data were
 *       cached); real bytes add the slot's CRC32C, an {@code int};</li>
 *   <li>per guest virtual page (task footprint), 8 B: the PTE {@code int} ({@code GuestVm}), and
 *       at most 4 B in the guest's freed-gfn stacks ({@code FreeGfns}), which hold only gfns freed
 *       after use: a vNode's gfns are allocated for the pages its tasks map and the balancing
 *       migrations in flight, so about one per task page at most.</li>
 * </ul>
 * plus {@link #BASE_BYTES} per run for everything that does not grow with the pages.
 *
 * @param heapBytes     Java heap one run holds
 * @param offHeapBytes  memory one run allocates outside the heap (real-bytes frames)
 * @param swapFileBytes disk one run's swap files may fill (real bytes; they start sparse)
 */
public record MemoryEstimate(long heapBytes, long offHeapBytes, long swapFileBytes, long gfns, long frames, long slots,
                             long virtualPages) {
    public static final long PER_GFN = 8 + 2 + 1;
    public static final long PER_FRAME = 4;
    public static final long PER_SLOT = 4 + 4 + 22;
    public static final long PER_VIRTUAL_PAGE = 4 + 4;
    public static final long PER_GFN_REAL_BYTES = 8;
    public static final long PER_GFN_TIERING = 4;
    public static final long PER_SLOT_REAL_BYTES = 4;
    /** Heap of one run that does not grow with its pages: histograms, buffers, the engine's queue. */
    public static final long BASE_BYTES = 16L << 20;
    private static final long PAGE = 4096;

    /** The estimate of one run of {@code s}. */
    public static MemoryEstimate of(Scenario s) {
        long gfns = 0;
        long virtualPages = 0;
        for (Scenario.Vm vm : s.vms()) {
            for (Scenario.Vnode v : vm.vnodes()) {
                gfns += v.pages();
            }
            virtualPages += vm.workloadPages();
        }
        long frames = s.hostPages();
        long slots = s.swapPages();
        boolean real = s.host().realBytes();
        boolean tiering = s.host().promotion().mode() == Promotion.Mode.TIERING;
        long heap = BASE_BYTES + gfns * (PER_GFN + (real ? PER_GFN_REAL_BYTES : 0) + (tiering ? PER_GFN_TIERING : 0))
                + frames * PER_FRAME
                + slots * (PER_SLOT + (real ? PER_SLOT_REAL_BYTES : 0)) + virtualPages * PER_VIRTUAL_PAGE;
        return new MemoryEstimate(heap, real ? frames * PAGE : 0, real ? slots * PAGE : 0, gfns, frames, slots,
                virtualPages);
    }

    /**
     * What this machine and JVM offer now.
     *
     * @param heapFree     heap this JVM may still allocate (its maximum minus what is in use)
     * @param heapMax      this JVM's maximum heap
     * @param memAvailable memory the kernel could give this process ({@code MemAvailable}), or -1
     * @param memTotal     the machine's memory ({@code MemTotal}), or -1
     * @param tmpFree      usable bytes where real-bytes swap files go ({@code java.io.tmpdir}), or -1
     * @param tmpDir       that directory, for messages
     */
    public record Limits(long heapFree, long heapMax, long memAvailable, long memTotal, long tmpFree, Path tmpDir) {
        /** The limits of this JVM on this machine, now. */
        public static Limits here() {
            Runtime rt = Runtime.getRuntime();
            long used = rt.totalMemory() - rt.freeMemory();
            Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
            long tmpFree;
            try {
                tmpFree = Files.getFileStore(tmp).getUsableSpace();
            } catch (IOException | RuntimeException e) {
                tmpFree = -1;
            }
            return new Limits(rt.maxMemory() - used, rt.maxMemory(), meminfo("MemAvailable"), meminfo("MemTotal"),
                    tmpFree, tmp);
        }

        /** A {@code /proc/meminfo} field in bytes, or -1 where there is none. */
        static long meminfo(String field) {
            try {
                for (String l : Files.readAllLines(Path.of("/proc/meminfo"))) {
                    if (l.startsWith(field + ":")) {
                        return Long.parseLong(l.substring(field.length() + 1).replace("kB", "").strip()) * 1024;
                    }
                }
            } catch (IOException | RuntimeException e) {
                // not Linux
            }
            return -1;
        }
    }

    /**
     * How many runs of this estimate fit at once, at most {@code wanted}.
     *
     * @param source names the scenario in a refusal ("the default scenario", a file)
     * @return between 1 and {@code wanted}
     * @throws ScenarioException when not even one run fits: one line with the figure and what to do
     */
    public int runsThatFit(int wanted, Limits l, String source) {
        if (heapBytes > l.heapFree()) {
            long suggest = roundUpGiB(heapBytes + Math.max(heapBytes / 4, 256L << 20));
            String more = l.memTotal() > 0 && heapBytes > l.memTotal() * 9 / 10
                    ? "; that is more than this machine's " + BoundedInput.bytes(l.memTotal()) + " of memory:"
                            + " make the scenario smaller"
                    : ": give the JVM more with JAVA_TOOL_OPTIONS=-Xmx" + suggest + "g, or make the scenario smaller";
            throw new ScenarioException(source + ": a run needs about " + BoundedInput.bytes(heapBytes) + " of Java heap ("
                    + pages() + "), and this JVM can use " + BoundedInput.bytes(Math.max(0, l.heapFree())) + " more"
                    + more);
        }
        if (offHeapBytes > 0 && l.memAvailable() >= 0 && offHeapBytes > l.memAvailable()) {
            throw new ScenarioException(source + ": in real-bytes mode a run holds its host frames in memory: "
                    + BoundedInput.bytes(offHeapBytes) + " for " + count(frames) + " frames, and this machine has "
                    + BoundedInput.bytes(l.memAvailable()) + " available: make the host nodes smaller, or run without"
                    + " real bytes");
        }
        if (swapFileBytes > 0 && l.tmpFree() >= 0 && swapFileBytes > l.tmpFree()) {
            throw new ScenarioException(source + ": in real-bytes mode a run backs its swap with files that may grow to "
                    + BoundedInput.bytes(swapFileBytes) + " (" + count(slots) + " slots) in " + l.tmpDir() + ", which has "
                    + BoundedInput.bytes(l.tmpFree()) + " free: make the swap smaller, or point java.io.tmpdir at a"
                    + " larger disk (JAVA_TOOL_OPTIONS=-Djava.io.tmpdir=DIR)");
        }
        int n = (int) Math.max(1, Math.min(wanted, l.heapFree() / Math.max(1, heapBytes)));
        if (offHeapBytes > 0 && l.memAvailable() >= 0) {
            n = (int) Math.max(1, Math.min(n, l.memAvailable() / offHeapBytes));
        }
        if (swapFileBytes > 0 && l.tmpFree() >= 0) {
            n = (int) Math.max(1, Math.min(n, l.tmpFree() / swapFileBytes));
        }
        return n;
    }

    /** "524,288,000 guest pages, 262,144 host frames, 131,072 swap slots". */
    String pages() {
        return count(gfns) + " guest pages, " + count(frames) + " host frames, " + count(slots) + " swap slots";
    }

    private static String count(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    private static long roundUpGiB(long bytes) {
        return (bytes + (1L << 30) - 1) >> 30;
    }
}
