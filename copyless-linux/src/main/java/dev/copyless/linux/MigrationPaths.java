package dev.copyless.linux;

import static dev.copyless.linux.Syscalls.PAGE_SIZE;

import dev.copyless.mm.MigrationOrder;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * The three ways to carry out a guest's balancing migration of swapped-out gfns {@code A}
 * to free gfns {@code B} on the destination vNode, on real memory and the real swap:
 *
 * <ul>
 *   <li>{@link #naive}: the guest reads A (the kernel swaps it in on A's node) and copies it
 *       into B, as a guest does today (the prior art of the patent's background);
 *   <li>{@link #linuxMove}: A is faulted in and then {@code move_pages}-ed to the destination
 *       node: the best a user has today without the invention;
 *   <li>{@link #copyless}: claim 1's host operation: A's swap entry is moved to B with
 *       {@code mremap} (no data is read), A gets fresh anonymous memory, B is re-bound to its
 *       vNode's node, and B is either left to be swapped in on first touch (claims 2-5,
 *       {@link MigrationOrder#MAP_THEN_MIGRATE}) or populated at once (claims 6-8,
 *       {@link MigrationOrder#MIGRATE_BEFORE_MAP}); the swap-in lands on B's policy node
 *       directly, never passing through A's node.
 * </ul>
 *
 * Each returns the bytes of guest data copied by our own code (the kernel's swap I/O and
 * {@code move_pages} copies are measured separately through {@link VmStat}).
 */
public final class MigrationPaths {
    private MigrationPaths() {}

    /** The naive path: copy A into B through the guest's memory (reading A swaps it in). Returns bytes copied. */
    public static long naive(GuestRam ram, int[] src, int[] dst, int count) {
        MemorySegment m = ram.segment();
        for (int i = 0; i < count; i++) {
            MemorySegment.copy(m, src[i] * PAGE_SIZE, m, dst[i] * PAGE_SIZE, PAGE_SIZE);
        }
        return count * PAGE_SIZE;
    }

    /**
     * The linux-move path: fault the A pages in ({@code MADV_POPULATE_READ}, on A's node) and
     * {@code move_pages} them to {@code destNode} ({@code MPOL_MF_MOVE}). The data stays at gfn A.
     * {@code status[i]} gets the node page i is on, or {@code -errno}.
     *
     * @return bytes copied by our code: 0 (the kernel copies when nodes differ)
     */
    public static long linuxMove(GuestRam ram, int[] src, int count, int destNode, int[] status) {
        forEachRun(src, count, (g, n) -> ram.populateRead(g, n));
        final int chunk = 4096;
        long[] addrs = new long[Math.min(chunk, count)];
        int[] nodes = new int[addrs.length];
        Arrays.fill(nodes, destNode);
        int[] st = new int[addrs.length];
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
     * list shows in swap (claim 9's inspection; others get {@code -EAGAIN} in {@code status} and
     * are left alone), moves A's page-table entries to B with
     * {@code mremap(MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP)}: the swap entry moves, no
     * data is read, and A is left mapped with fresh anonymous memory (on kernels without
     * {@code MREMAP_DONTUNMAP}, A is re-mapped with {@code mmap(MAP_FIXED)}). Contiguous runs go
     * in one call. Then every B run is {@code mbind}-ed {@code MPOL_BIND} to its vNode's node
     * (the moved mapping carried A's policy), and with {@code MIGRATE_BEFORE_MAP} populated
     * ({@code MADV_POPULATE_READ}: swap-in straight onto B's node).
     *
     * @return bytes copied by our code: always 0
     */
    public static long copyless(GuestRam ram, MovedPageScanner list, int[] src, int[] dst, int count,
                                MigrationOrder order, int[] status) {
        for (int i = 0; i < count; i++) {
            status[i] = list.isMoved(src[i]) && !list.isMoved(dst[i]) ? 0 : -Errno.EAGAIN;
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
                if (e.errno() != Errno.EFAULT || j - i == 1) {
                    throw e;
                }
                for (int k = i; k < j; k++) { // the run spans several mappings: one page at a time
                    moveEntries(ram, src[k], dst[k], 1);
                }
            }
            i = j;
        }
        int[] moved = new int[count];
        int m = 0;
        for (int k = 0; k < count; k++) {
            if (status[k] == 0) {
                moved[m++] = dst[k];
            }
        }
        int[] sorted = Arrays.copyOf(moved, m);
        Arrays.sort(sorted);
        forEachRun(sorted, m, (g, n) -> {
            int g1 = g;
            while (g1 < g + n) { // split at vNode boundaries
                int v = ram.vnodeOf(g1);
                int end = Math.min(g + n, ram.vnodeStart(v) + ram.vnodePages(v));
                ram.bind(g1, end - g1, ram.vnodeNode(v));
                g1 = end;
            }
        });
        if (order == MigrationOrder.MIGRATE_BEFORE_MAP) {
            // in the batch's order (the guest lists its pages in swap-slot order when it can): with
            // one mapping per moved page the kernel's VMA-based swap readahead stops at the page, so
            // the order of these reads is the order the device sees
            forEachRun(moved, m, ram::populateRead);
        }
        return 0;
    }

    private static Boolean dontUnmap;

    /** Moves the page-table entries of {@code count} pages from gfn {@code a} to gfn {@code b}; a keeps fresh memory. */
    static void moveEntries(GuestRam ram, int a, int b, int count) {
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
