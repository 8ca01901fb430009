package dev.copyless.hypervisor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * The guest's reader of the exported moved-page list (claims 1, 9, 10, 13), over the shared
 * memory the hypervisor maps into it ({@link MovedPageList#segment()}; layout in
 * {@code docs/ABI.md}). It checks the header once, reads single entries with acquire loads,
 * and reads several entries, or the size, consistently by the seqcount protocol
 * ({@code read_seqcount_begin} / {@code read_seqcount_retry}): wait for an even count, read,
 * and retry if the count moved meanwhile. It never writes.
 */
public final class MovedPageListView {
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.withOrder(ByteOrder.LITTLE_ENDIAN).varHandle();
    private static final VarHandle BYTE = ValueLayout.JAVA_BYTE.varHandle();

    private final MemorySegment seg;
    private final long capacity;
    private long retries;

    /**
     * @throws IllegalArgumentException if the segment does not hold a moved-page list of format
     *                                  {@link HypercallAbi#LIST_FORMAT}
     *                                  (magic, version, entry size, capacity against its length)
     */
    public MovedPageListView(MemorySegment shared) {
        if (shared.byteSize() < HypercallAbi.LIST_HEADER) {
            throw new IllegalArgumentException("moved-page list segment shorter than its 64-byte header");
        }
        if (HypercallAbi.u32(shared, HypercallAbi.LIST_MAGIC_OFF) != HypercallAbi.LIST_MAGIC) {
            throw new IllegalArgumentException("moved-page list magic is not \"CPML\"");
        }
        int version = HypercallAbi.u16(shared, HypercallAbi.LIST_VERSION);
        if (version != HypercallAbi.LIST_FORMAT) {
            throw new IllegalArgumentException("moved-page list version " + version + " not supported");
        }
        if (HypercallAbi.u16(shared, HypercallAbi.LIST_ENTRY_SIZE) != 1) {
            throw new IllegalArgumentException("moved-page list entry size is not 1");
        }
        long cap = HypercallAbi.u64(shared, HypercallAbi.LIST_CAPACITY);
        if (cap < 0 || cap > shared.byteSize() - HypercallAbi.LIST_HEADER) {
            throw new IllegalArgumentException("moved-page list capacity " + cap + " does not fit its segment");
        }
        this.seg = shared;
        this.capacity = cap;
    }

    /** gfns the list describes. */
    public long capacity() {
        return capacity;
    }

    /** One entry, read atomically (0: not listed; decode with {@link MovedPageList#kind}, {@link MovedPageList#locationId}). */
    public long entry(long gfn) {
        if (gfn < 0 || gfn >= capacity) {
            throw new IndexOutOfBoundsException("gfn " + gfn + " outside the list's " + capacity);
        }
        return (byte) BYTE.getAcquire(seg, HypercallAbi.LIST_HEADER + gfn) & 0xFF;
    }

    /** Claim 9's inspection of one reference. */
    public boolean isMoved(long gfn) {
        return entry(gfn) != 0;
    }

    /** The seqcount now (odd while the host is writing). */
    public long generation() {
        return (long) LONG.getAcquire(seg, (long) HypercallAbi.LIST_SEQ);
    }

    /** {@code read_seqcount_begin}: waits for an even count and returns it. */
    private long begin() {
        long s;
        while (((s = generation()) & 1) != 0) {
            Thread.onSpinWait();
        }
        return s;
    }

    /** {@code read_seqcount_retry}: whether a read that began at {@code s} must be redone. */
    private boolean retry(long s) {
        VarHandle.acquireFence();
        if (generation() != s) {
            retries++;
            return true;
        }
        return false;
    }

    /**
     * Copies {@code n} consecutive entries from {@code fromGfn} into {@code out[off..]} as one
     * consistent snapshot (no update in between).
     *
     * @return the (even) generation of the snapshot
     */
    public long read(long fromGfn, long[] out, int off, int n) {
        if (fromGfn < 0 || n < 0 || fromGfn + n > capacity) {
            throw new IndexOutOfBoundsException("entries " + fromGfn + ".." + (fromGfn + n) + " outside " + capacity);
        }
        long s;
        do {
            s = begin();
            for (int i = 0; i < n; i++) {
                out[off + i] = (byte) BYTE.getAcquire(seg, HypercallAbi.LIST_HEADER + fromGfn + i) & 0xFF;
            }
        } while (retry(s));
        return s;
    }

    /** Number of listed gfns, read consistently with the seqcount. */
    public long size() {
        long s;
        long size;
        do {
            s = begin();
            size = (long) LONG.getAcquire(seg, (long) HypercallAbi.LIST_SIZE);
        } while (retry(s));
        return size;
    }

    /** Reads this view had to redo because the host wrote meanwhile (a diagnostic). */
    public long retries() {
        return retries;
    }
}
