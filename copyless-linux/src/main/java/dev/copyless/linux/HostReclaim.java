package dev.copyless.linux;

import java.util.Arrays;

/**
 * Who makes the first migrations (claim 1: the host moving guest pages off their node behind
 * the guest's back) on the Linux backend:
 *
 * <ul>
 *   <li>{@link #PAGEOUT} (default): this backend's own kswapd pages the coldest gfns out with
 *       {@code MADV_PAGEOUT} to keep each scenario node's resident pages under its size and
 *       watermarks; reproducible, needs no control over the host, works on any machine;
 *   <li>{@link #KERNEL}: the kernel's own reclaim. Each real node is given the room of its
 *       scenario node ({@link NodeRoom}), and guest RAM's pressure on it is relieved by the
 *       node's kswapd, direct reclaim, the swap cache and swap readahead, as on a host of that
 *       size. The moved-page list still comes from the pagemap (rescans). Only in the
 *       copyless test VM, whose nodes are ours to resize.
 * </ul>
 */
public enum HostReclaim {
    PAGEOUT("pageout"), KERNEL("kernel");

    private final String key;

    HostReclaim(String key) {
        this.key = key;
    }

    public String key() {
        return key;
    }

    /** By key; an {@link IllegalArgumentException} naming the keys otherwise. */
    public static HostReclaim fromKey(String key) {
        for (HostReclaim r : values()) {
            if (r.key.equals(key)) {
                return r;
            }
        }
        throw new IllegalArgumentException("expected one of " + Arrays.stream(values()).map(HostReclaim::key).toList()
                + ", got '" + key + "'");
    }
}
