package dev.copyless.linux;

import static dev.copyless.linux.Syscalls.PAGE_SIZE;

import dev.copyless.mm.Errno;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * One VM's guest RAM in real memory: a single private anonymous mapping, gfn {@code g} at
 * {@code base + g * 4096}, split into vNodes whose ranges are {@code mbind}-ed
 * {@code MPOL_BIND} to their host nodes. This is the pinning the patent starts from (claim 1:
 * "each virtual NUMA node pinned to a host NUMA node"); vNode {@code v} is put on the
 * host's {@code v mod n}-th online node, so on a one-node machine every vNode is on node 0
 * ({@link #placementNote()} says so once).
 *
 * <p>Transparent huge pages are disabled on the mapping ({@code MADV_NOHUGEPAGE}) so that
 * every gfn is one 4 KiB page the kernel swaps on its own. Where the kernel has
 * {@code UFFDIO_MOVE} ({@link MovePrimitive#UFFDIO_MOVE}, Linux 6.8 and later), the whole
 * mapping is registered with a {@link Userfaultfd} in write-protect mode for every path, so
 * that every path runs on the same memory; the registration changes nothing else about it.
 * {@link #mappings} counts the mappings guest RAM spans ({@code /proc/self/maps}): one per
 * vNode bound to a distinct node (vNodes with equal policies merge), and it stays so under
 * {@code UFFDIO_MOVE}. Not thread-safe.
 */
public final class GuestRam implements AutoCloseable {
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;
    private static final int LONGS_PER_PAGE = (int) (PAGE_SIZE / 8);

    private final long base;
    private final int gfns;
    private final int[] vnodeStart;
    private final int[] vnodeNode;
    private final int hostNodes;
    private final MemorySegment ram;
    private final MovePrimitive primitive;
    private final Userfaultfd uffd;
    private boolean closed;

    private GuestRam(int[] vnodePages, int[] vnodeRealNode, int hostNodes, MovePrimitive primitive) {
        this.primitive = primitive;
        this.vnodeStart = new int[vnodePages.length];
        this.vnodeNode = vnodeRealNode.clone();
        this.hostNodes = hostNodes;
        int total = 0;
        for (int v = 0; v < vnodePages.length; v++) {
            if (vnodePages[v] <= 0) {
                throw new IllegalArgumentException("vNode " + v + " has " + vnodePages[v] + " pages");
            }
            vnodeStart[v] = total;
            total += vnodePages[v];
        }
        this.gfns = total;
        long len = (long) total * PAGE_SIZE;
        this.base = Syscalls.mmapAnonymous(0, len, Syscalls.PROT_READ | Syscalls.PROT_WRITE,
                Syscalls.MAP_PRIVATE | Syscalls.MAP_NORESERVE);
        Userfaultfd u = null;
        try {
            Syscalls.munlock(base, len); // reclaimable, even when NodeRoom has every new mapping locked (MCL_FUTURE)
            Syscalls.madvise(base, len, Syscalls.MADV_NOHUGEPAGE);
            for (int v = 0; v < vnodePages.length; v++) {
                Syscalls.mbind(base + (long) vnodeStart[v] * PAGE_SIZE, vnodePages[v] * PAGE_SIZE, Syscalls.MPOL_BIND,
                        vnodeNode[v], 0);
            }
            if (primitive == MovePrimitive.UFFDIO_MOVE) {
                u = Userfaultfd.openForMove();
                u.registerWriteProtect(base, len);
            }
        } catch (RuntimeException e) {
            if (u != null) {
                u.close();
            }
            Syscalls.munmap(base, len);
            throw e;
        }
        this.uffd = u;
        this.ram = Syscalls.segment(base, len);
    }

    /** Maps guest RAM with {@code vnodePages[v]} pages in vNode {@code v}, on this host's online nodes, for this kernel's primitive. */
    public static GuestRam create(int... vnodePages) {
        return create(MovePrimitive.detect(), vnodePages);
    }

    /** {@link #create(int...)} for a given primitive ({@code MREMAP} runs the fallback on any kernel). */
    public static GuestRam create(MovePrimitive primitive, int... vnodePages) {
        int[] online = LinuxHost.onlineNodes();
        int[] nodes = new int[vnodePages.length];
        for (int v = 0; v < nodes.length; v++) {
            nodes[v] = online[v % online.length];
        }
        return new GuestRam(vnodePages, nodes, online.length, primitive);
    }

    /** Maps guest RAM with {@code vnodePages[v]} pages in vNode {@code v} bound to online node {@code realNode[v]}. */
    public static GuestRam createBound(int[] vnodePages, int[] realNode) {
        return createBound(vnodePages, realNode, MovePrimitive.detect());
    }

    /** {@link #createBound(int[], int[])} for a given primitive. */
    public static GuestRam createBound(int[] vnodePages, int[] realNode, MovePrimitive primitive) {
        if (realNode.length != vnodePages.length) {
            throw new IllegalArgumentException(vnodePages.length + " vNodes but " + realNode.length + " nodes");
        }
        return new GuestRam(vnodePages, realNode, LinuxHost.onlineNodes().length, primitive);
    }

    /** The primitive copyless moves this guest RAM's entries with. */
    public MovePrimitive primitive() {
        return primitive;
    }

    /** The userfaultfd guest RAM is registered with ({@link MovePrimitive#UFFDIO_MOVE}), or null under {@code mremap}. */
    Userfaultfd userfaultfd() {
        return uffd;
    }

    /**
     * The number of mappings ({@code /proc/self/maps} lines) that guest RAM's address range
     * spans: 1 per run of vNodes with one policy, and more after each {@code mremap} that split
     * it. What {@code mappings_before} and {@code mappings_after} report.
     */
    public int mappings() {
        check(0, 0);
        long end = base + (long) gfns * PAGE_SIZE;
        int n = 0;
        try {
            for (String line : LinuxHost.readProcFile("/proc/self/maps").lines().toList()) {
                int dash = line.indexOf('-');
                int sp = line.indexOf(' ');
                if (dash < 0 || sp < dash) {
                    continue;
                }
                long lo = Long.parseUnsignedLong(line.substring(0, dash), 16);
                long hi = Long.parseUnsignedLong(line.substring(dash + 1, sp), 16);
                if (lo < end && hi > base) {
                    n++;
                }
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot read /proc/self/maps", e);
        }
        return n;
    }

    /** One line when vNodes had to share host nodes (e.g. a one-node machine), else empty. */
    public String placementNote() {
        if (vnodeNode.length > hostNodes) {
            return hostNodes == 1
                    ? "this host has one NUMA node: every vNode is on node " + vnodeNode[0]
                    + " (the paths run and verify as on a NUMA host, but no page crosses nodes)"
                    : "this host has " + hostNodes + " NUMA nodes for " + vnodeNode.length + " vNodes: vNode v is on online node v mod "
                    + hostNodes;
        }
        return "";
    }

    public int gfns() {
        return gfns;
    }

    public int vnodes() {
        return vnodeStart.length;
    }

    public int vnodeStart(int v) {
        return vnodeStart[v];
    }

    public int vnodePages(int v) {
        return (v + 1 < vnodeStart.length ? vnodeStart[v + 1] : gfns) - vnodeStart[v];
    }

    /** The host node vNode v is bound to. */
    public int vnodeNode(int v) {
        return vnodeNode[v];
    }

    public int vnodeOf(int gfn) {
        int i = Arrays.binarySearch(vnodeStart, gfn);
        return i >= 0 ? i : -i - 2;
    }

    /** The host node gfn is bound to (its vNode's pinning). */
    public int pinnedNode(int gfn) {
        return vnodeNode[vnodeOf(gfn)];
    }

    /** The host virtual address of a gfn. */
    public long address(int gfn) {
        check(gfn, 1);
        return base + (long) gfn * PAGE_SIZE;
    }

    /** {@code mbind(MPOL_BIND)} of a gfn range to a node (no {@code MPOL_MF_MOVE}: only future allocations). */
    public void bind(int gfn, int count, int node) {
        Syscalls.mbind(address(gfn), count * PAGE_SIZE, Syscalls.MPOL_BIND, node, 0);
    }

    /** Fills a page with the pattern of {@code token} (a non-zero value; 0 means the zero page). */
    public void writePattern(int gfn, long token) {
        long off = (long) gfn * PAGE_SIZE;
        for (int i = 0; i < LONGS_PER_PAGE; i++) {
            ram.set(LONG, off + i * 8L, token == 0 ? 0 : mix(token, i));
        }
    }

    /** True when the page holds exactly the pattern of {@code token} (all zero for 0). Reading faults the page in. */
    public boolean checkPattern(int gfn, long token) {
        long off = (long) gfn * PAGE_SIZE;
        for (int i = 0; i < LONGS_PER_PAGE; i++) {
            if (ram.get(LONG, off + i * 8L) != (token == 0 ? 0 : mix(token, i))) {
                return false;
            }
        }
        return true;
    }

    private static long mix(long token, int i) {
        long z = token * 0x9E3779B97F4A7C15L + i;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** The guest RAM as one segment (gfn g at offset g * 4096). */
    public MemorySegment segment() {
        return ram;
    }

    /** {@code MADV_PAGEOUT}: asks the kernel to write the range's pages to swap and drop them. */
    public void pageOut(int gfn, int count) {
        madvise(gfn, count, Syscalls.MADV_PAGEOUT);
    }

    /**
     * {@code lru_add_drain_all}, through a {@code move_pages} of gfn 0 to the node it is bound to
     * ({@code do_pages_move} starts with {@code lru_cache_disable}, which drains every CPU's folio
     * batches). {@code MADV_PAGEOUT} drains only the calling CPU's batch: a page faulted in on
     * another CPU can still sit in that CPU's batch, off the LRU, where it cannot be isolated and
     * is skipped. Moves nothing: the page is already on that node, or not present.
     */
    public void drainLruCaches() {
        int[] status = new int[1];
        Syscalls.movePages(new long[] {address(0)}, 1, new int[] {vnodeNode(0)}, status, Syscalls.MPOL_MF_MOVE);
    }

    /**
     * Pages a range out so that the next fault reads the swap device, without touching any
     * system-wide setting: {@code MADV_PAGEOUT}, {@code MADV_POPULATE_READ} (the pages come
     * back clean from the swap cache and keep their slots), {@code MADV_PAGEOUT} again (clean
     * pages with a slot are dropped at once, leaving nothing in the swap cache).
     */
    public void pageOutCold(int gfn, int count) {
        pageOut(gfn, count);
        populateRead(gfn, count);
        pageOut(gfn, count);
        // A page still under writeback when the second MADV_PAGEOUT came (a slow swap device: the
        // test VM's virtio disk under TCG) is not dropped and stays in the swap cache: wait for
        // the writes, then bring those pages back and drop them again.
        for (int round = 0; round < 4; round++) {
            int[] cached = inSwapCache(gfn, count);
            if (cached.length == 0) {
                return;
            }
            LinuxHost.awaitSwapWriteback(2_000);
            MigrationPaths.forEachRun(cached, cached.length, this::populateRead);
            MigrationPaths.forEachRun(cached, cached.length, this::pageOut);
        }
    }

    /**
     * The gfns of a range whose page-table entry is a swap entry but whose data is still in
     * memory, in the swap cache ({@code mincore} says resident, the pagemap says swapped): a
     * fault on them reads nothing and maps the page on the node that holds it.
     */
    public int[] inSwapCache(int gfn, int count) {
        check(gfn, count);
        byte[] core = new byte[count];
        Syscalls.mincore(address(gfn), count * PAGE_SIZE, core);
        long[] pm = new long[count];
        try (Pagemap p = new Pagemap()) {
            p.read(address(gfn), count, pm);
        }
        int[] out = new int[count];
        int n = 0;
        for (int i = 0; i < count; i++) {
            if ((core[i] & 1) != 0 && Pagemap.swapped(pm[i])) {
                out[n++] = gfn + i;
            }
        }
        return Arrays.copyOf(out, n);
    }

    /**
     * {@code MADV_WILLNEED}: starts the swap-in of every swapped page of the range without
     * waiting for it (the reads go to the device together; the pages land in the swap cache,
     * allocated under the range's policy, and a later fault maps them).
     */
    public void willNeed(int gfn, int count) {
        madvise(gfn, count, Syscalls.MADV_WILLNEED);
    }

    private static volatile boolean vectorAdvice = true;

    /**
     * {@code MADV_WILLNEED} over {@code n} gfn ranges ({@code gfn[i]}, {@code count[i]} pages),
     * in the given order: {@link Syscalls#processMadviseSelf} takes up to 1,024 ranges per call,
     * so a scattered batch is a few system calls rather than one per page; on a kernel without
     * {@code process_madvise} for this advice (before 5.10, or where it is refused), one
     * {@code madvise} per range, in the same order.
     */
    public void willNeed(int[] gfn, int[] count, int n) {
        long[] addrs = new long[n];
        long[] lens = new long[n];
        for (int i = 0; i < n; i++) {
            check(gfn[i], count[i]);
            addrs[i] = address(gfn[i]);
            lens[i] = count[i] * PAGE_SIZE;
        }
        int done = 0;
        while (done < n && vectorAdvice) {
            int k = Math.min(Syscalls.IOV_MAX, n - done);
            long want = 0;
            for (int i = done; i < done + k; i++) {
                want += lens[i];
            }
            long got;
            try {
                got = Syscalls.processMadviseSelf(addrs, lens, done, k, Syscalls.MADV_WILLNEED);
            } catch (SyscallException e) {
                if (e.errno() != Errno.ENOSYS && e.errno() != Errno.EINVAL && e.errno() != Errno.EPERM) {
                    throw e;
                }
                vectorAdvice = false; // the kernel does not take it: one madvise per range from here on
                break;
            }
            if (got < want) { // stopped part way: go on range by range from where it stopped
                int i = done;
                while (i < done + k && got >= lens[i]) {
                    got -= lens[i++];
                }
                done = i;
                if (done < n) {
                    Syscalls.madvise(addrs[done], lens[done], Syscalls.MADV_WILLNEED); // says why, if it fails
                    done++;
                }
                continue;
            }
            done += k;
        }
        for (int i = done; i < n; i++) {
            Syscalls.madvise(addrs[i], lens[i], Syscalls.MADV_WILLNEED);
        }
    }

    /** {@code MADV_POPULATE_READ}: faults the range in for reading (swapped pages are swapped in). */
    public void populateRead(int gfn, int count) {
        madvise(gfn, count, Syscalls.MADV_POPULATE_READ);
    }

    /** {@code MADV_POPULATE_WRITE}: faults the range in for writing. */
    public void populateWrite(int gfn, int count) {
        madvise(gfn, count, Syscalls.MADV_POPULATE_WRITE);
    }

    /** {@code MADV_DONTNEED}: the range becomes unbacked (zero on next touch); swap slots are freed. */
    public void discard(int gfn, int count) {
        madvise(gfn, count, Syscalls.MADV_DONTNEED);
    }

    private void madvise(int gfn, int count, int advice) {
        check(gfn, count);
        Syscalls.madvise(address(gfn), count * PAGE_SIZE, advice);
    }

    /**
     * Gives a gfn range fresh anonymous memory ({@code mmap MAP_FIXED}) bound to its vNode's
     * node, as after an {@code mremap} took its old pages away.
     */
    public void freshAnonymous(int gfn, int count) {
        check(gfn, count);
        long a = address(gfn);
        long len = count * PAGE_SIZE;
        Syscalls.mmapAnonymous(a, len, Syscalls.PROT_READ | Syscalls.PROT_WRITE,
                Syscalls.MAP_PRIVATE | Syscalls.MAP_FIXED | Syscalls.MAP_NORESERVE);
        Syscalls.munlock(a, len); // as in the constructor: guest RAM stays reclaimable
        Syscalls.madvise(a, len, Syscalls.MADV_NOHUGEPAGE);
        int g = gfn;
        while (g < gfn + count) {
            int v = vnodeOf(g);
            int end = Math.min(gfn + count, vnodeStart[v] + vnodePages(v));
            bind(g, end - g, vnodeNode[v]);
            g = end;
        }
    }

    /**
     * The node of each page of a range, {@code move_pages} query (no fault, no move):
     * {@code out[i]} is the node or {@code -errno} ({@code -ENOENT} for a swapped or unbacked page).
     */
    public void nodes(int gfn, int count, int[] out) {
        check(gfn, count);
        final int chunk = 4096;
        long[] addrs = new long[Math.min(chunk, count)];
        int[] st = new int[addrs.length];
        for (int done = 0; done < count; done += chunk) {
            int n = Math.min(chunk, count - done);
            for (int i = 0; i < n; i++) {
                addrs[i] = base + (long) (gfn + done + i) * PAGE_SIZE;
            }
            Syscalls.movePagesQuery(addrs, n, st);
            System.arraycopy(st, 0, out, done, n);
        }
    }

    private void check(int gfn, int count) {
        if (closed) {
            throw new IllegalStateException("guest RAM is unmapped");
        }
        if (gfn < 0 || count < 0 || gfn + (long) count > gfns) {
            throw new IndexOutOfBoundsException("gfns [" + gfn + ", " + (gfn + (long) count) + ") outside [0, " + gfns + ")");
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            try {
                Syscalls.munmap(base, (long) gfns * PAGE_SIZE);
            } finally {
                if (uffd != null) {
                    uffd.close();
                }
            }
        }
    }
}
