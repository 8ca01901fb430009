package dev.copyless.linux;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The kernel's per-node counters: {@code /sys/devices/system/node/nodeN/numastat} (page
 * allocations by node: {@code numa_hit}, {@code numa_miss}, {@code local_node},
 * {@code other_node}) and {@code /sys/devices/system/node/nodeN/vmstat} (the node's
 * {@code pg_data_t} counters: {@code nr_anon_pages}, {@code nr_swapcached},
 * {@code workingset_refault_anon}, ...; reclaim's own events, {@code pgsteal_*} and
 * {@code pgscan_*}, are system-wide only, in {@code /proc/vmstat}). A {@link Snapshot} before and after a migration path
 * says on which node its allocations happened: a swap-in allocates a page on the node it lands
 * on, so the naive path's swap-ins show up in the source node's {@code numa_hit} and the
 * copyless path's in the destination node's. The counters are system-wide, so other
 * allocations of the same moment are in them too (page tables, the JVM); the per-page truth
 * is {@link NodePlacement}'s. Measurement plumbing; implements no claim.
 */
public final class NodeVmstat {
    private NodeVmstat() {}

    /** The counters kept per node, in this order. */
    public static final List<String> KEYS = List.of("numa_hit", "numa_miss", "local_node", "other_node", "nr_anon_pages",
            "nr_swapcached", "workingset_refault_anon", "pgpromote_success", "pgdemote_kswapd", "pgdemote_direct");

    /** The counters of {@link #KEYS} of every online node at one instant ({@code values[i][k]}: node {@code nodes[i]}, key k). */
    public record Snapshot(int[] nodes, long[][] values) {
        /** this - before, counter by counter (the nodes must be the same). */
        public Snapshot minus(Snapshot before) {
            long[][] d = new long[nodes.length][KEYS.size()];
            for (int i = 0; i < nodes.length; i++) {
                int j = before.indexOf(nodes[i]);
                for (int k = 0; k < KEYS.size(); k++) {
                    d[i][k] = values[i][k] - (j < 0 ? 0 : before.values[j][k]);
                }
            }
            return new Snapshot(nodes.clone(), d);
        }

        /** One counter of one node; 0 for a node or key not kept. */
        public long get(int node, String key) {
            int i = indexOf(node);
            int k = KEYS.indexOf(key);
            return i < 0 || k < 0 ? 0 : values[i][k];
        }

        private int indexOf(int node) {
            for (int i = 0; i < nodes.length; i++) {
                if (nodes[i] == node) {
                    return i;
                }
            }
            return -1;
        }

        /** {@code {"0": {"numa_hit": ..., ...}, "1": {...}}}, for JSON. */
        public Map<String, Map<String, Long>> toMap() {
            Map<String, Map<String, Long>> out = new LinkedHashMap<>();
            for (int i = 0; i < nodes.length; i++) {
                Map<String, Long> m = new LinkedHashMap<>();
                for (int k = 0; k < KEYS.size(); k++) {
                    m.put(KEYS.get(k), values[i][k]);
                }
                out.put(String.valueOf(nodes[i]), m);
            }
            return out;
        }
    }

    /** The counters of every online node now. A counter this kernel does not have reads 0. */
    public static Snapshot snapshot() {
        int[] nodes = LinuxHost.onlineNodes();
        long[][] v = new long[nodes.length][KEYS.size()];
        for (int i = 0; i < nodes.length; i++) {
            Map<String, Long> m = new LinkedHashMap<>();
            String dir = "/sys/devices/system/node/node" + nodes[i] + "/";
            m.putAll(read(dir + "vmstat"));
            m.putAll(read(dir + "numastat"));
            for (int k = 0; k < KEYS.size(); k++) {
                v[i][k] = m.getOrDefault(KEYS.get(k), 0L);
            }
        }
        return new Snapshot(nodes, v);
    }

    private static Map<String, Long> read(String file) {
        try {
            return parse(LinuxHost.readProcFile(file));
        } catch (IOException e) {
            return Map.of(); // no such node file (a kernel without NUMA): every counter reads 0
        }
    }

    /** {@code key value} lines, as in {@code vmstat} and {@code numastat}. */
    static Map<String, Long> parse(String text) {
        Map<String, Long> m = new LinkedHashMap<>();
        for (String line : text.lines().toList()) {
            String[] f = line.trim().split("\\s+");
            if (f.length == 2) {
                try {
                    m.put(f[0], Long.parseLong(f[1]));
                } catch (NumberFormatException e) {
                    // not a counter line
                }
            }
        }
        return m;
    }
}
