package dev.copyless.hypervisor;

import dev.copyless.mm.PageState;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The exported data object of claim 1: for one VM, the references (gfn numbers, claim 13)
 * of every page the host has moved off its pinned node, each with its new location kind and
 * id and the generation at which it was written; kept up to date on every first migration
 * and every return (claim 10).
 *
 * <p>Layout: one {@code long} entry per gfn, {@code 0} when the gfn is not listed, else
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
 * {@link #generation()} after the write.
 *
 * <p>Concurrency: one writer (the host thread that changed the mapping, through the
 * hypervisor's MMU notifier) and any number of lock-free guest readers. The writer bumps
 * the sequence count to odd, writes the entry with release semantics, bumps it to even
 * ({@code seqcount_t}); a reader that needs a consistent view of several entries reads
 * {@link #generation()} before and after and retries on a change or an odd value. A single
 * entry is always read atomically ({@link #entry} is an acquire load).
 */
public final class MovedPageList {
    private static final VarHandle ENTRIES = MethodHandles.arrayElementVarHandle(long[].class);
    private static final VarHandle SEQ;

    static {
        try {
            SEQ = MethodHandles.lookup().findVarHandle(MovedPageList.class, "seq", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    public static final long PRESENT = 1L;

    private final long[] entries;
    @SuppressWarnings("unused") // accessed through SEQ
    private volatile long seq;
    private int size;

    public MovedPageList(int gfns) {
        this.entries = new long[gfns];
    }

    /** Number of gfns the list can describe (the VM's memory size in pages). */
    public int capacity() {
        return entries.length;
    }

    /** Writer side: records gfn's new location (moved) or removes it (back on its pinned node, or unbacked). */
    void update(int gfn, long stateWord, boolean moved) {
        long s = (long) SEQ.getAndAdd(this, 1L) + 1; // odd: update in progress
        long old = (long) ENTRIES.getAcquire(entries, gfn);
        long e = 0;
        if (moved) {
            long gen = (s + 1) >>> 1;
            e = PRESENT | ((long) PageState.kind(stateWord) << 1)
                    | ((long) PageState.nodeOrDevice(stateWord) << 3) | (gen << 32);
        }
        ENTRIES.setRelease(entries, gfn, e);
        if (old == 0 && e != 0) {
            size++;
        } else if (old != 0 && e == 0) {
            size--;
        }
        SEQ.getAndAdd(this, 1L); // even: consistent
    }

    /** Lock-free reader: the entry of a gfn (0 if not listed). */
    public long entry(int gfn) {
        return (long) ENTRIES.getAcquire(entries, gfn);
    }

    /** Claim 9's inspection of one reference. */
    public boolean isMoved(int gfn) {
        return entry(gfn) != 0;
    }

    /** The sequence count: even when no update is in progress; grows by 2 per update. */
    public long generation() {
        return (long) SEQ.getVolatile(this);
    }

    /** Number of listed gfns. */
    public int size() {
        return size;
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
        int[] out = new int[size];
        int k = 0;
        for (int g = 0; g < entries.length && k < out.length; g++) {
            if (entry(g) != 0) {
                out[k++] = g;
            }
        }
        return k == out.length ? out : java.util.Arrays.copyOf(out, k);
    }
}
