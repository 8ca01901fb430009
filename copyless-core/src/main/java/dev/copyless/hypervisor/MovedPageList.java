package dev.copyless.hypervisor;

import dev.copyless.mm.PageState;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * The exported data object of claim 1: for one VM, the references (gfn numbers, claim 13)
 * of every page the host has moved off its pinned node, each with its new location kind and
 * id and the generation at which it was written; kept up to date on every first migration
 * and every return (claim 10).
 *
 * <p>The list lives in the memory it is exported in: one little-endian segment, a 64-byte
 * header (magic {@code "CPML"}, version, entry size, seqcount, capacity, size; see
 * {@code docs/ABI.md}) followed by one {@code u64} entry per gfn, {@code 0} when the gfn is not
 * listed, else
 *
 * <pre>
 *  63                 32 31      11 10     3 2   1 0
 * +---------------------+----------+--------+-----+-+
 * |  generation (u32)   |  unused  | loc id |kind |P|
 * +---------------------+----------+--------+-----+-+
 * </pre>
 *
 * {@code P} = present; {@code kind} is {@link PageState#SWAPPED} (loc id = swap device) or
 * {@link PageState#RESIDENT} (loc id = host node); the generation is the list's
 * {@link #generation()} after the write. {@link #segment()} is the read-only mapping a guest
 * gets: a live mirror at no extra cost, since the host writes nowhere else. The guest reads it
 * with {@link MovedPageListView}.
 *
 * <p>Concurrency: one writer (the host thread that changed the mapping, through the
 * hypervisor's MMU notifier) and any number of lock-free guest readers. The writer bumps
 * the sequence count to odd, writes the entry and the size with release semantics, bumps it
 * to even ({@code seqcount_t}); a reader that needs a consistent view of several entries
 * reads the seqcount before and after and retries on a change or an odd value. A single
 * entry is always read atomically ({@link #entry} is an acquire load).
 */
public final class MovedPageList {
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.withOrder(ByteOrder.LITTLE_ENDIAN).varHandle();

    public static final long PRESENT = 1L;

    private final MemorySegment seg;
    private final MemorySegment exported;
    private final int capacity;

    public MovedPageList(int gfns) {
        this.capacity = gfns;
        // a long[] keeps the segment 8-byte aligned, as acquire/release access needs, and on the heap
        this.seg = MemorySegment.ofArray(new long[HypercallAbi.LIST_HEADER / 8 + gfns]);
        seg.set(HypercallAbi.U32, HypercallAbi.LIST_MAGIC_OFF, HypercallAbi.LIST_MAGIC);
        seg.set(HypercallAbi.U16, HypercallAbi.LIST_VERSION, (short) HypercallAbi.VERSION);
        seg.set(HypercallAbi.U16, HypercallAbi.LIST_ENTRY_SIZE, (short) 8);
        seg.set(HypercallAbi.U64, HypercallAbi.LIST_CAPACITY, gfns);
        this.exported = seg.asReadOnly();
    }

    private static long off(int gfn) {
        return HypercallAbi.LIST_HEADER + 8L * gfn;
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
        long s = (long) LONG.get(seg, (long) HypercallAbi.LIST_SEQ) + 1;
        LONG.setVolatile(seg, (long) HypercallAbi.LIST_SEQ, s); // odd: update in progress
        long off = off(gfn);
        long old = (long) LONG.get(seg, off);
        long e = 0;
        if (moved) {
            long gen = (s + 1) >>> 1;
            e = PRESENT | ((long) PageState.kind(stateWord) << 1)
                    | ((long) PageState.nodeOrDevice(stateWord) << 3) | (gen << 32);
        }
        LONG.setRelease(seg, off, e);
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
        return (long) LONG.getAcquire(seg, off(gfn));
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

    public static int kind(long entry) {
        return (int) ((entry >>> 1) & 0x3);
    }

    public static int locationId(long entry) {
        return (int) ((entry >>> 3) & 0xFF);
    }

    public static long entryGeneration(long entry) {
        return entry >>> 32;
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
