package dev.copyless.linux;

import dev.copyless.hypervisor.HypercallAbi;
import dev.copyless.hypervisor.MovedPageList;
import dev.copyless.hypervisor.MovedPageListView;
import dev.copyless.scenario.CostProfile;
import dev.copyless.scenario.ScenarioException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

/**
 * {@code copyless calibrate}: measures on the host where it runs the operations the simulated
 * host's cost model charges, each as a median with its 10th and 90th percentiles over
 * repetitions, and derives a cost-model profile from them ({@link #profile}). Every figure is
 * per 4 KiB page and includes the FFM downcall's own few tens of nanoseconds.
 *
 * <ul>
 *   <li>swap: the QD1 swap-in (one page paged out cold, then touched: the major fault), the
 *       swap-in of a batch in flight together ({@code MADV_WILLNEED} + {@code MADV_POPULATE_READ}),
 *       and the swap-out of a batch ({@code MADV_PAGEOUT}, then until {@code nr_writeback} is 0);</li>
 *   <li>a first-touch anonymous fault (fault, zeroing, mapping), a 4 KiB {@code clear_page} and
 *       a 4 KiB copy between cold pages (local; remote when the host has two nodes);</li>
 *   <li>remap per page: {@code UFFDIO_MOVE} and {@code mremap}, one call over N pages and one
 *       call per scattered page, of resident and of swapped pages;</li>
 *   <li>{@code move_pages} per page, one page per call and N pages per call (to the same node on
 *       a one-node host: the system call's own path);</li>
 *   <li>a TLB shootdown: {@code munmap} of one touched page while another thread of this process
 *       runs on the other CPU (an IPI flush) against the same with no such thread;</li>
 *   <li>the guest's lookup of one gfn in the moved-page list ({@link MovedPageListView#isMoved},
 *       our own code, after JIT warm-up).</li>
 * </ul>
 *
 * The hypercall exit cannot be measured on a host without VMX (this PVM machine): the profile
 * takes a published figure, {@link #HYPERCALL_EXIT_NS}, and says so.
 */
public final class Calibration {
    private Calibration() {}

    private static final long PAGE = Syscalls.PAGE_SIZE;

    /**
     * kvm-unit-tests {@code x86/vmexit.c}, test {@code vmcall}: 1,559 cycles on a Skylake-SP
     * server (Wanpeng Li, "[PATCH] KVM: VMX: Micro-optimize vmexit time when not exposing PMU",
     * kvm@vger.kernel.org, 12 March 2020), at a 2.1 GHz Skylake-SP base clock: 742 ns.
     */
    public static final long HYPERCALL_EXIT_NS = 742;
    public static final String HYPERCALL_EXIT_SOURCE = "published, not measured here (no VMX on this host): kvm-unit-tests"
            + " vmexit 'vmcall' 1,559 cycles on Skylake-SP (W. Li, kvm@vger.kernel.org, 2020-03-12) at 2.1 GHz";

    /** The smallest and largest {@code --pages}. */
    public static final int MIN_PAGES = 64;
    public static final int MAX_PAGES = 65_536;

    /** One measured quantity: nanoseconds per page unless {@code unit} says otherwise. */
    public record Figure(String key, String what, double median, double p10, double p90, int samples, String unit,
                         String note) {
        static Figure of(String key, String what, double[] samples, String note) {
            double[] s = samples.clone();
            Arrays.sort(s);
            return new Figure(key, what, pct(s, 50), pct(s, 10), pct(s, 90), s.length, "ns", note);
        }

        static Figure unmeasured(String key, String what, String why) {
            return new Figure(key, what, Double.NaN, Double.NaN, Double.NaN, 0, "ns", why);
        }

        public boolean measured() {
            return samples > 0;
        }
    }

    /** What one run measured, on which host, and the profile derived from it. */
    public record Result(String date, String kernel, String cpu, int cpus, int[] nodes, int pages, int repeat,
                         List<Figure> figures, CostProfile profile) {
        public Optional<Figure> figure(String key) {
            return figures.stream().filter(f -> f.key().equals(key)).findFirst();
        }
    }

    static double pct(double[] sorted, int p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        double r = p / 100.0 * (sorted.length - 1);
        int lo = (int) Math.floor(r);
        int hi = Math.min(sorted.length - 1, lo + 1);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (r - lo);
    }

    /** Checks {@code --pages} and {@code --repeat}: a one-line error otherwise. */
    public static void checkArguments(int pages, int repeat) {
        if (pages < MIN_PAGES || pages > MAX_PAGES) {
            throw new ScenarioException("--pages must be between " + MIN_PAGES + " and " + MAX_PAGES + ", got " + pages);
        }
        if (repeat < 3 || repeat > 1000) {
            throw new ScenarioException("--repeat must be between 3 and 1000 (percentiles need a few samples), got " + repeat);
        }
    }

    /**
     * Measures everything on this host.
     *
     * @throws ScenarioException when swap is unusable here or too small (one line saying why and what to do)
     */
    public static Result run(int pages, int repeat) {
        checkArguments(pages, repeat);
        LinuxHost.swapUnusableReason().ifPresent(r -> {
            throw new ScenarioException(r);
        });
        long need = 2L * pages + 16L * Math.min(pages, 256) + 1024;
        if (LinuxHost.freeSwapPages() < need) {
            throw new ScenarioException("swap is too small: calibrate --pages " + pages + " needs " + need * 4 / 1024
                    + " MiB of free swap and " + LinuxHost.freeSwapPages() * 4 / 1024 + " MiB are free; enable a bigger"
                    + " swap file " + LinuxHost.ENABLE_SWAP_HINT);
        }
        int[] nodes = LinuxHost.onlineNodes();
        List<Figure> f = new ArrayList<>();
        f.add(swapInLatency(Math.min(pages, 256)));
        Figure[] batch = swapBatch(pages, repeat);
        f.addAll(List.of(batch));
        f.add(firstTouch(pages, repeat));
        f.add(clearPage(pages, repeat));
        f.add(copy(pages, repeat, nodes[0]));
        f.add(nodes.length > 1 ? copy(pages, repeat, nodes[1])
                : Figure.unmeasured("copy-4k-remote", "4 KiB copy to another node", "one node on this host"));
        for (MovePrimitive p : primitives()) {
            for (boolean swapped : new boolean[] {false, true}) {
                f.add(remap(p, swapped, false, pages, repeat));
                f.add(remap(p, swapped, true, Math.min(pages, p == MovePrimitive.MREMAP ? 4096 : pages), repeat));
            }
        }
        f.add(movePages(pages, repeat, 1, nodes));
        f.add(movePages(pages, repeat, pages, nodes));
        f.addAll(tlbShootdown(Math.max(2000, pages)));
        f.add(listInspect());
        f.add(new Figure("hypercall-exit", "VMCALL round trip", HYPERCALL_EXIT_NS, HYPERCALL_EXIT_NS, HYPERCALL_EXIT_NS, 0,
                "ns", HYPERCALL_EXIT_SOURCE));
        String date = LocalDate.now().toString();
        Result partial = new Result(date, kernel(), cpuModel(), Runtime.getRuntime().availableProcessors(), nodes, pages,
                repeat, f, null);
        return new Result(partial.date(), partial.kernel(), partial.cpu(), partial.cpus(), nodes, pages, repeat, f,
                profile(partial));
    }

    /**
     * The cost-model profile of a run: which measured figure each key takes.
     * <ul>
     *   <li>{@code page-copy-local-ns}, {@code zero-page-ns}: the copy and the clear of a cold 4 KiB page;</li>
     *   <li>{@code hypercall-exit-ns}: {@link #HYPERCALL_EXIT_NS} (published);</li>
     *   <li>{@code ept-fault-ns}: the exit plus the host's fault handling (first-touch fault less its zeroing);</li>
     *   <li>{@code remap-page-ns}: {@code UFFDIO_MOVE} of a scattered swapped page (the copyless primitive;
     *       {@code mremap}'s when the kernel has no {@code UFFDIO_MOVE});</li>
     *   <li>{@code tlb-shootdown-ns}: the shootdown's extra cost over a local flush (at least 0);</li>
     *   <li>{@code list-inspect-ns}: the list lookup, at least 1;</li>
     *   <li>swap {@code read-latency}: the QD1 swap-in less one page's transfer; {@code bandwidth}: the batch
     *       swap-in's; {@code write-latency}: the batch swap-out's time per page less one page's transfer
     *       at the read bandwidth.</li>
     * </ul>
     */
    static CostProfile profile(Result r) {
        Map<String, Long> cost = new LinkedHashMap<>();
        Map<String, String> source = new LinkedHashMap<>();
        String where = "copyless calibrate " + r.date() + ", Linux " + r.kernel() + ", " + r.cpu() + ", " + r.cpus() + " CPUs";
        double copy = med(r, "copy-4k-local");
        double zero = med(r, "clear-page");
        double touch = med(r, "first-touch-fault");
        put(cost, source, "page-copy-local-ns", copy, "copy-4k-local: " + where);
        put(cost, source, "zero-page-ns", zero, "clear-page: " + where);
        put(cost, source, "hypercall-exit-ns", HYPERCALL_EXIT_NS, HYPERCALL_EXIT_SOURCE);
        put(cost, source, "ept-fault-ns", HYPERCALL_EXIT_NS + Math.max(0, touch - zero),
                "hypercall-exit + (first-touch-fault - clear-page): " + where);
        String remapKey = r.figure("remap-uffdio-move-swapped-scattered").filter(Figure::measured).isPresent()
                ? "remap-uffdio-move-swapped-scattered" : "remap-mremap-swapped-scattered";
        put(cost, source, "remap-page-ns", med(r, remapKey), remapKey + ": " + where);
        double ipi = med(r, "munmap-page-ipi") - med(r, "munmap-page-local");
        if (!Double.isNaN(ipi)) {
            put(cost, source, "tlb-shootdown-ns", Math.max(0, ipi), "munmap-page-ipi - munmap-page-local: " + where);
        }
        put(cost, source, "list-inspect-ns", Math.max(1, med(r, "list-inspect")), "list-inspect: " + where);
        double bw = 4096e9 / med(r, "swap-in-batch");
        long transfer = Math.round(4096e9 / bw);
        long read = Math.max(0, Math.round(med(r, "swap-in-qd1")) - transfer);
        long write = Math.max(0, Math.round(med(r, "swap-out-batch")) - transfer);
        cost.values().removeIf(v -> v < 0);
        return new CostProfile(where, cost, source, read, write, Math.round(bw),
                "read-latency: swap-in-qd1 - 4096/bandwidth; bandwidth: swap-in-batch; write-latency: swap-out-batch per page"
                        + " - 4096/bandwidth: " + where);
    }

    private static double med(Result r, String key) {
        return r.figure(key).filter(Figure::measured).map(Figure::median).orElse(Double.NaN);
    }

    private static void put(Map<String, Long> cost, Map<String, String> source, String key, double v, String src) {
        if (!Double.isNaN(v)) {
            cost.put(key, Math.round(v));
            source.put(key, src);
        }
    }

    private static List<MovePrimitive> primitives() {
        return Userfaultfd.moveUnavailableReason().isEmpty()
                ? List.of(MovePrimitive.UFFDIO_MOVE, MovePrimitive.MREMAP) : List.of(MovePrimitive.MREMAP);
    }

    // --- swap -------------------------------------------------------------------------------

    /**
     * One page at a time, 16 pages apart. The whole range is paged out cold and read back (clean
     * pages that keep their slots), then each sampled page alone is paged out again (dropped at
     * once): its neighbours are in memory, so readahead reads nothing but the page itself.
     */
    static Figure swapInLatency(int samples) {
        final int stride = 16;
        try (GuestRam ram = GuestRam.create(samples * stride)) {
            MemorySegment seg = ram.segment();
            ram.populateWrite(0, samples * stride);
            stamp(ram, samples * stride, 0x5EED);
            ram.pageOutCold(0, samples * stride);
            ram.populateRead(0, samples * stride);
            for (int i = 0; i < samples; i++) {
                ram.pageOut(i * stride, 1);
            }
            long before = ProcVmstat.snapshot().pswpin();
            double[] ns = new double[samples];
            long sink = 0;
            for (int i = 0; i < samples; i++) {
                long t0 = System.nanoTime();
                sink += seg.get(ValueLayout.JAVA_LONG, i * stride * PAGE);
                ns[i] = System.nanoTime() - t0;
            }
            long reads = ProcVmstat.snapshot().pswpin() - before;
            check(sink);
            return Figure.of("swap-in-qd1", "swap-in at queue depth 1 (MADV_PAGEOUT cold, then touch: the major fault)",
                    ns, "pswpin +" + reads + " for " + samples + " touches");
        }
    }

    /** The batch swap-in (in flight together) and the batch swap-out, one sample per repetition. */
    static Figure[] swapBatch(int pages, int repeat) {
        double[] in = new double[repeat];
        double[] outSubmit = new double[repeat];
        double[] out = new double[repeat];
        long reads = 0;
        for (int r = 0; r < repeat; r++) {
            try (GuestRam ram = GuestRam.create(pages)) {
                ram.populateWrite(0, pages);
                stamp(ram, pages, r);
                long t0 = System.nanoTime();
                ram.pageOut(0, pages);
                long t1 = System.nanoTime();
                LinuxHost.awaitSwapWriteback(10_000);
                long t2 = System.nanoTime();
                outSubmit[r] = (double) (t1 - t0) / pages;
                out[r] = (double) (t2 - t0) / pages;
                ram.pageOutCold(0, pages);
                long before = ProcVmstat.snapshot().pswpin();
                long t3 = System.nanoTime();
                ram.willNeed(0, pages);
                ram.populateRead(0, pages);
                long t4 = System.nanoTime();
                reads += ProcVmstat.snapshot().pswpin() - before;
                in[r] = (double) (t4 - t3) / pages;
            }
        }
        return new Figure[] {
            Figure.of("swap-in-batch", "swap-in of " + pages + " pages in flight together (MADV_WILLNEED + MADV_POPULATE_READ)",
                    in, "pswpin +" + reads + " for " + (long) pages * repeat + " pages"),
            Figure.of("swap-out-submit", "MADV_PAGEOUT of " + pages + " dirty pages (unmap and submit)", outSubmit, ""),
            Figure.of("swap-out-batch", "swap-out of " + pages + " dirty pages, until nr_writeback is 0 (1 ms polls)", out, ""),
        };
    }

    private static void stamp(GuestRam ram, int pages, long token) {
        MemorySegment seg = ram.segment();
        for (int i = 0; i < pages; i++) {
            seg.set(ValueLayout.JAVA_LONG, i * PAGE, token * 1_000_003L + i);
        }
    }

    // --- fault, clear, copy -----------------------------------------------------------------

    static Figure firstTouch(int pages, int repeat) {
        double[] ns = new double[pages * repeat];
        int k = 0;
        for (int r = 0; r < repeat; r++) {
            long a = Syscalls.mmapAnonymous(0, pages * PAGE, Syscalls.PROT_READ | Syscalls.PROT_WRITE, Syscalls.MAP_PRIVATE);
            try {
                Syscalls.madvise(a, pages * PAGE, Syscalls.MADV_NOHUGEPAGE);
                MemorySegment seg = Syscalls.segment(a, pages * PAGE);
                for (int i = 0; i < pages; i++) {
                    long t0 = System.nanoTime();
                    seg.set(ValueLayout.JAVA_BYTE, i * PAGE, (byte) 1);
                    ns[k++] = System.nanoTime() - t0;
                }
            } finally {
                Syscalls.munmap(a, pages * PAGE);
            }
        }
        return Figure.of("first-touch-fault", "first store to an anonymous page (do_anonymous_page: fault, zeroing, mapping)",
                ns, "");
    }

    /** Pages that do not fit in the last-level cache, so each clear or copy meets cold memory. */
    private static int coldPages(int pages) {
        return Math.max(pages, 16_384); // 64 MiB
    }

    static Figure clearPage(int pages, int repeat) {
        int n = coldPages(pages);
        long a = Syscalls.mmapAnonymous(0, n * PAGE, Syscalls.PROT_READ | Syscalls.PROT_WRITE, Syscalls.MAP_PRIVATE);
        try {
            MemorySegment seg = Syscalls.segment(a, n * PAGE);
            seg.fill((byte) 7);
            double[] ns = new double[repeat];
            for (int r = 0; r < repeat; r++) {
                long t0 = System.nanoTime();
                for (int i = 0; i < n; i++) {
                    seg.asSlice(i * PAGE, PAGE).fill((byte) 0);
                }
                ns[r] = (double) (System.nanoTime() - t0) / n;
            }
            return Figure.of("clear-page", "clear 4 KiB of cold memory (clear_page)", ns, "");
        } finally {
            Syscalls.munmap(a, n * PAGE);
        }
    }

    /** Copies page i of one buffer to page i of another on {@code dstNode}, over 64 MiB. */
    static Figure copy(int pages, int repeat, int dstNode) {
        int n = coldPages(pages);
        int srcNode = LinuxHost.onlineNodes()[0];
        long a = Syscalls.mmapAnonymous(0, n * PAGE, Syscalls.PROT_READ | Syscalls.PROT_WRITE, Syscalls.MAP_PRIVATE);
        long b = Syscalls.mmapAnonymous(0, n * PAGE, Syscalls.PROT_READ | Syscalls.PROT_WRITE, Syscalls.MAP_PRIVATE);
        try {
            Syscalls.mbind(a, n * PAGE, Syscalls.MPOL_BIND, srcNode, 0);
            Syscalls.mbind(b, n * PAGE, Syscalls.MPOL_BIND, dstNode, 0);
            MemorySegment src = Syscalls.segment(a, n * PAGE);
            MemorySegment dst = Syscalls.segment(b, n * PAGE);
            src.fill((byte) 3);
            dst.fill((byte) 4);
            double[] ns = new double[repeat];
            for (int r = 0; r < repeat; r++) {
                long t0 = System.nanoTime();
                for (int i = 0; i < n; i++) {
                    MemorySegment.copy(src, i * PAGE, dst, i * PAGE, PAGE);
                }
                ns[r] = (double) (System.nanoTime() - t0) / n;
            }
            boolean local = dstNode == srcNode;
            return Figure.of(local ? "copy-4k-local" : "copy-4k-remote",
                    "4 KiB copy between cold pages, node " + srcNode + " to node " + dstNode, ns, "");
        } finally {
            Syscalls.munmap(a, n * PAGE);
            Syscalls.munmap(b, n * PAGE);
        }
    }

    // --- remap, move_pages ------------------------------------------------------------------

    /**
     * Moves N source pages (gfns 0..N-1, vNode 0) to empty destinations (vNode 1) with the
     * primitive: one call for the run (contiguous) or one call per page to a shuffled
     * destination (scattered).
     */
    static Figure remap(MovePrimitive p, boolean swapped, boolean scattered, int pages, int repeat) {
        String key = "remap-" + p.key() + "-" + (swapped ? "swapped" : "resident") + "-" + (scattered ? "scattered" : "contiguous");
        List<Double> samples = new ArrayList<>();
        Random rnd = new Random(1);
        for (int r = 0; r < repeat; r++) {
            try (GuestRam ram = GuestRam.create(p, pages, pages)) {
                ram.populateWrite(0, pages);
                stamp(ram, pages, r);
                if (swapped) {
                    ram.pageOutCold(0, pages);
                }
                if (!scattered) {
                    long t0 = System.nanoTime();
                    MigrationPaths.moveEntries(ram, 0, pages, pages);
                    samples.add((double) (System.nanoTime() - t0) / pages);
                } else {
                    int[] perm = permutation(pages, rnd);
                    for (int i = 0; i < pages; i++) {
                        long t0 = System.nanoTime();
                        MigrationPaths.moveEntries(ram, i, pages + perm[i], 1);
                        samples.add((double) (System.nanoTime() - t0));
                    }
                }
            }
        }
        return Figure.of(key, (p == MovePrimitive.UFFDIO_MOVE ? "UFFDIO_MOVE" : "mremap") + " of " + (swapped ? "swapped"
                        : "resident") + " pages, " + (scattered ? "one call per page, shuffled destinations"
                        : "one call for " + pages + " pages"),
                samples.stream().mapToDouble(Double::doubleValue).toArray(), "");
    }

    private static int[] permutation(int n, Random rnd) {
        int[] perm = new int[n];
        for (int i = 0; i < n; i++) {
            perm[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
        return perm;
    }

    /** {@code move_pages} of resident pages, {@code perCall} pages per call, to the other node (or the same one). */
    static Figure movePages(int pages, int repeat, int perCall, int[] nodes) {
        int target = nodes.length > 1 ? nodes[1] : nodes[0];
        List<Double> samples = new ArrayList<>();
        for (int r = 0; r < repeat; r++) {
            try (GuestRam ram = GuestRam.create(pages)) {
                ram.populateWrite(0, pages);
                long[] addrs = new long[perCall];
                int[] tn = new int[perCall];
                int[] st = new int[perCall];
                Arrays.fill(tn, target);
                for (int i = 0; i < pages; i += perCall) {
                    int n = Math.min(perCall, pages - i);
                    for (int j = 0; j < n; j++) {
                        addrs[j] = ram.address(i + j);
                    }
                    long t0 = System.nanoTime();
                    Syscalls.movePages(addrs, n, tn, st, Syscalls.MPOL_MF_MOVE);
                    samples.add((double) (System.nanoTime() - t0) / n);
                }
            }
        }
        String where = nodes.length > 1 ? "to node " + target : "to the node they are on (one node: the system call's path, no copy)";
        return Figure.of(perCall == 1 ? "move-pages-per-page" : "move-pages-batch",
                "move_pages of resident pages, " + perCall + " per call, " + where,
                samples.stream().mapToDouble(Double::doubleValue).toArray(), "");
    }

    // --- TLB shootdown ----------------------------------------------------------------------

    /**
     * {@code munmap} of one touched page on CPU 0, with another thread of this process spinning
     * on CPU 1 (the flush needs an IPI to it) and with none (a local flush).
     */
    static List<Figure> tlbShootdown(int samples) {
        int cpus = Runtime.getRuntime().availableProcessors();
        if (cpus < 2) {
            return List.of(Figure.unmeasured("munmap-page-ipi", "munmap of a page with a thread on the other CPU", "one CPU"),
                    Figure.unmeasured("munmap-page-local", "munmap of a page with no other thread running", "one CPU"));
        }
        long all = cpus >= 64 ? -1L : (1L << cpus) - 1;
        Syscalls.schedSetaffinity(1L);
        try {
            double[] local = munmapSamples(samples);
            Spinner s = new Spinner();
            Thread t = Thread.ofPlatform().daemon().name("calibrate-spinner").start(s);
            try {
                while (!s.running) {
                    Thread.onSpinWait();
                }
                double[] ipi = munmapSamples(samples);
                return List.of(Figure.of("munmap-page-ipi", "munmap of one touched page on CPU 0 while a thread of this process"
                                + " runs on CPU 1 (TLB shootdown by IPI)", ipi, ""),
                        Figure.of("munmap-page-local", "munmap of one touched page on CPU 0, no other thread of this process"
                                + " running (local flush)", local, ""));
            } finally {
                s.stop = true;
                try {
                    t.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        } finally {
            Syscalls.schedSetaffinity(all);
        }
    }

    private static double[] munmapSamples(int samples) {
        double[] ns = new double[samples];
        for (int i = 0; i < samples; i++) {
            long a = Syscalls.mmapAnonymous(0, PAGE, Syscalls.PROT_READ | Syscalls.PROT_WRITE, Syscalls.MAP_PRIVATE);
            Syscalls.segment(a, PAGE).set(ValueLayout.JAVA_BYTE, 0, (byte) 1);
            long t0 = System.nanoTime();
            Syscalls.munmap(a, PAGE);
            ns[i] = System.nanoTime() - t0;
        }
        return ns;
    }

    /** A thread on CPU 1 that keeps this process's mm live there, touching its own memory. */
    private static final class Spinner implements Runnable {
        volatile boolean running;
        volatile boolean stop;
        volatile long sink;

        @Override
        public void run() {
            Syscalls.schedSetaffinity(2L);
            long[] mem = new long[512];
            long s = 0;
            running = true;
            for (int i = 0; !stop; i++) {
                s += mem[i & 511]++;
            }
            sink = s;
        }
    }

    // --- the moved-page list ----------------------------------------------------------------

    /** {@link MovedPageListView#isMoved} over random gfns of a 1 Mi-gfn list, half of them listed. */
    static Figure listInspect() {
        final int gfns = 1 << 20;
        MemorySegment header = new MovedPageList(gfns).segment();
        MemorySegment seg = MemorySegment.ofArray(new long[(int) (header.byteSize() / 8)]);
        MemorySegment.copy(header, 0, seg, 0, header.byteSize());
        long entries = HypercallAbi.LIST_HEADER;
        Random rnd = new Random(7);
        for (int g = 0; g < gfns; g++) {
            if (rnd.nextBoolean()) {
                seg.set(ValueLayout.JAVA_BYTE, entries + g, (byte) 1); // swapped on device 0
            }
        }
        MovedPageListView view = new MovedPageListView(seg);
        int[] probe = new int[1 << 20];
        for (int i = 0; i < probe.length; i++) {
            probe[i] = rnd.nextInt(gfns);
        }
        long hits = 0;
        for (int w = 0; w < 20; w++) { // JIT warm-up
            hits += lookups(view, probe);
        }
        double[] ns = new double[50];
        for (int r = 0; r < ns.length; r++) {
            long t0 = System.nanoTime();
            hits += lookups(view, probe);
            ns[r] = (double) (System.nanoTime() - t0) / probe.length;
        }
        check(hits);
        return Figure.of("list-inspect", "one gfn looked up in the moved-page list (MovedPageListView.isMoved, random gfns of"
                + " 1 Mi, 8 MiB list)", ns, "");
    }

    private static long lookups(MovedPageListView view, int[] probe) {
        long hits = 0;
        for (int g : probe) {
            if (view.isMoved(g)) {
                hits++;
            }
        }
        return hits;
    }

    private static void check(long sink) {
        if (sink == 42) {
            System.err.print(""); // keeps the measured loads from being removed
        }
    }

    // --- the host ---------------------------------------------------------------------------

    static String kernel() {
        try {
            return LinuxHost.readProcFile("/proc/sys/kernel/osrelease").strip();
        } catch (IOException e) {
            return "unknown";
        }
    }

    static String cpuModel() {
        try {
            for (String line : LinuxHost.readProcFile("/proc/cpuinfo").lines().toList()) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).strip();
                }
            }
        } catch (IOException e) {
            return "unknown";
        }
        return "unknown";
    }
}
