package dev.copyless.host;

import dev.copyless.metrics.Counter;
import dev.copyless.metrics.VmStat;

/**
 * The accounting rules of data movements, written once for both backends so that a
 * comparison counts the same thing wherever it runs (docs/METRICS.md):
 *
 * <ul>
 *   <li>a 4 KiB copy between two different nodes adds {@code interconnect_bytes}; when it
 *       completes the balancing migration of a moved page it also adds
 *       {@code moved_page_interconnect_bytes}, and {@code swapped_page_interconnect_bytes}
 *       when that page had been swapped out;</li>
 *   <li>every copy or swap read that completes the balancing migration of a moved page is
 *       one {@code moved_page_data_movement}: naive makes two per swapped page read from the
 *       device (the swap-in to the source node, then the guest copy), copyless one (claim 1);
 *       a swapped page whose data is still in the swap cache costs one under either policy
 *       (naive maps the cached frame and copies it; copyless copies the cached frame to the
 *       destination node).</li>
 * </ul>
 */
public final class MovementAccounting {
    /** Bytes per guest page. */
    public static final int PAGE_SIZE = 4096;

    private MovementAccounting() {}

    /** One 4 KiB node-to-node copy ({@code from == to}: a copy within a node, no interconnect). */
    public static void pageCopy(VmStat stat, int from, int to, MovedFrom moved) {
        if (from != to) {
            stat.add(Counter.INTERCONNECT_BYTES, PAGE_SIZE);
            if (moved.moved()) {
                stat.add(Counter.MOVED_PAGE_INTERCONNECT_BYTES, PAGE_SIZE);
                if (moved == MovedFrom.SWAP || moved == MovedFrom.SWAPCACHE) {
                    stat.add(Counter.SWAPPED_PAGE_INTERCONNECT_BYTES, PAGE_SIZE);
                }
            }
        }
        if (moved.moved()) {
            stat.inc(Counter.MOVED_PAGE_DATA_MOVEMENTS);
        }
    }

    /** One 4 KiB read from a swap slot into a frame. */
    public static void swapRead(VmStat stat, MovedFrom moved) {
        if (moved.moved()) {
            stat.inc(Counter.MOVED_PAGE_DATA_MOVEMENTS);
        }
    }
}
