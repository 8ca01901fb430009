package dev.copyless.linux;

import static dev.copyless.linux.Syscalls.PAGE_SIZE;

import java.util.Map;

/**
 * The Linux backend's read-back of where balancing migrations put the data, on a host with at
 * least two online nodes ({@link NodePlacement}: a {@code move_pages} query per page):
 *
 * <ul>
 *   <li>{@code migrated_pages_checked}, {@code migrated_pages_on_destination_node}: copyless
 *       migrations whose data has landed (migrate-before-map: after the batch's swap-in;
 *       map-then-migrate: at the first touch), and how many of them are on the destination's node;
 *   <li>{@code source_node_swapins}: swapped pages that a balancing migration brought back onto
 *       the node being moved away from: the naive balancer's read of a swapped source, or a
 *       copyless migrate-before-map whose swap-in landed on the source's node (a swap-cache hit);
 *   <li>{@code cross_node_bytes_copied}: naive guest copies whose source and destination pages
 *       are on different nodes, and page migrations between nodes ({@code move_pages}).
 * </ul>
 *
 * On a one-node host it does nothing and reports nothing. Not thread-safe (the backend's).
 */
final class PlacementCheck {
    private final boolean enabled = LinuxHost.onlineNodes().length > 1;
    private long checked;
    private long onDestination;
    private long sourceNodeSwapins;
    private long crossNodeBytes;

    boolean enabled() {
        return enabled;
    }

    /** A copyless migration's data landed at {@code gfn}: on {@code destNode}? On {@code sourceNode} (-1: unknown)? */
    void landed(GuestRam ram, int gfn, int destNode, int sourceNode) {
        if (!enabled) {
            return;
        }
        landed(NodePlacement.nodeOf(ram, gfn), destNode, sourceNode);
    }

    /** {@link #landed(GuestRam, int, int, int)} with the node already read back. */
    void landed(int node, int destNode, int sourceNode) {
        if (!enabled) {
            return;
        }
        checked++;
        if (node == destNode) {
            onDestination++;
        } else if (node == sourceNode && sourceNode != destNode) {
            sourceNodeSwapins++;
        }
    }

    /**
     * The naive guest copy {@code src -> dst} is done; {@code srcWasSwapped}: reading the source
     * swapped it in, and {@code srcNode} is the node it is pinned to.
     */
    void guestCopy(GuestRam ram, int src, int dst, boolean srcWasSwapped, int srcNode) {
        if (!enabled) {
            return;
        }
        int[] n = NodePlacement.nodesOf(ram, new int[] {src, dst}, 2);
        if (srcWasSwapped && n[0] == srcNode) {
            sourceNodeSwapins++;
        }
        if (n[0] >= 0 && n[1] >= 0 && n[0] != n[1]) {
            crossNodeBytes += PAGE_SIZE;
        }
    }

    /** A page migration from one real node to another ({@code move_pages}). */
    void kernelMigration(int fromNode, int toNode) {
        if (enabled && fromNode != toNode) {
            crossNodeBytes += PAGE_SIZE;
        }
    }

    void gauges(Map<String, Long> out) {
        if (!enabled) {
            return;
        }
        out.put("migrated_pages_checked", checked);
        out.put("migrated_pages_on_destination_node", onDestination);
        out.put("source_node_swapins", sourceNodeSwapins);
        out.put("cross_node_bytes_copied", crossNodeBytes);
    }
}
