package dev.copyless.linux;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
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
 * at boot from their full size; {@link #shrink} sets them to the scenario's through
 * {@code vm.min_free_kbytes} and {@code vm.watermark_scale_factor}, read back from
 * {@code /proc/zoneinfo}). Before that, the process's own memory (the JVM: its heap, code and the JDK files
 * it maps) is locked ({@code mlockall(MCL_CURRENT)}), so that the kernel's reclaim pages out
 * guest RAM, mapped afterwards, and not the program that drives it: on a real host the
 * hypervisor's own memory is small next to guest RAM; here the JVM's would be as large as the
 * scenario's nodes. New memory of the JVM and the page cache still compete for the room. The
 * unmapped page cache is dropped first ({@code vm.drop_caches}), or the kernel would find room
 * in it that the scenario's node has not. A system-wide change, so it is done only in the
 * copyless test VM
 * ({@link LinuxHost#TEST_VM_MARKER} on the kernel command line).
 */
public final class NodeRoom implements AutoCloseable {
    static final long HUGE_KIB = 2048;

    /**
     * One real node: the room wanted, the huge pages it had and holds now, its free memory
     * after, and its watermarks then (pages, summed over its zones).
     */
    public record Node(int node, long targetPages, long hugePagesBefore, long hugePagesAfter, long freePagesAfter,
                       long wmarkMin, long wmarkLow, long wmarkHigh) {}

    static final Path MIN_FREE_KBYTES = Path.of("/proc/sys/vm/min_free_kbytes");
    static final Path WATERMARK_SCALE_FACTOR = Path.of("/proc/sys/vm/watermark_scale_factor");
    static final Path DROP_CACHES = Path.of("/proc/sys/vm/drop_caches");
    static final Path COMPACT_MEMORY = Path.of("/proc/sys/vm/compact_memory");
    static final Path PCP_HIGH_FRACTION = Path.of("/proc/sys/vm/percpu_pagelist_high_fraction");
    /**
     * {@code vm.percpu_pagelist_high_fraction} while a room is set: per-CPU free lists of at most
     * {@code 4 x batch} pages ({@code zone_highsize}'s floor), so that few free pages hide from
     * {@code MemFree} when the room is measured and come out of hiding during the run.
     */
    static final long PCP_HIGH_FRACTION_WHILE_SET = 1_000_000;

    private final List<Node> nodes;
    private final long minFreeKbytesBefore;
    private final long scaleFactorBefore;
    private long pcpFractionBefore = -1;
    private boolean closed;
    /** Per node of {@link #nodes}: the huge pages held now (the reservation plus every top-up). */
    private final long[] held;
    /** Per node: the pages others held when the room was set ({@link #othersPages}), the baseline of {@link #topUp}. */
    private final long[] othersAtStart;
    /** Per node: the most pages the others gave back below that baseline during the run. */
    private final long[] othersGaveBack;
    /** Per node: the most free pages seen at a rescan during the run. */
    private final long[] maxFreeSeen;
    /** Pages of room taken back by {@link #topUp}, summed over the nodes and the run. */
    private long toppedUpPages;
    private long topUps;

    private NodeRoom(List<Node> nodes, long minFreeKbytesBefore, long scaleFactorBefore) {
        this.nodes = List.copyOf(nodes);
        this.minFreeKbytesBefore = minFreeKbytesBefore;
        this.scaleFactorBefore = scaleFactorBefore;
        this.held = new long[nodes.size()];
        this.othersAtStart = new long[nodes.size()];
        this.othersGaveBack = new long[nodes.size()];
        this.maxFreeSeen = new long[nodes.size()];
        for (int i = 0; i < held.length; i++) {
            held[i] = nodes.get(i).hugePagesAfter();
            othersAtStart[i] = othersPages(nodes.get(i).node());
        }
    }

    /**
     * The pages of a node held by others than the run's guest RAM and its swap cache: slab
     * ({@code Slab}) and the file page cache ({@code FilePages} less {@code SwapCached}: the
     * kernel counts the swap cache among file pages). -1 when the node's meminfo cannot be read.
     */
    static long othersPages(int node) {
        try {
            return othersPages(nodeMeminfo(node));
        } catch (IOException e) {
            return -1;
        }
    }

    /** {@link #othersPages(int)} from a node's meminfo text already read; -1 when it lacks a field. */
    static long othersPages(String m) {
        try {
            long swapCached;
            try {
                swapCached = meminfoKib(m, "SwapCached");
            } catch (IllegalArgumentException e) {
                swapCached = 0; // a kernel that does not print it per node
            }
            return (meminfoKib(m, "Slab") + meminfoKib(m, "FilePages") - swapCached) / 4;
        } catch (RuntimeException e) {
            return -1;
        }
    }

    private static String nodeMeminfo(int node) throws IOException {
        return LinuxHost.readProcFile("/sys/devices/system/node/node" + node + "/meminfo");
    }

    /**
     * Keeps the room from growing during the run. The room is the free memory a node had when it
     * was set; the guest's pages, their swap cache and their page tables take from it and give
     * back to it. But others on the node can give memory back too, below what they held then: the
     * kernel's shrinkers free slab under the pressure, the page cache of files read before the run
     * is reclaimed. On a host of the scenario's size that memory would not be there for guest RAM
     * (the scenario's node is guest RAM's room), so whatever the others ({@link #othersPages})
     * hold below their level at the start is taken as more huge pages, in whole 2 MiB pages, each
     * time the pagemap is rescanned. Room is never given back: when the others grow again, that is
     * pressure a real host has too.
     *
     * @return the pages taken now
     */
    public long topUp() {
        long taken = 0;
        for (int i = 0; i < nodes.size(); i++) {
            Node n = nodes.get(i);
            String meminfo;
            try {
                meminfo = nodeMeminfo(n.node()); // one read per node and rescan: free memory and the others' pages
            } catch (IOException e) {
                continue;
            }
            try {
                maxFreeSeen[i] = Math.max(maxFreeSeen[i], meminfoKib(meminfo, "MemFree") / 4);
            } catch (RuntimeException e) {
                // a diagnostic only
            }
            long others = othersPages(meminfo);
            if (others < 0 || othersAtStart[i] < 0) {
                continue;
            }
            othersGaveBack[i] = Math.max(othersGaveBack[i], othersAtStart[i] - others);
            long takenHuge = held[i] - n.hugePagesAfter();
            long more = othersGaveBack[i] * 4 / HUGE_KIB - takenHuge;
            if (more <= 0) {
                continue;
            }
            try {
                Files.writeString(hugePages(n.node()), String.valueOf(held[i] + more));
                long now = readLong(hugePages(n.node()));
                if (now > held[i]) {
                    long pages = (now - held[i]) * HUGE_KIB / 4;
                    taken += pages;
                    toppedUpPages += pages;
                    topUps++;
                    held[i] = now;
                }
            } catch (IOException | RuntimeException e) {
                // the room stays as it is; room_topped_up_pages says how much was taken
            }
        }
        return taken;
    }

    /** The most free pages a rescan saw on each node during the run, summed over the nodes. */
    public long maxFreeSeenPages() {
        return Arrays.stream(maxFreeSeen).sum();
    }

    /** The 2 MiB huge pages this room holds (reservation and top-ups), summed over the nodes. */
    public long hugePagesHeld() {
        return Arrays.stream(held).sum();
    }

    /** The 2 MiB huge pages the nodes have now ({@code nr_hugepages}), summed: less than held if the pool shrank. */
    public long hugePagesNow() {
        long sum = 0;
        for (Node n : nodes) {
            try {
                sum += readLong(hugePages(n.node()));
            } catch (IOException | RuntimeException e) {
                return -1;
            }
        }
        return sum;
    }

    /** The most pages the others gave back below their level at the start, summed over the nodes. */
    public long othersGaveBackPages() {
        return Arrays.stream(othersGaveBack).sum();
    }

    /** Pages of room {@link #topUp} took back during the run. */
    public long toppedUpPages() {
        return toppedUpPages;
    }

    /** How many times {@link #topUp} took room back. */
    public long topUps() {
        return topUps;
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
     * Resizes the real nodes: {@code realNode[n]} is the node of scenario node {@code n},
     * {@code pages[n]} its size and {@code wmarkMin[n]}, {@code wmarkLow[n]} its watermarks;
     * nodes shared by several scenario nodes get the sum. The kernel's watermarks are set
     * first: {@code vm.min_free_kbytes} to the sum of the scenario's min watermarks (the kernel
     * spreads it over the zones by size, at least 128 KiB), and
     * {@code vm.watermark_scale_factor} so that the gap from min to low is the scenario's
     * (at least 1, 0.01% of the node). At 1 GiB a node's own would be 30-50 MiB, the whole room.
     */
    public static NodeRoom shrink(int[] realNode, long[] pages, long[] wmarkMin, long[] wmarkLow) {
        int[] online = LinuxHost.onlineNodes();
        List<Node> out = new ArrayList<>();
        long minFreeBefore;
        long scaleBefore;
        try {
            minFreeBefore = readLong(MIN_FREE_KBYTES);
            scaleBefore = readLong(WATERMARK_SCALE_FACTOR);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the kernel's watermark settings: " + e.getMessage(), e);
        }
        Syscalls.mlockall(Syscalls.MCL_CURRENT); // the JVM as it is now; guest RAM is mapped later and stays reclaimable
        long pcpBefore = -1;
        try {
            pcpBefore = readLong(PCP_HIGH_FRACTION);
            // small per-CPU free lists: their pages are free but not in MemFree, room that would surface later
            Files.writeString(PCP_HIGH_FRACTION, String.valueOf(PCP_HIGH_FRACTION_WHILE_SET));
        } catch (IOException e) {
            pcpBefore = -1; // a kernel without it (before 5.14): the lists stay as they are
        }
        try {
            // the page cache left unmapped (the build's files read over 9p) would be room the scenario's node has not
            Files.writeString(DROP_CACHES, "1");
            try {
                Files.writeString(COMPACT_MEMORY, "1"); // whole 2 MiB blocks, so that the huge pages can be gathered
            } catch (IOException e) {
                // a kernel without compaction: fewer huge pages may be had, the room says so
            }
            long minKib = 0;
            long gapKib = 0;
            for (int n = 0; n < pages.length; n++) {
                minKib += wmarkMin[n] * 4;
                gapKib = Math.max(gapKib, (wmarkLow[n] - wmarkMin[n]) * 4);
            }
            Files.writeString(MIN_FREE_KBYTES, String.valueOf(Math.max(128, minKib)));
            long managedKib = Math.max(1, zoneinfo(LinuxHost.readProcFile("/proc/zoneinfo"), realNode[0])[3] * 4);
            Files.writeString(WATERMARK_SCALE_FACTOR, String.valueOf(Math.max(1, Math.min(3000, gapKib * 10_000 / managedKib))));
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
                    // MemFree leaves out the per-CPU lists' free pages, but gathering huge pages drains them
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
                long[] w = zoneinfo(LinuxHost.readProcFile("/proc/zoneinfo"), r);
                // the room as set: free pages, and those on the per-CPU lists (free too, but not in MemFree)
                out.add(new Node(r, target, before, held, memFreeKib(r) / 4 + w[4], w[0], w[1], w[2]));
            }
        } catch (IOException | SyscallException e) {
            NodeRoom partial = new NodeRoom(out, minFreeBefore, scaleBefore);
            partial.pcpFractionBefore = pcpBefore;
            partial.close();
            throw new IllegalStateException("cannot resize the NUMA nodes: " + e.getMessage(), e);
        }
        NodeRoom room = new NodeRoom(out, minFreeBefore, scaleBefore);
        room.pcpFractionBefore = pcpBefore;
        return room;
    }

    /**
     * {@code {min, low, high, managed, pcp}} of a node in pages, summed over its zones, from
     * {@code /proc/zoneinfo} ({@code Node 1, zone DMA32} sections with {@code min}, {@code low},
     * {@code high} and {@code managed} lines, and per CPU a {@code count:} of free pages in its
     * per-CPU list).
     */
    static long[] zoneinfo(String text, int node) {
        long[] out = new long[5];
        boolean in = false;
        for (String line : text.lines().toList()) {
            String t = line.trim();
            if (t.startsWith("Node ")) {
                in = t.startsWith("Node " + node + ",");
                continue;
            }
            if (!in) {
                continue;
            }
            String[] f = t.split("\\s+");
            if (f.length == 2) {
                int k = switch (f[0]) {
                    case "min" -> 0;
                    case "low" -> 1;
                    case "high" -> 2;
                    case "managed" -> 3;
                    case "count:" -> 4;
                    default -> -1;
                };
                if (k >= 0) {
                    out[k] += Long.parseLong(f[1]);
                }
            }
        }
        return out;
    }

    /** {@code Node N MemFree: X kB} of {@code /sys/devices/system/node/nodeN/meminfo}. */
    static long memFreeKib(int node) throws IOException {
        return meminfoKib(nodeMeminfo(node), "MemFree");
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
        try {
            Files.writeString(WATERMARK_SCALE_FACTOR, String.valueOf(scaleFactorBefore));
            if (pcpFractionBefore >= 0) {
                Files.writeString(PCP_HIGH_FRACTION, String.valueOf(pcpFractionBefore));
            }
            Files.writeString(MIN_FREE_KBYTES, String.valueOf(minFreeKbytesBefore));
        } catch (IOException e) {
            // the test VM is thrown away after the run
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
