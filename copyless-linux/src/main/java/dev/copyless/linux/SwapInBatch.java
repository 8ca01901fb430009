package dev.copyless.linux;

import java.util.Arrays;

/**
 * Claims 6-8's data movement for one batch (a hypercall's, or a whole demo path's): the swap-ins
 * of the batch's swapped pages, all in flight together, each landing on its destination's node,
 * then the mapping of every destination. A batch is the pairs (source gfn, destination gfn,
 * swap slot) whose swap entries the primitive moves from source to destination.
 *
 * <p>Reads that go out one at a time wait for the device once per page (queue depth 1); reads
 * submitted together overlap, and reads of adjacent swap slots submitted in one
 * {@code madvise} call are merged by the block layer into one request. So the reads are
 * started with {@code MADV_WILLNEED} (which submits them and returns), in swap-slot order, on
 * whichever side of the move gives the longer runs of adjacent slots at adjacent addresses:
 *
 * <ul>
 *   <li>{@link Side#DESTINATIONS} (the default): after the moves, over the destinations, one
 *       range per run of destinations contiguous in both gfn and slot; a read allocates under
 *       the destination's own policy.
 *   <li>{@link Side#SOURCES}, when the sources form fewer runs (the usual batch: the guest
 *       balances pages that sat together and were swapped out together, towards free pages
 *       wherever its allocator finds them): before the moves, over the source runs, each run
 *       first re-bound {@code MPOL_BIND} to its destinations' node and bound back right after
 *       the call, so that every page is allocated on the destination's node, never on the
 *       source's. The pages wait in the swap cache; the primitive then moves each swap entry
 *       with its swap-cache page ({@code UFFDIO_MOVE} waits for a page whose read is still in
 *       flight). The source's mapping ends as it was: the re-bind splits it on a NUMA host and
 *       the bind back merges it again; on a one-node host it changes nothing.
 * </ul>
 *
 * Then {@code MADV_POPULATE_READ} over the destinations, one call per run in gfn order, maps
 * each page once its read is done. Either side reads each page once, from the swap device into
 * its destination node: one data movement per page. Hold-back (claim 12) is kept: only the
 * batch's own pages are read. Not thread-safe; one batch at a time.
 */
public final class SwapInBatch {
    /** Where the reads are started: see the class comment. */
    public enum Side {
        SOURCES, DESTINATIONS
    }

    private static final int IDX_BITS = 20;

    private final GuestRam ram;
    private final int[] src;
    private final int[] dst;
    private final int n;
    /** Indexes of the pairs in swap-slot order. */
    private final int[] bySlot;
    private final boolean[] skipped;
    private final Side side;

    private SwapInBatch(GuestRam ram, int[] src, int[] dst, long[] slotKeys, int n) {
        if (n > 1 << IDX_BITS) {
            throw new IllegalArgumentException(n + " pages in one batch (at most " + (1 << IDX_BITS) + ")");
        }
        this.ram = ram;
        this.src = src;
        this.dst = dst;
        this.n = n;
        long[] order = new long[n];
        for (int k = 0; k < n; k++) {
            order[k] = (slotKeys[k] << IDX_BITS) | k; // slot keys are below 2^43 (MigrationPaths.slotKey)
        }
        Arrays.sort(order);
        this.bySlot = new int[n];
        for (int k = 0; k < n; k++) {
            bySlot[k] = (int) (order[k] & ((1 << IDX_BITS) - 1));
        }
        this.skipped = new boolean[n];
        this.side = sourceRuns() < destinationRuns() ? Side.SOURCES : Side.DESTINATIONS;
    }

    /** Leaves pair {@code k} out of {@link #afterMoves}: its entry did not move (the kernel refused it). */
    public void skip(int k) {
        skipped[k] = true;
    }

    /**
     * Plans the reads of {@code n} pairs: {@code src[k]} moves to {@code dst[k]}, its data in
     * the swap slot {@code slotKeys[k]} ({@link MigrationPaths#slotKey}). The arrays are read,
     * not copied: keep them unchanged until {@link #afterMoves}.
     */
    public static SwapInBatch plan(GuestRam ram, int[] src, int[] dst, long[] slotKeys, int n) {
        return new SwapInBatch(ram, src, dst, slotKeys, n);
    }

    /** The side the reads are started on. */
    public Side side() {
        return side;
    }

    /** Runs in slot order of sources contiguous in gfn, within one source vNode, towards one destination node. */
    int sourceRuns() {
        int runs = 0;
        for (int k = 0; k < n; k += sourceRunLength(k)) {
            runs++;
        }
        return runs;
    }

    /** Runs in slot order of destinations contiguous in gfn. */
    int destinationRuns() {
        int runs = 0;
        for (int k = 0; k < n; k += destinationRunLength(k)) {
            runs++;
        }
        return runs;
    }

    private int sourceRunLength(int k) {
        int first = bySlot[k];
        int v = ram.vnodeOf(src[first]);
        int node = ram.pinnedNode(dst[first]);
        int len = 1;
        while (k + len < n) {
            int next = bySlot[k + len];
            if (src[next] != src[first] + len || ram.vnodeOf(src[next]) != v || ram.pinnedNode(dst[next]) != node) {
                break;
            }
            len++;
        }
        return len;
    }

    private int destinationRunLength(int k) {
        int first = bySlot[k];
        int len = 1;
        while (k + len < n && dst[bySlot[k + len]] == dst[first] + len) {
            len++;
        }
        return len;
    }

    /**
     * Before the moves: with {@link Side#SOURCES}, starts every read at the sources under the
     * destinations' node (re-bind, {@code MADV_WILLNEED}, bind back); otherwise nothing. A run
     * whose re-bind the kernel refuses is left to be read at its destination.
     */
    public void beforeMoves() {
        if (side != Side.SOURCES) {
            return;
        }
        int[] runGfn = new int[n];
        int[] runLen = new int[n];
        int runs = 0;
        for (int k = 0; k < n; ) {
            int len = sourceRunLength(k);
            int g = src[bySlot[k]];
            try {
                ram.bind(g, len, ram.pinnedNode(dst[bySlot[k]]));
                runGfn[runs] = g;
                runLen[runs++] = len;
            } catch (SyscallException e) {
                // e.g. ENOMEM, out of mappings: this run is read at its destinations after the move
            }
            k += len;
        }
        try {
            ram.willNeed(runGfn, runLen, runs);
        } finally {
            for (int r = 0; r < runs; r++) {
                ram.bind(runGfn[r], runLen[r], ram.pinnedNode(runGfn[r])); // the source vNode's own policy again
            }
        }
    }

    /**
     * After the moves: with {@link Side#DESTINATIONS}, starts every read at the destinations
     * ({@code MADV_WILLNEED} in slot order, up to 1,024 ranges per {@code process_madvise});
     * then, either side, {@code MADV_POPULATE_READ} over the destinations in gfn order, one
     * call per run.
     *
     * @throws SyscallException when a populate fails (the caller narrows it down page by page)
     */
    public void afterMoves() {
        if (side == Side.DESTINATIONS) {
            int[] runGfn = new int[n];
            int[] runLen = new int[n];
            int runs = 0;
            for (int k = 0; k < n; ) {
                int len = destinationRunLength(k);
                int first = k;
                for (int j = k; j < k + len; j++) { // a skipped pair cuts the run
                    if (skipped[bySlot[j]]) {
                        if (j > first) {
                            runGfn[runs] = dst[bySlot[first]];
                            runLen[runs++] = j - first;
                        }
                        first = j + 1;
                    }
                }
                if (k + len > first) {
                    runGfn[runs] = dst[bySlot[first]];
                    runLen[runs++] = k + len - first;
                }
                k += len;
            }
            ram.willNeed(runGfn, runLen, runs);
        }
        int[] moved = new int[n];
        int m = 0;
        for (int k = 0; k < n; k++) {
            if (!skipped[k]) {
                moved[m++] = dst[k];
            }
        }
        Arrays.sort(moved, 0, m);
        MigrationPaths.forEachRun(moved, m, ram::populateRead);
    }
}
