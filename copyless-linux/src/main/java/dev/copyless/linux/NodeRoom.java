package dev.copyless.linux;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@link HostReclaim#KERNEL}'s node sizing: gives each real node as much free memory as its
 * scenario nodes' size, so that guest RAM presses on the node as on a host of that size and the
 * kernel's own reclaim (the node's kswapd, direct reclaim, swap cache, readahead) makes the
 * first migrations. The rest of the node's free memory is set aside as 2 MiB huge pages on
 * that node ({@code /sys/devices/system/node/nodeN/hugepages/hugepages-2048kB/nr_hugepages}):
 * the kernel takes them out of the buddy allocator and never reclaims them. {@link #close}
 * gives them back. The node's watermarks stay those of its full size (the kernel computes them
 * at boot). Before that, the process's own memory (the JVM: its heap, code and the JDK files
 * it maps) is locked ({@code mlockall(MCL_CURRENT)}), so that the kernel's reclaim pages out
 * guest RAM, mapped afterwards, and not the program that drives it: on a real host the
 * hypervisor's own memory is small next to guest RAM; here the JVM's would be as large as the
 * scenario's nodes. New memory of the JVM and the page cache still compete for the room. A
 * system-wide change, so it is done only in the copyless test VM
 * ({@link LinuxHost#TEST_VM_MARKER} on the kernel command line).
 */
public final class NodeRoom implements AutoCloseable {
    static final long HUGE_KIB = 2048;

    /** One real node: the room wanted, the huge pages it had and holds now, and its free memory after. */
    public record Node(int node, long targetPages, long hugePagesBefore, long hugePagesAfter, long freePagesAfter) {}

    private final List<Node> nodes;
    private boolean closed;

    private NodeRoom(List<Node> nodes) {
        this.nodes = List.copyOf(nodes);
    }

    public List<Node> nodes() {
        return nodes;
    }

    private static Path hugePages(int node) {
        return Path.of("/sys/devices/system/node/node" + node + "/hugepages/hugepages-2048kB/nr_hugepages");
    }

    /** Empty when nodes can be resized here; else one line saying why and what to do. */
    public static Optional<String> unusableReason() {
        if (!LinuxHost.isTestVm()) {
            return Optional.of("--host-reclaim kernel resizes this host's NUMA nodes (huge page reservations) and lets the"
                    + " kernel reclaim under real pressure, so it runs only in the copyless test VM: copyless vm -- compare"
                    + " --backend linux --host-reclaim kernel");
        }
        if (!LinuxHost.isRoot()) {
            return Optional.of("--host-reclaim kernel needs root (it writes nr_hugepages of each node)");
        }
        for (int n : LinuxHost.onlineNodes()) {
            if (!Files.isWritable(hugePages(n))) {
                return Optional.of("--host-reclaim kernel needs 2 MiB huge pages per node (" + hugePages(n) + " is not"
                        + " writable): a kernel with CONFIG_HUGETLBFS");
            }
        }
        return Optional.empty();
    }

    /**
     * Resizes the real nodes: {@code realNode[n]} is the node of scenario node {@code n} and
     * {@code pages[n]} its size; nodes shared by several scenario nodes get the sum.
     */
    public static NodeRoom shrink(int[] realNode, long[] pages) {
        int[] online = LinuxHost.onlineNodes();
        List<Node> out = new ArrayList<>();
        Syscalls.mlockall(Syscalls.MCL_CURRENT); // the JVM as it is now; guest RAM is mapped later and stays reclaimable
        try {
            for (int r : online) {
                long target = 0;
                boolean used = false;
                for (int n = 0; n < realNode.length; n++) {
                    if (realNode[n] == r) {
                        target += pages[n];
                        used = true;
                    }
                }
                if (!used) {
                    continue;
                }
                long before = readLong(hugePages(r));
                long held = before;
                // a few passes: the kernel may hand out fewer huge pages than asked, and the free
                // memory moves while it gathers them (per-CPU lists, reclaim, compaction)
                for (int pass = 0; pass < 4; pass++) {
                    long extra = (memFreeKib(r) - target * 4) / HUGE_KIB;
                    if (extra <= 0) {
                        break;
                    }
                    Files.writeString(hugePages(r), String.valueOf(held + extra));
                    long now = readLong(hugePages(r));
                    if (now == held) {
                        break; // the node gives no more
                    }
                    held = now;
                }
                out.add(new Node(r, target, before, held, memFreeKib(r) / 4));
            }
        } catch (IOException | SyscallException e) {
            NodeRoom partial = new NodeRoom(out);
            partial.close();
            throw new IllegalStateException("cannot resize the NUMA nodes: " + e.getMessage(), e);
        }
        return new NodeRoom(out);
    }

    /** {@code Node N MemFree: X kB} of {@code /sys/devices/system/node/nodeN/meminfo}. */
    static long memFreeKib(int node) throws IOException {
        return meminfoKib(LinuxHost.readProcFile("/sys/devices/system/node/node" + node + "/meminfo"), "MemFree");
    }

    static long meminfoKib(String meminfo, String key) {
        for (String line : meminfo.lines().toList()) {
            String[] f = line.trim().split("\\s+");
            // "Node 0 MemFree:   123456 kB"
            if (f.length >= 4 && f[2].equals(key + ":")) {
                return Long.parseLong(f[3]);
            }
        }
        throw new IllegalArgumentException("no " + key + " in node meminfo");
    }

    private static long readLong(Path p) throws IOException {
        return Long.parseLong(LinuxHost.readProcFile(p.toString()).trim());
    }

    /** Gives the huge pages back (each node to its count before). */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            Syscalls.munlockall();
        } catch (SyscallException e) {
            // nothing was locked
        }
        for (Node n : nodes) {
            try {
                Files.writeString(hugePages(n.node()), String.valueOf(n.hugePagesBefore()));
            } catch (IOException e) {
                // the test VM is thrown away after the run; nothing else holds these pages
            }
        }
    }
}
