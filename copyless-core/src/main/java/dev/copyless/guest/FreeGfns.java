package dev.copyless.guest;

import java.util.Arrays;

/**
 * One vNode's free gfns, in the order of the guest page allocator's free list: the most
 * recently freed gfn first ({@code free_unref_page} puts a freed page at the head of its list
 * and the next allocation takes it while it is cache-hot), then the gfns never allocated, in
 * ascending order from a cursor. That is the order of the array stack this list replaced (its
 * bottom held the vNode's gfns in descending order, lowest on top): the same gfns are handed
 * out in the same order, so a run's results do not change.
 *
 * <p>Memory: the never-allocated gfns cost nothing (a cursor), and the freed ones 4 bytes each
 * while they are free, in chunks of {@link #CHUNK} entries that are dropped again when the list
 * shrinks (one empty chunk is kept to avoid allocating at a boundary). A guest whose tasks
 * touched a tenth of its memory holds at most that tenth here, however large its vNodes.
 * Single-threaded, as the guest kernel's allocator under its zone lock.
 */
final class FreeGfns {
    static final int CHUNK_SHIFT = 12;
    /** Entries per chunk of the freed stack (16 KiB). */
    static final int CHUNK = 1 << CHUNK_SHIFT;

    private final int end;
    /** Gfns in {@code [cursor, end)} were never allocated. */
    private int cursor;
    private int[][] chunks = new int[0][];
    /** Freed gfns on the stack. */
    private int freed;

    /** The free list of the gfns {@code [start, start + count)}, all free. */
    FreeGfns(int start, int count) {
        this.cursor = start;
        this.end = start + count;
    }

    /** Free gfns. */
    int count() {
        return freed + (end - cursor);
    }

    /** Whether {@code gfn} was never allocated (it is free, and not on the freed stack). */
    boolean neverAllocated(int gfn) {
        return gfn >= cursor && gfn < end;
    }

    /** Takes the next free gfn; {@link GuestVm#NO_GFN} when there is none. */
    int allocate() {
        if (freed > 0) {
            int i = --freed;
            int gfn = chunks[i >>> CHUNK_SHIFT][i & (CHUNK - 1)];
            int spare = (i >>> CHUNK_SHIFT) + 1;
            if ((i & (CHUNK - 1)) == 0 && spare < chunks.length && chunks[spare] != null) {
                chunks[spare] = null; // keep one empty chunk, drop the one after it
            }
            return gfn;
        }
        return cursor < end ? cursor++ : GuestVm.NO_GFN;
    }

    /** Puts a freed gfn at the head: the next {@link #allocate} returns it. */
    void free(int gfn) {
        int c = freed >>> CHUNK_SHIFT;
        if (c == chunks.length) {
            chunks = Arrays.copyOf(chunks, Math.max(4, 2 * c));
        }
        if (chunks[c] == null) {
            chunks[c] = new int[CHUNK];
        }
        chunks[c][freed & (CHUNK - 1)] = gfn;
        freed++;
    }

    /** Bytes the freed stack holds now (chunks and their index), for the footprint figures. */
    long heapBytes() {
        long b = 16L + 8L * chunks.length;
        for (int[] c : chunks) {
            if (c != null) {
                b += 16L + 4L * CHUNK;
            }
        }
        return b;
    }
}
