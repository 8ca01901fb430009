package dev.copyless.linux;

import dev.copyless.mm.MigrationOrder;
import dev.copyless.scenario.ScenarioException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The experiment behind {@code copyless linux-demo}: for each path of {@link #PATHS}
 * ({@link MigrationPaths}), a fresh two-vNode guest RAM ({@link GuestRam}), a pattern written
 * into every source page, a forced page-out that leaves the data on the swap device (the
 * host's first migration of claim 1, {@code MADV_PAGEOUT}), the moved-page list built from
 * the pagemap ({@link MovedPageScanner}), then the balancing migration of every swapped
 * source gfn A (vNode 0) to a free gfn B (vNode 1, paired in a seeded shuffled order so no two
 * pairs are contiguous), timed, and verified: every page's content, the node of every
 * destination page ({@code move_pages} query), the deltas of {@code pswpin}, {@code pswpout},
 * {@code pgmajfault}, the bytes copied by our own code, and the number of mappings guest RAM
 * spans before and after the migration ({@link GuestRam#mappings}: unchanged under
 * {@code UFFDIO_MOVE}, one more per scattered page under the {@code mremap} fallback).
 *
 * <p>On a host where the two vNodes are on different nodes, every migrated page's node is read
 * back ({@link NodePlacement}) and each path also reports {@code source_node_swapins} and
 * {@code cross_node_bytes_copied}, with the per-node counters over the path
 * ({@link NodeVmstat}); {@link #placementProblems} holds a result to what claim 1 promises.
 */
public final class LinuxDemo {
    private LinuxDemo() {}

    /**
     * The paths: {@code naive}; {@code linux-move-per-page} and {@code linux-move} (fault-in,
     * then {@code move_pages} one page per call, or {@link MigrationPaths#MOVE_PAGES_BATCH} per
     * call); {@code copyless} (in the order given to {@link #run}).
     */
    public static final List<String> PATHS = List.of("naive", "linux-move-per-page", "linux-move", "copyless");

    /** One path's measurements. */
    public record PathResult(String path, int pages, int pagesSwappedBefore, long elapsedNs, long bytesCopiedByUs,
                             int pagesVerified, int pagesCorrupt, ProcVmstat.Snapshot delta, int pagesOnDestinationNode,
                             int pagesRefused, int movedListedBefore, int movedListedAfter, int mappingsBefore,
                             int mappingsAfter, NodePlacement.PathPlacement placement) {
        public double nsPerPage() {
            return pages == 0 ? 0 : (double) elapsedNs / pages;
        }

        /** The JSON fields, in order. */
        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("ns_per_page", Math.round(nsPerPage() * 10) / 10.0);
            m.put("bytes_copied_by_us", bytesCopiedByUs);
            m.put("pages_verified", pagesVerified);
            m.put("pages_corrupt", pagesCorrupt);
            m.put("pswpin", delta.pswpin());
            m.put("pswpout", delta.pswpout());
            m.put("pgmajfault", delta.pgmajfault());
            m.put("pages_on_destination_node", pagesOnDestinationNode);
            if (placement != null) { // only where source and destination are different nodes
                m.put("source_node_swapins", placement.sourceNodeSwapins());
                m.put("cross_node_bytes_copied", placement.crossNodeBytesCopied());
                m.put("pages_in_swap_cache_before", placement.pagesInSwapCacheBefore());
            }
            m.put("process_majflt", delta.processMajflt());
            m.put("numa_pages_migrated", delta.numaPagesMigrated());
            m.put("pages_swapped_before", pagesSwappedBefore);
            m.put("pages_refused", pagesRefused);
            m.put("moved_pages_listed_before", movedListedBefore);
            m.put("moved_pages_listed_after", movedListedAfter);
            m.put("mappings_before", mappingsBefore);
            m.put("mappings_after", mappingsAfter);
            m.put("elapsed_ns", elapsedNs);
            return m;
        }

        /** {@link #toMap} and, on a multi-node host, the per-node counters over the path ({@code node_counters}). */
        public Map<String, Object> toJson() {
            Map<String, Object> m = toMap();
            if (placement != null) {
                m.put("node_counters", placement.nodeDelta().toMap());
            }
            return m;
        }
    }

    /**
     * What a run on two nodes must show (claim 1 on a real kernel), as one line per problem;
     * empty when all holds: every path verified every page and none is corrupt; every page of
     * every path on the destination node; copyless refused none, swapped none in on the source
     * node and copied nothing across; naive and linux-move swapped every page in on the source
     * node and copied every page across once (the guest's copy, or the kernel's migration).
     */
    public static List<String> placementProblems(Result r) {
        List<String> out = new ArrayList<>();
        if (r.sourceNode() == r.destinationNode()) {
            out.add("vNodes 0 and 1 are both on node " + r.sourceNode() + ": nothing crosses nodes on this host");
            return out;
        }
        int n = r.pages();
        for (PathResult p : r.paths().values()) {
            String k = p.path();
            if (p.pagesCorrupt() != 0 || p.pagesVerified() != 2 * n) {
                out.add(k + ": " + p.pagesVerified() + " of " + 2 * n + " pages verified, " + p.pagesCorrupt() + " corrupt");
            }
            if (p.pagesOnDestinationNode() != n) {
                out.add(k + ": " + p.pagesOnDestinationNode() + " of " + n + " pages on the destination node " + r.destinationNode());
            }
            if (p.placement() == null) {
                out.add(k + ": no placement read back");
                continue;
            }
            int swapins = p.placement().sourceNodeSwapins();
            long cross = p.placement().crossNodeBytesCopied();
            if (k.equals("copyless")) {
                if (p.pagesRefused() != 0) {
                    out.add(k + ": " + p.pagesRefused() + " pages refused");
                }
                if (swapins != 0) {
                    out.add(k + ": " + swapins + " swap-ins on the source node " + r.sourceNode() + " (expected none)");
                }
                if (cross != 0) {
                    out.add(k + ": " + cross + " bytes copied across nodes (expected none)");
                }
            } else {
                if (swapins != n) {
                    out.add(k + ": " + swapins + " swap-ins on the source node " + r.sourceNode() + " (expected one per page, " + n + ")");
                }
                if (cross != (long) n * Syscalls.PAGE_SIZE) {
                    out.add(k + ": " + cross + " bytes copied across nodes (expected one page each, " + (long) n * Syscalls.PAGE_SIZE + ")");
                }
            }
        }
        return out;
    }

    /** The whole demo. */
    public record Result(int pages, int[] nodes, int sourceNode, int destinationNode, String placementNote,
                         MigrationOrder order, boolean shuffled, MovePrimitive primitive, Map<String, PathResult> paths) {}

    /** The most pages a path may move here: 1,048,576, or what vm.max_map_count leaves under the mremap fallback. */
    public static int maxPages() {
        return MovePrimitive.detect().maxScatteredPages(1 << 20);
    }

    /**
     * Checks that swap is usable and big enough, then runs every path of {@link #PATHS}.
     *
     * @throws ScenarioException when it cannot run here (one line saying why and what to do)
     */
    public static Result run(int pages, MigrationOrder order, long seed) {
        return run(pages, order, seed, true);
    }

    /**
     * {@link #run(int, MigrationOrder, long)} with a choice of pairing: {@code shuffled} (a
     * seeded permutation: every copyless move is one page, one mapping of its own) or
     * sequential (A = i to B = N + i: one {@code mremap} moves the whole batch).
     */
    public static Result run(int pages, MigrationOrder order, long seed, boolean shuffled) {
        MovePrimitive primitive = MovePrimitive.detect();
        if (pages < 1 || pages > maxPages()) {
            throw new ScenarioException("--pages must be between 1 and " + maxPages()
                    + (primitive == MovePrimitive.MREMAP ? " (" + primitive.note() + ")" : "") + ", got " + pages);
        }
        LinuxHost.swapUnusableReason().ifPresent(r -> {
            throw new ScenarioException(r);
        });
        long free = LinuxHost.freeSwapPages();
        if (free < pages + 1024L) {
            throw new ScenarioException("swap is too small: " + pages + " pages need " + (pages + 1024L) * 4 / 1024
                    + " MiB of free swap and " + free * 4 / 1024 + " MiB are free; enable a bigger swap file "
                    + LinuxHost.ENABLE_SWAP_HINT);
        }
        warmUp(PATHS, order, seed);
        Map<String, PathResult> out = new LinkedHashMap<>();
        String note = "";
        int src = 0;
        int dst = 0;
        for (String p : PATHS) {
            out.put(p, runPath(p, pages, order, seed, shuffled));
        }
        try (GuestRam probe = GuestRam.create(1, 1)) {
            note = probe.placementNote();
            src = probe.vnodeNode(0);
            dst = probe.vnodeNode(1);
        }
        return new Result(pages, LinuxHost.onlineNodes(), src, dst, note, order, shuffled, primitive, out);
    }

    private static void pause() {
        try {
            Thread.sleep(50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Pages per path of {@link #warmUp}. */
    static final int WARM_UP_PAGES = 2048;

    /**
     * Runs every path twice on {@link #WARM_UP_PAGES} shuffled pages in the swap cache, not
     * reported: the first runs of a JVM pay for class loading, the linkage of every native
     * call and interpreted code (a cold {@code UFFDIO_MOVE} call through FFM costs tens of
     * microseconds, a compiled one under one), which is not the cost of any path. Swap-cache
     * hits make it quick: no device read.
     */
    static void warmUp(List<String> paths, MigrationOrder order, long seed) {
        for (int round = 0; round < 2; round++) {
            for (String p : paths) {
                runPath(p, WARM_UP_PAGES, order, seed + round, true, false);
            }
        }
    }

    /** One path on a fresh guest RAM of two vNodes of {@code pages} pages each. */
    public static PathResult runPath(String path, int pages, MigrationOrder order, long seed) {
        return runPath(path, pages, order, seed, true);
    }

    /** One path, with a shuffled (seeded) or sequential pairing of sources to destinations. */
    public static PathResult runPath(String path, int pages, MigrationOrder order, long seed, boolean shuffled) {
        return runPath(path, pages, order, seed, shuffled, true);
    }

    /**
     * One path, with the sources paged out either so that the next fault reads the swap device
     * ({@code deviceReads}: {@link GuestRam#pageOutCold}) or with one {@code MADV_PAGEOUT}, which
     * leaves them in the swap cache (faults hit it and read nothing). Besides {@link #PATHS},
     * {@code path} may be {@code "raw-swap-in"}: {@code MADV_WILLNEED} and
     * {@code MADV_POPULATE_READ} of the sources in place, the swap-in no migration path can
     * avoid, with its reads in flight together (the data stays at gfn A).
     */
    public static PathResult runPath(String path, int pages, MigrationOrder order, long seed, boolean shuffled,
                                     boolean deviceReads) {
        return runPath(path, pages, order, seed, shuffled, deviceReads, MovePrimitive.detect());
    }

    /** {@link #runPath(String, int, MigrationOrder, long, boolean, boolean)} with a given copyless primitive. */
    public static PathResult runPath(String path, int pages, MigrationOrder order, long seed, boolean shuffled,
                                     boolean deviceReads, MovePrimitive primitive) {
        try (GuestRam ram = GuestRam.create(primitive, pages, pages); MovedPageScanner list = new MovedPageScanner(ram)) {
            int n = pages;
            int[] src = new int[n];
            int[] dst = new int[n];
            int[] perm = new int[n];
            for (int i = 0; i < n; i++) {
                perm[i] = i;
            }
            Random rnd = new Random(seed);
            for (int i = n - 1; i > 0 && shuffled; i--) {
                int j = rnd.nextInt(i + 1);
                int t = perm[i];
                perm[i] = perm[j];
                perm[j] = t;
            }
            long[] expected = new long[ram.gfns()];
            for (int i = 0; i < n; i++) {
                src[i] = i;
                dst[i] = n + perm[i];
                expected[i] = i + 1;
                ram.writePattern(i, expected[i]);
            }
            for (int attempt = 0; attempt < 5; attempt++) {
                ram.drainLruCaches(); // pages still in another CPU's folio batch cannot be paged out
                if (deviceReads) {
                    ram.pageOutCold(0, n);
                } else {
                    ram.pageOut(0, n);
                }
                list.scan();
                if (list.size() == n) {
                    break;
                }
                // a page whose first write is still in flight cannot be dropped yet: let the disk catch up
                // (on a loaded machine writeback lags, so wait for it rather than a fixed pause)
                LinuxHost.awaitSwapWriteback(2_000);
                pause();
            }
            int swappedBefore = list.size();
            int[] status = new int[n];
            int destNode = ram.vnodeNode(1);
            int sourceNode = ram.vnodeNode(0);
            boolean placement = sourceNode != destNode;
            boolean[] wasSwapped = new boolean[n];
            for (int i = 0; i < n; i++) {
                wasSwapped[i] = list.isMoved(src[i]);
            }
            int[][] faultedInOn = new int[1][];
            long[] readBackNs = new long[1];
            Runnable afterFaultIn = !placement ? null : () -> { // linux-move: where did each swap-in land?
                long h = System.nanoTime();
                faultedInOn[0] = NodePlacement.nodesOf(ram, src, n);
                readBackNs[0] += System.nanoTime() - h;
            };
            int mappingsBefore = ram.mappings();
            int inSwapCache = placement ? ram.inSwapCache(0, n).length : 0;

            NodeVmstat.Snapshot nodesBefore = placement ? NodeVmstat.snapshot() : null;
            ProcVmstat.Snapshot before = ProcVmstat.snapshot();
            long t0 = System.nanoTime();
            long bytes = switch (path) {
                case "naive" -> MigrationPaths.naive(ram, src, dst, n);
                case "linux-move-per-page" -> MigrationPaths.linuxMove(ram, src, n, destNode, status, 1, afterFaultIn);
                case "linux-move" -> MigrationPaths.linuxMove(ram, src, n, destNode, status, MigrationPaths.MOVE_PAGES_BATCH,
                        afterFaultIn);
                case "copyless" -> MigrationPaths.copyless(ram, list, src, dst, n, order, status);
                case "raw-swap-in" -> {
                    MigrationPaths.forEachRun(src, n, ram::willNeed);
                    MigrationPaths.forEachRun(src, n, ram::populateRead);
                    yield 0L;
                }
                default -> throw new IllegalArgumentException("unknown path " + path);
            };
            long elapsed = System.nanoTime() - t0 - readBackNs[0];
            ProcVmstat.Snapshot delta = ProcVmstat.snapshot().minus(before);
            NodeVmstat.Snapshot nodeDelta = placement ? NodeVmstat.snapshot().minus(nodesBefore) : null;
            int mappingsAfter = ram.mappings();
            list.scan();
            int listedAfter = list.size();

            int refused = 0;
            int[] destGfns = new int[n];
            int d = 0;
            for (int i = 0; i < n; i++) {
                switch (path) {
                    case "naive" -> {
                        expected[dst[i]] = expected[src[i]]; // A stays backed with its old data (the guest just frees it)
                        destGfns[d++] = dst[i];
                    }
                    case "linux-move", "linux-move-per-page", "raw-swap-in" -> destGfns[d++] = src[i]; // the data stays at gfn A
                    default -> {
                        if (status[i] == 0) {
                            expected[dst[i]] = expected[src[i]];
                            expected[src[i]] = 0; // fresh anonymous memory
                            destGfns[d++] = dst[i];
                        } else {
                            refused++;
                        }
                    }
                }
            }
            int ok = 0;
            int bad = 0;
            for (int g = 0; g < ram.gfns(); g++) {
                if (ram.checkPattern(g, expected[g])) {
                    ok++;
                } else {
                    bad++;
                }
            }
            int onDest = 0;
            int[] nodes = new int[ram.gfns()];
            ram.nodes(0, ram.gfns(), nodes);
            for (int i = 0; i < d; i++) {
                if (nodes[destGfns[i]] == destNode) {
                    onDest++;
                }
            }
            NodePlacement.PathPlacement where = null;
            if (placement) {
                int swapins = 0;
                long crossBytes = delta.pgmigrateSuccess() * Syscalls.PAGE_SIZE; // the kernel's page migrations
                for (int i = 0; i < n; i++) {
                    int landedOn = switch (path) { // the node the swapped-out data came back to
                        case "naive", "raw-swap-in" -> nodes[src[i]];
                        case "linux-move", "linux-move-per-page" -> faultedInOn[0] == null ? -1 : faultedInOn[0][i];
                        default -> status[i] == 0 ? nodes[dst[i]] : -1;
                    };
                    if (wasSwapped[i] && landedOn == sourceNode) {
                        swapins++;
                    }
                    if (path.equals("naive") && nodes[src[i]] >= 0 && nodes[dst[i]] >= 0 && nodes[src[i]] != nodes[dst[i]]) {
                        crossBytes += Syscalls.PAGE_SIZE; // the guest's copy from A's node to B's
                    }
                }
                where = new NodePlacement.PathPlacement(onDest, swapins, crossBytes, inSwapCache, nodeDelta);
            }
            return new PathResult(path, n, swappedBefore, elapsed, bytes, ok, bad, delta, onDest, refused,
                    swappedBefore, listedAfter, mappingsBefore, mappingsAfter, where);
        }
    }
}
