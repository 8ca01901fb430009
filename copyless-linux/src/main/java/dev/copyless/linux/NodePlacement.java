package dev.copyless.linux;

import static dev.copyless.linux.Syscalls.PAGE_SIZE;

/**
 * Where the data of migrated pages really is, read back page by page from the kernel
 * ({@code move_pages} with no target nodes: the node of each present page, {@code -ENOENT} for a
 * swapped or empty one), and what the placement says about a balancing migration from a
 * source node to a destination node (claim 1: the host migrates a moved page from its new
 * source location straight to the destination node):
 *
 * <ul>
 *   <li>{@code pages_on_destination_node}: pages whose data ended on the destination node;
 *   <li>{@code source_node_swapins}: pages the path brought back from swap onto the source node
 *       (the naive path's bring-back; none under copyless, whose swap-in allocates under the
 *       destination's policy);
 *   <li>{@code cross_node_bytes_copied}: bytes copied from a page on one node into a page on
 *       another, by our code (the naive guest copy) or by the kernel (a page migration,
 *       {@code pgmigrate_success}).
 * </ul>
 *
 * Meaningful on a host with at least two nodes whose source and destination differ; on one
 * node every page is on "both". Measurement plumbing; verifies claim 1, implements none.
 */
public final class NodePlacement {
    private NodePlacement() {}

    /** The node of each of {@code gfns[0..count)} (any order), or {@code -errno}: one {@code move_pages} query per 4,096. */
    public static int[] nodesOf(GuestRam ram, int[] gfns, int count) {
        int[] out = new int[count];
        final int chunk = 4096;
        long[] addrs = new long[Math.min(chunk, Math.max(1, count))];
        int[] st = new int[addrs.length];
        for (int done = 0; done < count; done += chunk) {
            int n = Math.min(chunk, count - done);
            for (int i = 0; i < n; i++) {
                addrs[i] = ram.address(gfns[done + i]);
            }
            Syscalls.movePagesQuery(addrs, n, st);
            System.arraycopy(st, 0, out, done, n);
        }
        return out;
    }

    /** The node of one gfn, or {@code -errno}. */
    public static int nodeOf(GuestRam ram, int gfn) {
        int[] st = new int[1];
        Syscalls.movePagesQuery(new long[] {ram.address(gfn)}, 1, st);
        return st[0];
    }

    /** How many of {@code nodes[i]} with {@code select[i]} (all when null) equal {@code node}. */
    public static int countOn(int[] nodes, boolean[] select, int node) {
        int c = 0;
        for (int i = 0; i < nodes.length; i++) {
            if ((select == null || select[i]) && nodes[i] == node) {
                c++;
            }
        }
        return c;
    }

    /**
     * Bytes of the copies {@code from[i] -> to[i]} (nodes of the source and destination page of
     * each copy) that crossed nodes; a page whose node is unknown (negative) counts as not crossing.
     */
    public static long crossNodeCopyBytes(int[] from, int[] to, int count) {
        long c = 0;
        for (int i = 0; i < count; i++) {
            if (from[i] >= 0 && to[i] >= 0 && from[i] != to[i]) {
                c++;
            }
        }
        return c * PAGE_SIZE;
    }

    /**
     * The placement of one path: the three figures above, the source pages that were still in
     * the swap cache when the path began (their swap-in reads nothing and maps the page where
     * it is), and the per-node counters over the path.
     */
    public record PathPlacement(int pagesOnDestinationNode, int sourceNodeSwapins, long crossNodeBytesCopied,
                                int pagesInSwapCacheBefore, NodeVmstat.Snapshot nodeDelta) {}
}
