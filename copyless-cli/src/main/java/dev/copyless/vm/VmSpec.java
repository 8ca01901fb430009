package dev.copyless.vm;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The shape of the test VM: {@code nodes} NUMA nodes of the given sizes (each a QEMU
 * {@code memory-backend-ram} bound to its {@code -numa node}), {@code cpus} vCPUs spread over
 * the nodes as one socket per node, the SLIT distance between two different nodes, and the
 * size of the virtio swap disk. Validated on construction: a bad value is a
 * {@link VmException#usage} naming the flag and what it expects.
 *
 * @param nodeMemMiB size of each node in MiB, node 0 first
 */
public record VmSpec(int nodes, List<Long> nodeMemMiB, int cpus, long swapMiB, int distance) {
    /** The most nodes and vCPUs we let QEMU build (a bound on the command line, not QEMU's). */
    public static final int MAX_NODES = 8;
    public static final int MAX_CPUS = 16;
    /** Smallest node: its memory map, per-node kernel structures and some room for the run. */
    public static final long MIN_NODE_MIB = 64;
    /** Smallest VM: the kernel, the initramfs, the JDK's page cache and a JVM. */
    public static final long MIN_TOTAL_MIB = 768;
    public static final long MIN_SWAP_MIB = 64;

    public VmSpec {
        nodeMemMiB = List.copyOf(nodeMemMiB);
        if (nodes < 1 || nodes > MAX_NODES) {
            throw VmException.usage("--nodes must be between 1 and " + MAX_NODES + ", got " + nodes);
        }
        if (nodeMemMiB.size() != nodes) {
            throw VmException.usage("--node-mem: " + nodeMemMiB.size() + " size" + (nodeMemMiB.size() == 1 ? "" : "s")
                    + " for " + nodes + " node" + (nodes == 1 ? "" : "s") + "; give one size for all nodes or one per node,"
                    + " e.g. --node-mem 1G,1G");
        }
        long total = 0;
        for (int n = 0; n < nodes; n++) {
            if (nodeMemMiB.get(n) < MIN_NODE_MIB) {
                throw VmException.usage("--node-mem: node " + n + " has " + nodeMemMiB.get(n) + "M; each node needs at least "
                        + MIN_NODE_MIB + "M");
            }
            total += nodeMemMiB.get(n);
        }
        if (total < MIN_TOTAL_MIB) {
            throw VmException.usage("--node-mem: the nodes add up to " + total + "M; the guest needs at least " + MIN_TOTAL_MIB
                    + "M in all (kernel, JDK page cache, a JVM)");
        }
        if (cpus < nodes || cpus > MAX_CPUS || cpus % nodes != 0) {
            throw VmException.usage("--cpus must be a multiple of --nodes between " + nodes + " and " + MAX_CPUS
                    + " (one socket per node, the same number of cores on each), got " + cpus + " for " + nodes + " node"
                    + (nodes == 1 ? "" : "s"));
        }
        if (swapMiB < MIN_SWAP_MIB) {
            throw VmException.usage("--swap: the swap disk needs at least " + MIN_SWAP_MIB + "M, got " + swapMiB + "M");
        }
        if (distance < 11 || distance > 254) {
            throw VmException.usage("--distance must be between 11 and 254 (ACPI SLIT; 10 is a node to itself), got " + distance);
        }
    }

    /**
     * Builds a spec from the flags' text: {@code nodeMem} is one size for every node or a
     * comma-separated size per node; sizes are like {@code 1G}, {@code 512M}, {@code 1GiB}.
     */
    public static VmSpec of(int nodes, String nodeMem, int cpus, String swap, int distance) {
        List<Long> sizes = new ArrayList<>();
        for (String part : nodeMem.split(",", -1)) {
            sizes.add(parseMiB("--node-mem", part));
        }
        if (sizes.size() == 1 && nodes > 1) {
            long one = sizes.get(0);
            sizes.clear();
            for (int n = 0; n < nodes; n++) {
                sizes.add(one);
            }
        }
        return new VmSpec(nodes, sizes, cpus, parseMiB("--swap", swap), distance);
    }

    /** Total guest RAM in MiB. */
    public long totalMiB() {
        return nodeMemMiB.stream().mapToLong(Long::longValue).sum();
    }

    /** vCPUs per node (cores per socket). */
    public int cpusPerNode() {
        return cpus / nodes;
    }

    /** A size in whole MiB from text like {@code 1G}, {@code 1GiB}, {@code 512M}, {@code 524288K}. */
    public static long parseMiB(String flag, String text) {
        String t = text.strip().toUpperCase(Locale.ROOT);
        if (t.endsWith("IB")) {
            t = t.substring(0, t.length() - 2);
        } else if (t.endsWith("B") && t.length() > 1 && Character.isLetter(t.charAt(t.length() - 2))) {
            t = t.substring(0, t.length() - 1);
        }
        long unitKiB;
        if (t.endsWith("G")) {
            unitKiB = 1024 * 1024;
        } else if (t.endsWith("M")) {
            unitKiB = 1024;
        } else if (t.endsWith("K")) {
            unitKiB = 1;
        } else if (t.endsWith("T")) {
            unitKiB = 1024L * 1024 * 1024;
        } else {
            throw VmException.usage(flag + ": expected a size like 1G or 512M, got '" + text + "'");
        }
        long n;
        try {
            n = Long.parseLong(t.substring(0, t.length() - 1).strip());
        } catch (NumberFormatException e) {
            throw VmException.usage(flag + ": expected a size like 1G or 512M, got '" + text + "'");
        }
        if (n <= 0 || n > (1L << 40) / unitKiB) {
            throw VmException.usage(flag + ": expected a positive size like 1G or 512M, got '" + text + "'");
        }
        long kib = n * unitKiB;
        if (kib % 1024 != 0) {
            throw VmException.usage(flag + ": sizes are whole MiB, got '" + text + "'");
        }
        return kib / 1024;
    }
}
