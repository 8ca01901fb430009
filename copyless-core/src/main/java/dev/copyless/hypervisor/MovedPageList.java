package dev.copyless.hypervisor;

import dev.copyless.mm.PageState;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * The exported data object of claim 1: for one VM, the references (gfn numbers, claim 13)
 * of every page the host has moved off its pinned node, each with its new location (the kind:
 * another node or a swap device, and which one); kept up to date on every first migration and
 * every return (claim 10).
 *
 * <p>The list lives in the memory it is exported in: one little-endian segment, a 64-byte
 * header (magic {@code "CPML"}, version, entry size, seqcount, capacity, size; see
 * {@code docs/ABI.md}) followed by one {@code u8} entry per gfn, {@code 0} when the gfn is not
 * listed, else
 *
 * <pre>
 *    7      6          0
 * +------+--------------+
 * | NODE | loc id + 1   |
 * +------+--------------+
 * </pre>
 *
 * {@code NODE} = 1: resident on another host node ({@link PageState#RESIDENT}, loc id = the
 * node), 0: swapped ({@link PageState#SWAPPED}, loc id = the swap device); loc id + 1 is never 0,
 * so a listed entry never reads as unlisted. Seven bits name up to {@link #MAX_LOCATIONS} nodes
 * and as many swap devices (Linux has at most 32 swap types, {@code MAX_SWAPFILES_SHIFT} 5).
 * One byte per gfn, where version 1 of the ABI gave each entry a {@code u64} with the generation
 * of its last write: 1 byte of heap per simulated guest page instead of 8 (BENCHMARKS.md,
 * memory footprint); a reader that needs to know whether entries changed compares the list's
 * seqcount before and after, as it must anyway to read several entries consistently.
 * {@link #segment()} is the read-only mapping a guest gets: a live mirror at no extra cost,
 * since the host writes nowhere else. The guest reads it with {@link MovedPageListView}.
 *
 * <p>Concurrency: one writer (the host thread that changed the mapping, through the
 * hypervisor's MMU notifier) and any number of lock-free guest readers. The writer bumps
 * the sequence count to odd, writes the entry and the size with release semantics, bumps it
 * to even ({@code seqcount_t}); a reader that needs a consistent view of several entries
 * reads the seqcount before and after and retries on a change or an odd value. A single
 * entry is always read atomically ({@link #entry} is an acquire load of one byte).
 */
public final class MovedPageList {
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.withOrder(ByteOrder.LITTLE_ENDIAN).varHandle();
    private static final VarHandle BYTE = ValueLayout.JAVA_BYTE.varHandle();

    /** Bit of an entry: resident on another node (else swapped). */
    public static final int NODE = 0x80;
    private static final int ID_MASK = 0x7F;
    /** Nodes, and swap devices, an entry can name: 7 bits, the value 0 kept for "not listed". */
    public static final int MAX_LOCATIONS = ID_MASK;

    private final MemorySegment seg;
    private final MemorySegment exported;
    private final int capacity;

    public MovedPageList(int gfns) {
        this.capacity = gfns;
        // a long[] keeps the segment 8-byte aligned, as acquire/release access to the header needs, and on the heap
        this.seg = MemorySegment.ofArray(new long[(HypercallAbi.LIST_HEADER + gfns + 7) / 8]);
        seg.set(HypercallAbi.U32, HypercallAbi.LIST_MAGIC_OFF, HypercallAbi.LIST_MAGIC);
        seg.set(HypercallAbi.U16, HypercallAbi.LIST_VERSION, (short) HypercallAbi.LIST_FORMAT);
        seg.set(HypercallAbi.U16, HypercallAbi.LIST_ENTRY_SIZE, (short) 1);
        seg.set(HypercallAbi.U64, HypercallAbi.LIST_CAPACITY, gfns);
        this.exported = seg.asReadOnly();
    }

    private static long off(int gfn) {
        return HypercallAbi.LIST_HEADER + (long) gfn;
    }

    /** The entry of a location word's location (kind and id), as the list stores it. */
    static int encode(long stateWord) {
        int id = PageState.nodeOrDevice(stateWord);
        if (id >= MAX_LOCATIONS) {
            throw new IllegalArgumentException("location id " + id + " above the list's " + (MAX_LOCATIONS - 1));
        }
        return (PageState.kind(stateWord) == PageState.RESIDENT ? NODE : 0) | (id + 1);
    }

    /** Number of gfns the list can describe (the VM's memory size in pages). */
    public int capacity() {
        return capacity;
    }

    /** The list as a guest maps it: read-only, header then entries (docs/ABI.md). */
    public MemorySegment segment() {
        return exported;
    }

    /** Writer side: records gfn's new location (moved) or removes it (back on its pinned node, or unbacked). */
    void update(int gfn, long stateWord, boolean moved) {
        int e = moved ? encode(stateWord) : 0;
        long s = (long) LONG.get(seg, (long) HypercallAbi.LIST_SEQ) + 1;
        LONG.setVolatile(seg, (long) HypercallAbi.LIST_SEQ, s); // odd: update in progress
        long off = off(gfn);
        int old = (byte) BYTE.get(seg, off);
        BYTE.setRelease(seg, off, (byte) e);
        long size = (long) LONG.get(seg, (long) HypercallAbi.LIST_SIZE);
        if (old == 0 && e != 0) {
            LONG.setRelease(seg, (long) HypercallAbi.LIST_SIZE, size + 1);
        } else if (old != 0 && e == 0) {
            LONG.setRelease(seg, (long) HypercallAbi.LIST_SIZE, size - 1);
        }
        LONG.setRelease(seg, (long) HypercallAbi.LIST_SEQ, s + 1); // even: consistent
    }

    /** Lock-free reader: the entry of a gfn (0 if not listed). */
    public long entry(int gfn) {
        return (byte) BYTE.getAcquire(seg, off(gfn)) & 0xFF;
    }

    /** Claim 9's inspection of one reference. */
    public boolean isMoved(int gfn) {
        return entry(gfn) != 0;
    }

    /** The sequence count: even when no update is in progress; grows by 2 per update. */
    public long generation() {
        return (long) LONG.getAcquire(seg, (long) HypercallAbi.LIST_SEQ);
    }

    /** Number of listed gfns. */
    public int size() {
        return (int) (long) LONG.getAcquire(seg, (long) HypercallAbi.LIST_SIZE);
    }

    /** The kind of an entry: {@link PageState#RESIDENT} (another node), {@link PageState#SWAPPED}, or 0 when not listed. */
    public static int kind(long entry) {
        if (entry == 0) {
            return 0;
        }
        return (entry & NODE) != 0 ? PageState.RESIDENT : PageState.SWAPPED;
    }

    /** The node (kind RESIDENT) or swap device (kind SWAPPED) of a listed entry. */
    public static int locationId(long entry) {
        return (int) (entry & ID_MASK) - 1;
    }

    /** The listed gfns in ascending order (claim 13's references), for reports and tests. */
    public int[] references() {
        int n = size();
        int[] out = new int[n];
        int k = 0;
        for (int g = 0; g < capacity && k < out.length; g++) {
            if (entry(g) != 0) {
                out[k++] = g;
            }
        }
        return k == out.length ? out : java.util.Arrays.copyOf(out, k);
    }
}
