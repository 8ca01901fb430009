package dev.copyless.linux;

import static dev.copyless.linux.Syscalls.PAGE_SIZE;

import dev.copyless.mm.Errno;
import dev.copyless.mm.MigrationOrder;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * The ways to carry out a guest's balancing migration of swapped-out gfns {@code A} to free
 * gfns {@code B} on the destination vNode, on real memory and the real swap:
 *
 * <ul>
 *   <li>{@link #naive}: the guest reads A (the kernel swaps it in on A's node) and copies it
 *       into B, as a guest does today (the prior art of the patent's background);
 *   <li>{@link #linuxMove}: A is faulted in and then {@code move_pages}-ed to the destination
 *       node, one page per call or {@link #MOVE_PAGES_BATCH} pages per call: the best a user
 *       has today without the invention;
 *   <li>{@link #copyless}: claim 1's host operation. A's page-table entry (its swap entry) is
 *       moved to B without reading any data ({@link MovePrimitive}: {@code UFFDIO_MOVE}, or
 *       {@code mremap} on kernels before 6.8), contiguous runs in one call; then B is either
 *       left to be swapped in on first touch (claims 2-5, {@link MigrationOrder#MAP_THEN_MIGRATE})
 *       or swapped in at once (claims 6-8, {@link MigrationOrder#MIGRATE_BEFORE_MAP}) with the
 *       batch's reads in flight together ({@link SwapInBatch}). The swap-in lands on B's node
 *       directly, never passing through A's node.
 * </ul>
 *
 * Each returns the bytes of guest data copied by our own code (the kernel's swap I/O and
 * {@code move_pages} copies are measured separately through {@link ProcVmstat}).
 */
public final class MigrationPaths {
    private MigrationPaths() {}

    /** Pages per {@code move_pages} call of the batched linux-move path (as kernel work on move_pages measures it). */
    public static final int MOVE_PAGES_BATCH = 512;

    /** Retries of a {@code UFFDIO_MOVE} that moved nothing with {@code EAGAIN} (a page under migration) before giving up. */
    private static final int MOVE_RETRIES = 16;

    /** The naive path: copy A into B through the guest's memory (reading A swaps it in). Returns bytes copied. */
    public static long naive(GuestRam ram, int[] src, int[] dst, int count) {
        MemorySegment m = ram.segment();
        for (int i = 0; i < count; i++) {
            MemorySegment.copy(m, src[i] * PAGE_SIZE, m, dst[i] * PAGE_SIZE, PAGE_SIZE);
        }
        return count * PAGE_SIZE;
    }

    /**
     * The linux-move path: fault the A pages in on A's node with their reads in flight
     * together, as {@link SwapInBatch} does for copyless ({@code MADV_WILLNEED}, then
     * {@code MADV_POPULATE_READ}: the same host rules for both), and {@code move_pages} them to
     * {@code destNode} ({@code MPOL_MF_MOVE}), {@code pagesPerCall} pages per call (1, or
     * {@link #MOVE_PAGES_BATCH}). The data stays at gfn A. {@code status[i]} gets the node page
     * i is on, or {@code -errno}.
     *
     * @return bytes copied by our code: 0 (the kernel copies when nodes differ)
     */
    public static long linuxMove(GuestRam ram, int[] src, int count, int destNode, int[] status, int pagesPerCall) {
        return linuxMove(ram, src, count, destNode, status, pagesPerCall, null);
    }

    /**
     * {@link #linuxMove(GuestRam, int[], int, int, int[], int)} with {@code afterFaultIn} (may be
     * null) run between the fault-in and the first {@code move_pages}: the demo reads there on
     * which node each swap-in landed.
     */
    public static long linuxMove(GuestRam ram, int[] src, int count, int destNode, int[] status, int pagesPerCall,
                                 Runnable afterFaultIn) {
        if (pagesPerCall < 1) {
            throw new IllegalArgumentException("pagesPerCall " + pagesPerCall);
        }
        forEachRun(src, count, ram::willNeed);
        forEachRun(src, count, ram::populateRead);
        if (afterFaultIn != null) {
            afterFaultIn.run();
        }
        int chunk = Math.min(pagesPerCall, Math.max(1, count));
        long[] addrs = new long[chunk];
        int[] nodes = new int[chunk];
        Arrays.fill(nodes, destNode);
        int[] st = new int[chunk];
        for (int done = 0; done < count; done += chunk) {
            int n = Math.min(chunk, count - done);
            for (int i = 0; i < n; i++) {
                addrs[i] = ram.address(src[done + i]);
            }
            Syscalls.movePages(addrs, n, nodes, st, Syscalls.MPOL_MF_MOVE);
            System.arraycopy(st, 0, status, done, n);
        }
        return 0;
    }

    /**
     * The copyless path for a batch (one hypercall's worth). For each pair whose A the moved-page
     * list shows in swap and whose B it does not (claim 9's inspection; others get
     * {@code -EAGAIN} in {@code status} and are left alone), moves A's page-table entry to B
     * with the guest RAM's {@link MovePrimitive}: the swap entry moves, no data is read, and A
     * is left empty (zero on next touch). Contiguous runs (in the batch's order, within one
     * vNode) go in one call. Under {@code UFFDIO_MOVE} B keeps its own mapping and policy;
     * under {@code mremap} every B run is re-bound {@code MPOL_BIND} to its vNode's node (the
     * moved mapping carried A's policy). With {@code MIGRATE_BEFORE_MAP}, the batch's pages
     * are read in together onto B's node ({@link SwapInBatch}: started at the sources before
     * the moves or at the destinations after them, whichever gives the device longer runs) and
     * B is populated; with {@code MAP_THEN_MIGRATE} nothing is read: the first touch swaps each
     * B in.
     *
     * @return bytes copied by our code: always 0
     */
    public static long copyless(GuestRam ram, MovedPageScanner list, int[] src, int[] dst, int count,
                                MigrationOrder order, int[] status) {
        int[] movedSrc = new int[count];
        int[] movedDst = new int[count];
        long[] slots = new long[count];
        int m = 0;
        for (int k = 0; k < count; k++) {
            status[k] = list.isMoved(src[k]) && !list.isMoved(dst[k]) ? 0 : -Errno.EAGAIN;
            if (status[k] == 0) {
                movedSrc[m] = src[k];
                movedDst[m] = dst[k];
                slots[m++] = slotKey(list.swapType(src[k]), list.swapOffset(src[k]));
            }
        }
        SwapInBatch reads = order == MigrationOrder.MIGRATE_BEFORE_MAP ? SwapInBatch.plan(ram, movedSrc, movedDst, slots, m) : null;
        if (reads != null) {
            reads.beforeMoves();
        }
        int i = 0;
        while (i < count) {
            if (status[i] != 0) {
                i++;
                continue;
            }
            int j = i + 1;
            while (j < count && status[j] == 0 && src[j] == src[j - 1] + 1 && dst[j] == dst[j - 1] + 1
                    && ram.vnodeOf(src[j]) == ram.vnodeOf(src[i]) && ram.vnodeOf(dst[j]) == ram.vnodeOf(dst[i])) {
                j++;
            }
            try {
                moveEntries(ram, src[i], dst[i], j - i);
            } catch (SyscallException e) {
                if (ram.primitive() != MovePrimitive.MREMAP || e.errno() != Errno.EFAULT || j - i == 1) {
                    throw e;
                }
                for (int k = i; k < j; k++) { // mremap: the run spans several mappings: one page at a time
                    moveEntries(ram, src[k], dst[k], 1);
                }
            }
            i = j;
        }
        if (ram.primitive() == MovePrimitive.MREMAP) {
            rebind(ram, movedDst, m);
        }
        if (reads != null) {
            reads.afterMoves();
        }
        return 0;
    }

    /** {@code mremap} only: re-binds the destinations {@code MPOL_BIND} to their vNodes' nodes, one call per run and vNode. */
    private static void rebind(GuestRam ram, int[] dst, int count) {
        int[] sorted = Arrays.copyOf(dst, count);
        Arrays.sort(sorted);
        forEachRun(sorted, count, (g, n) -> {
            int g1 = g;
            while (g1 < g + n) { // split at vNode boundaries
                int v = ram.vnodeOf(g1);
                int end = Math.min(g + n, ram.vnodeStart(v) + ram.vnodePages(v));
                ram.bind(g1, end - g1, ram.vnodeNode(v));
                g1 = end;
            }
        });
    }

    /**
     * A swap slot as one sortable number: {@code type << 38 | offset} (offsets past 2^38 pages,
     * 1 PiB of swap, are clamped: only the order of reads suffers).
     */
    public static long slotKey(int swapType, long swapOffset) {
        return ((long) (swapType & 0x1F) << 38) | Math.min(swapOffset, (1L << 38) - 1);
    }

    private static Boolean dontUnmap;

    /**
     * Moves the page-table entries of {@code count} pages from gfn {@code a} to gfn {@code b}
     * with the guest RAM's primitive; a is left empty (zero on next touch).
     * {@code UFFDIO_MOVE}: one call for the run, continued after a partial move, retried on
     * {@code EAGAIN}; every page of b must be empty ({@code EEXIST} otherwise) and both runs
     * inside one mapping each. {@code mremap}: {@code MREMAP_DONTUNMAP} (Linux 5.7), else a
     * plain move with a fresh mapping put back at a.
     *
     * @throws SyscallException naming the call and its errno when the kernel refuses
     */
    static void moveEntries(GuestRam ram, int a, int b, int count) {
        if (ram.primitive() == MovePrimitive.UFFDIO_MOVE) {
            uffdMove(ram, a, b, count);
            return;
        }
        long len = count * PAGE_SIZE;
        int flags = Syscalls.MREMAP_MAYMOVE | Syscalls.MREMAP_FIXED;
        if (!Boolean.FALSE.equals(dontUnmap)) {
            try {
                Syscalls.mremap(ram.address(a), len, len, flags | Syscalls.MREMAP_DONTUNMAP, ram.address(b));
                dontUnmap = Boolean.TRUE;
                return;
            } catch (SyscallException e) {
                if (e.errno() != Errno.EINVAL || Boolean.TRUE.equals(dontUnmap)) {
                    throw e;
                }
                dontUnmap = Boolean.FALSE; // a kernel older than 5.7
            }
        }
        Syscalls.mremap(ram.address(a), len, len, flags, ram.address(b));
        ram.freshAnonymous(a, count);
    }

    private static void uffdMove(GuestRam ram, int a, int b, int count) {
        Userfaultfd u = ram.userfaultfd();
        long src = ram.address(a);
        long dst = ram.address(b);
        long left = count * PAGE_SIZE;
        ram.address(a + count - 1); // bounds of both runs, before the kernel sees them
        ram.address(b + count - 1);
        int retries = 0;
        while (left > 0) {
            long moved;
            try {
                moved = u.move(dst, src, left, 0);
            } catch (SyscallException e) {
                if (e.errno() == Errno.EAGAIN && ++retries <= MOVE_RETRIES) {
                    continue;
                }
                throw e;
            }
            src += moved;
            dst += moved;
            left -= moved;
        }
    }

    interface RunAction {
        void run(int gfn, int count);
    }

    /** Calls the action once per run of consecutive gfns in {@code gfns[0..count)} (in the given order). */
    static void forEachRun(int[] gfns, int count, RunAction action) {
        int i = 0;
        while (i < count) {
            int j = i + 1;
            while (j < count && gfns[j] == gfns[j - 1] + 1) {
                j++;
            }
            action.run(gfns[i], j - i);
            i = j;
        }
    }
}
