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
 * first migrations. The rest of the node's free memory is set aside: as many 2 MiB huge pages
 * on that node as it gives
 * ({@code /sys/devices/system/node/nodeN/hugepages/hugepages-2048kB/nr_hugepages}: the kernel
 * takes them out of the buddy allocator and never reclaims them), then, to the page, a
 * <em>ballast</em> of 4 KiB pages: anonymous memory bound to the node ({@code MPOL_BIND}) and
 * locked ({@code mlock}), which reclaim never takes either. The ballast takes what whole huge
 * pages cannot: the last 2 MiB, and a node whose free memory compaction cannot gather into
 * whole blocks (the node that holds the JVM). Free memory is counted as the kernel has it:
 * {@code MemFree} plus the pages on the per-CPU free lists ({@code /proc/zoneinfo}'s
 * {@code count:}), which {@code MemFree} leaves out and an allocation takes first. {@link #close}
 * gives both back. The node's watermarks stay those of its full size (the kernel computes them
 * at boot from their full size; {@link #shrink} sets them to the scenario's through
 * {@code vm.min_free_kbytes} and {@code vm.watermark_scale_factor}, read back from
 * {@code /proc/zoneinfo}). Before that, the process's own memory (the JVM: its heap, code and the JDK files
 * it maps) is locked ({@code mlockall(MCL_CURRENT)}), and so is whatever it maps later
 * ({@code MCL_FUTURE | MCL_ONFAULT}; guest RAM is unlocked by {@link GuestRam}), so that the
 * kernel's reclaim pages out guest RAM and not the program that drives it: on a real host the
 * hypervisor's own memory is small next to guest RAM; here the JVM's would be as large as the
 * scenario's nodes. What the JVM and the page cache take from the room during the run is given
 * back to it ({@link #keep}). The
 * unmapped page cache is dropped first ({@code vm.drop_caches}), or the kernel would find room
 * in it that the scenario's node has not. A system-wide change, so it is done only in the
 * copyless test VM
 * ({@link LinuxHost#TEST_VM_MARKER} on the kernel command line).
 */
public final class NodeRoom implements AutoCloseable {
    static final long HUGE_KIB = 2048;

    /**
     * One real node: the room wanted, the huge pages it had and holds now, the ballast, its free
     * memory after (usable by guest RAM, and behind the zones' {@code lowmem_reserve}), and its
     * watermarks then (pages, summed over its zones).
     */
    public record Node(int node, long targetPages, long hugePagesBefore, long hugePagesAfter, long ballastPages,
                       long freePagesAfter, long reservedPagesAfter, long wmarkMin, long wmarkLow, long wmarkHigh) {}

    /**
     * Free pages a node may keep above its room without more ballast: the per-CPU lists refill
     * and drain by {@code batch} pages (63 on a 1 GiB zone) while the room is measured, so an
     * exact count is not to be had; a few pages of a 6,144-page room.
     */
    static final long BALLAST_SLACK_PAGES = 16;

    /** Per node of {@link #nodes}: its ballast mappings ({@code {address, pages}}), newest last, unmapped by {@link #close}. */
    private final List<List<long[]>> ballast = new ArrayList<>();
    /** Per node: the ballast pages it holds now. */
    private final long[] ballastNow;
    /** Per node: the huge pages it holds now. */
    private final long[] hugeNow;
    /** Per node: the room given back so far (pages; negative: taken) to make up for what the others took. */
    private final long[] compensated;

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
    /** Per node: the pages others held when the room was set ({@link #othersPages}), the baseline of {@link #keep}. */
    private final long[] othersAtStart;
    /** Per node: the most pages the others gave back below that baseline during the run. */
    private final long[] othersGaveBack;
    /** Per node: the most pages the others took above that baseline during the run. */
    private final long[] othersTook;
    /** Per node: the most free pages seen at a rescan during the run. */
    private final long[] maxFreeSeen;
    /** Per node: the free pages ({@code MemFree}) seen at the last {@link #keep}. */
    private final long[] lastFree;
    /** Pages of room taken back by {@link #keep} (more ballast), summed over the nodes and the run. */
    private long toppedUpPages;
    /** Pages of room given back by {@link #keep} (ballast or huge pages released), summed over the nodes and the run. */
    private long givenBackPages;
    private long corrections;

    private NodeRoom(List<Node> nodes, List<List<long[]>> ballast, long minFreeKbytesBefore, long scaleFactorBefore) {
        this.nodes = List.copyOf(nodes);
        this.minFreeKbytesBefore = minFreeKbytesBefore;
        this.scaleFactorBefore = scaleFactorBefore;
        int k = nodes.size();
        this.ballastNow = new long[k];
        this.hugeNow = new long[k];
        this.compensated = new long[k];
        this.othersAtStart = new long[k];
        this.othersGaveBack = new long[k];
        this.othersTook = new long[k];
        this.maxFreeSeen = new long[k];
        this.lastFree = new long[k];
        for (int i = 0; i < k; i++) {
            List<long[]> mine = new ArrayList<>(i < ballast.size() ? ballast.get(i) : List.of());
            this.ballast.add(mine);
            ballastNow[i] = mine.stream().mapToLong(m -> m[1]).sum();
            hugeNow[i] = nodes.get(i).hugePagesAfter();
            othersAtStart[i] = othersPages(nodes.get(i).node(), ballastNow[i]);
        }
    }

    /**
     * The pages of a node held by others than the run's guest RAM and its swap cache: slab
     * ({@code Slab}), the file page cache ({@code FilePages} less {@code SwapCached}: the kernel
     * counts the swap cache among file pages), and locked memory ({@code Mlocked}) less this
     * room's own ballast: the JVM, locked as it grows ({@code MCL_FUTURE}, see {@link #shrink}).
     * -1 when the node's meminfo cannot be read.
     */
    static long othersPages(int node, long ballastPages) {
        try {
            return othersPages(nodeMeminfo(node), ballastPages);
        } catch (IOException e) {
            return -1;
        }
    }

    /** {@link #othersPages(int, long)} from a node's meminfo text already read; -1 when it lacks a field. */
    static long othersPages(String m, long ballastPages) {
        try {
            long swapCached;
            try {
                swapCached = meminfoKib(m, "SwapCached");
            } catch (IllegalArgumentException e) {
                swapCached = 0; // a kernel that does not print it per node
            }
            return (meminfoKib(m, "Slab") + meminfoKib(m, "FilePages") - swapCached + meminfoKib(m, "Mlocked")) / 4
                    - ballastPages;
        } catch (RuntimeException e) {
            return -1;
        }
    }

    private static String nodeMeminfo(int node) throws IOException {
        return LinuxHost.readProcFile("/sys/devices/system/node/node" + node + "/meminfo");
    }

    /**
     * Keeps each node's room the scenario's during the run. The room is the free memory a node had
     * when it was set; the guest's pages, their swap cache and their page tables take from it and
     * give back to it. Others on the node move too: the JVM's memory grows (code the JIT
     * compiles, its malloc arenas, thread stacks: 16 MiB in a run of the fidelity scenario, a
     * third of its room), the page cache of the JDK's files grows and is reclaimed, the kernel's
     * shrinkers free slab. The scenario's node has none of them (it is guest RAM's room), so each
     * time the pagemap is rescanned whatever the others ({@link #othersPages}) hold above their
     * level at the start is given back to the room (ballast unmapped; a huge page released when
     * the ballast is short, the rest of it taken back as ballast), and whatever they hold below
     * it is taken as more ballast, to within {@link #BALLAST_SLACK_PAGES}.
     *
     * @return the pages of room given back now less those taken
     */
    public long keep() {
        long net = 0;
        for (int i = 0; i < nodes.size(); i++) {
            Node n = nodes.get(i);
            String meminfo;
            try {
                meminfo = nodeMeminfo(n.node()); // one read per node and rescan: free memory and the others' pages
            } catch (IOException e) {
                continue;
            }
            try {
                long free = meminfoKib(meminfo, "MemFree") / 4;
                maxFreeSeen[i] = Math.max(maxFreeSeen[i], free);
                lastFree[i] = free;
            } catch (RuntimeException e) {
                // a diagnostic only
            }
            long others = othersPages(meminfo, ballastNow[i]);
            if (others < 0 || othersAtStart[i] < 0) {
                continue;
            }
            long delta = others - othersAtStart[i];
            othersGaveBack[i] = Math.max(othersGaveBack[i], -delta);
            othersTook[i] = Math.max(othersTook[i], delta);
            long want = delta - compensated[i]; // > 0: give room back; < 0: take room
            if (Math.abs(want) < BALLAST_SLACK_PAGES) {
                continue;
            }
            try {
                if (want > 0) {
                    giveBack(i, want);
                    givenBackPages += want;
                } else {
                    addBallast(i, -want);
                    toppedUpPages += -want;
                }
                compensated[i] += want;
                net += want;
                corrections++;
            } catch (SyscallException | IOException e) {
                // the room stays as it is until the next rescan; room_given_back_pages and room_topped_up_pages say what was done
            }
        }
        return net;
    }

    private void addBallast(int i, long pages) {
        ballast.get(i).add(lockOnNode(nodes.get(i).node(), pages));
        ballastNow[i] += pages;
    }

    /**
     * Frees {@code pages} of node {@code i}'s set-aside memory: ballast from the newest mapping
     * back (the tail of a mapping unmapped), then, when the ballast is short, whole huge pages,
     * taking back as ballast what a huge page freed beyond the need.
     */
    private void giveBack(int i, long pages) throws IOException {
        long need = pages;
        List<long[]> mine = ballast.get(i);
        while (need > 0 && !mine.isEmpty()) {
            long[] m = mine.getLast();
            long take = Math.min(need, m[1]);
            Syscalls.munmap(m[0] + (m[1] - take) * Syscalls.PAGE_SIZE, take * Syscalls.PAGE_SIZE);
            m[1] -= take;
            if (m[1] == 0) {
                mine.removeLast();
            }
            ballastNow[i] -= take;
            need -= take;
        }
        if (need > 0) {
            int node = nodes.get(i).node();
            long pagesPerHuge = HUGE_KIB / 4;
            long huge = Math.min(hugeNow[i], (need + pagesPerHuge - 1) / pagesPerHuge);
            Files.writeString(hugePages(node), String.valueOf(hugeNow[i] - huge));
            long now = readLong(hugePages(node));
            long freed = (hugeNow[i] - now) * pagesPerHuge;
            hugeNow[i] = now;
            if (freed > need) {
                addBallast(i, freed - need);
            }
        }
    }

    /**
     * The free pages guest RAM could have when the last {@link #keep} looked, summed over the
     * nodes: {@code MemFree} less the free pages behind the zones' {@code lowmem_reserve} when
     * the room was set ({@code resized_node_reserved_pages}; read once, not at every rescan).
     */
    public long lastFreePages() {
        long sum = 0;
        for (int i = 0; i < lastFree.length; i++) {
            sum += Math.max(0, lastFree[i] - nodes.get(i).reservedPagesAfter());
        }
        return sum;
    }

    /** The most free pages a rescan saw on each node during the run, summed over the nodes. */
    public long maxFreeSeenPages() {
        return Arrays.stream(maxFreeSeen).sum();
    }

    /** The 2 MiB huge pages this room holds now, summed over the nodes. */
    public long hugePagesHeld() {
        return Arrays.stream(hugeNow).sum();
    }

    /** The 4 KiB pages of ballast this room holds now, summed over the nodes. */
    public long ballastPagesHeld() {
        return Arrays.stream(ballastNow).sum();
    }

    /**
     * Maps {@code pages} of anonymous memory bound to {@code node} and locks them: the pages are
     * taken from the node's free memory now ({@code mlock} faults them in) and never reclaimed.
     *
     * @return {@code {address, pages}} of the mapping
     */
    static long[] lockOnNode(int node, long pages) {
        long len = pages * Syscalls.PAGE_SIZE;
        long addr = Syscalls.mmapAnonymous(0, len, Syscalls.PROT_READ | Syscalls.PROT_WRITE, Syscalls.MAP_PRIVATE);
        try {
            Syscalls.madvise(addr, len, Syscalls.MADV_NOHUGEPAGE); // 4 KiB pages: to the page, and none left free in a THP
            Syscalls.mbind(addr, len, Syscalls.MPOL_BIND, node, 0);
            Syscalls.mlock(addr, len);
        } catch (SyscallException e) {
            Syscalls.munmap(addr, len);
            throw e;
        }
        return new long[] {addr, pages};
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

    /** The most pages the others took above their level at the start, summed over the nodes. */
    public long othersTookPages() {
        return Arrays.stream(othersTook).sum();
    }

    /** Pages of room {@link #keep} took back during the run. */
    public long toppedUpPages() {
        return toppedUpPages;
    }

    /** Pages of room {@link #keep} gave back during the run. */
    public long givenBackPages() {
        return givenBackPages;
    }

    /** How many times {@link #keep} corrected a node's room. */
    public long corrections() {
        return corrections;
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
        List<List<long[]>> ballast = new ArrayList<>();
        long minFreeBefore;
        long scaleBefore;
        try {
            minFreeBefore = readLong(MIN_FREE_KBYTES);
            scaleBefore = readLong(WATERMARK_SCALE_FACTOR);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the kernel's watermark settings: " + e.getMessage(), e);
        }
        Syscalls.mlockall(Syscalls.MCL_CURRENT); // the JVM as it is now, faulted in
        // and as it grows (locked as it faults): counted in the node's Mlocked, so keep() can make up for it;
        // guest RAM, mapped later, is unlocked by GuestRam and stays reclaimable
        Syscalls.mlockall(Syscalls.MCL_CURRENT | Syscalls.MCL_FUTURE | Syscalls.MCL_ONFAULT);
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
                    long extra = (freePages(r) - target) * 4 / HUGE_KIB;
                    if (extra <= 0) {
                        break;
                    }
                    Files.writeString(hugePages(r), String.valueOf(held + extra));
                    long now = readLong(hugePages(r));
                    if (now == held) {
                        break; // the node gives no more whole blocks
                    }
                    held = now;
                }
                // the rest, to the page: the last 2 MiB, and what compaction could not make whole
                long ballastPages = 0;
                List<long[]> mine = new ArrayList<>();
                ballast.add(mine);
                for (int pass = 0; pass < 4; pass++) {
                    long extra = freePages(r) - target;
                    if (extra <= BALLAST_SLACK_PAGES) {
                        break;
                    }
                    mine.add(lockOnNode(r, extra));
                    ballastPages += extra;
                }
                String zones = LinuxHost.readProcFile("/proc/zoneinfo"); // one read: the watermarks and the room as set
                long[] w = zoneinfo(zones, r);
                long[] room = usableFreePages(zones, r);
                out.add(new Node(r, target, before, held, ballastPages, room[0], room[1], w[0], w[1], w[2]));
            }
        } catch (IOException | SyscallException e) {
            NodeRoom partial = new NodeRoom(out, ballast, minFreeBefore, scaleBefore);
            partial.pcpFractionBefore = pcpBefore;
            partial.close();
            throw new IllegalStateException("cannot resize the NUMA nodes: " + e.getMessage(), e);
        }
        NodeRoom room = new NodeRoom(out, ballast, minFreeBefore, scaleBefore);
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

    /**
     * A node's free pages that guest RAM can have: per zone, its free pages ({@code pages free})
     * and those on its per-CPU free lists ({@code count:}, which {@code MemFree} leaves out and
     * an allocation on that CPU takes first), less the zone's {@code lowmem_reserve} for a
     * movable allocation ({@code protection:}'s column of the Movable zone). Guest RAM is
     * {@code GFP_HIGHUSER_MOVABLE}: {@code __zone_watermark_ok} lets it into a lower zone only
     * above {@code min + lowmem_reserve[ZONE_MOVABLE]}, so those pages are the kernel's, not the
     * room's (about 1,000 pages of node 0's DMA zone in the test VM, and a DMA32 zone's share
     * where the node has a Movable zone above it).
     *
     * @return {@code {usable free pages, reserved free pages}} of the node
     */
    static long[] usableFreePages(String zoneinfo, int node) {
        List<String> zones = new ArrayList<>();
        List<long[]> perZone = new ArrayList<>(); // {free, pcp}
        List<long[]> protection = new ArrayList<>();
        boolean in = false;
        for (String line : zoneinfo.lines().toList()) {
            String t = line.trim();
            if (t.startsWith("Node ")) {
                in = t.startsWith("Node " + node + ",");
                if (in) {
                    String[] f = t.split("\\s+");
                    zones.add(f[f.length - 1]);
                    perZone.add(new long[2]);
                    protection.add(new long[0]);
                }
                continue;
            }
            if (!in) {
                continue;
            }
            String[] f = t.split("\\s+");
            long[] z = perZone.getLast();
            if (f.length == 3 && f[0].equals("pages") && f[1].equals("free")) {
                z[0] = Long.parseLong(f[2]);
            } else if (f.length == 2 && f[0].equals("count:")) {
                z[1] += Long.parseLong(f[1]);
            } else if (t.startsWith("protection:")) {
                String[] v = t.substring(t.indexOf('(') + 1, t.indexOf(')')).split(",");
                long[] p = new long[v.length];
                for (int i = 0; i < v.length; i++) {
                    p[i] = Long.parseLong(v[i].trim());
                }
                protection.set(protection.size() - 1, p);
            }
        }
        int movable = zones.indexOf("Movable");
        long usable = 0;
        long reserved = 0;
        for (int i = 0; i < zones.size(); i++) {
            long free = perZone.get(i)[0] + perZone.get(i)[1];
            long[] p = protection.get(i);
            long reserve = p.length == 0 ? 0 : p[movable >= 0 && movable < p.length ? movable : p.length - 1];
            usable += Math.max(0, free - reserve);
            reserved += Math.min(free, reserve);
        }
        return new long[] {usable, reserved};
    }

    /** {@link #usableFreePages(String, int)}'s usable pages of a node now. */
    static long freePages(int node) throws IOException {
        return usableFreePages(LinuxHost.readProcFile("/proc/zoneinfo"), node)[0];
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

    /** Gives the ballast and the huge pages back (each node to its count before), and the settings. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (List<long[]> mine : ballast) {
            for (long[] m : mine) {
                try {
                    Syscalls.munmap(m[0], m[1] * Syscalls.PAGE_SIZE);
                } catch (SyscallException e) {
                    // the process ends with the run; its memory goes with it
                }
            }
        }
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
