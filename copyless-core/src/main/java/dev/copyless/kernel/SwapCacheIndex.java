package dev.copyless.kernel;

/**
 * The swap cache's frame -> slot direction ({@code folio->swap}, the swap entry a swap-cache
 * folio keeps in {@code page->private}), for the frames that are in the swap cache only: an
 * open-addressing hash map from a host-wide frame index to a host-wide slot index. Linux keeps
 * that entry in every frame's {@code struct page}; a per-frame array here cost 8 bytes per host
 * frame while at most one frame per swap slot is ever in the swap cache, so this map holds only
 * those: 8-byte buckets, grown when three quarters full and halved when less than three
 * sixteenths full, so 11 to 43 bytes per swap-cache frame.
 *
 * <p>Linear probing, a bucket {@code (frame + 1) << 32 | slot} ({@code 0}: empty); removal
 * shifts the following entries of the run back (no tombstones), so a lookup stops at the first
 * empty bucket. Lookups only: the map decides no order, so it cannot change a run's results.
 * Single-threaded, as the host.
 */
final class SwapCacheIndex {
    /** No entry ({@link #get}). */
    static final int NONE = -1;
    private static final int MIN_CAPACITY = 64;

    private long[] table = new long[MIN_CAPACITY];
    private int size;

    /** Entries held. */
    int size() {
        return size;
    }

    /** Buckets allocated (for the footprint figures). */
    int capacity() {
        return table.length;
    }

    /** The slot index of {@code frame}, or {@link #NONE}. */
    int get(int frame) {
        long key = (long) frame + 1;
        int mask = table.length - 1;
        for (int i = hash(frame) & mask; ; i = (i + 1) & mask) {
            long b = table[i];
            if (b == 0) {
                return NONE;
            }
            if (b >>> 32 == key) {
                return (int) b;
            }
        }
    }

    /** Maps {@code frame} to {@code slot}, replacing what it held. */
    void put(int frame, int slot) {
        if (frame < 0 || slot < 0) {
            throw new IllegalArgumentException("frame " + frame + ", slot " + slot);
        }
        if (4 * (size + 1) > 3 * table.length) {
            resize(table.length * 2);
        }
        long key = (long) frame + 1;
        int mask = table.length - 1;
        for (int i = hash(frame) & mask; ; i = (i + 1) & mask) {
            long b = table[i];
            if (b == 0) {
                table[i] = key << 32 | slot;
                size++;
                return;
            }
            if (b >>> 32 == key) {
                table[i] = key << 32 | slot;
                return;
            }
        }
    }

    /** Removes {@code frame}'s entry; returns its slot, or {@link #NONE}. */
    int remove(int frame) {
        long key = (long) frame + 1;
        int mask = table.length - 1;
        int i = hash(frame) & mask;
        while (true) {
            long b = table[i];
            if (b == 0) {
                return NONE;
            }
            if (b >>> 32 == key) {
                break;
            }
            i = (i + 1) & mask;
        }
        int slot = (int) table[i];
        // backward shift: move up every later entry of the run whose home is not between the hole and it
        int hole = i;
        for (int j = (i + 1) & mask; table[j] != 0; j = (j + 1) & mask) {
            int home = hash((int) ((table[j] >>> 32) - 1)) & mask;
            if (((j - home) & mask) >= ((j - hole) & mask)) {
                table[hole] = table[j];
                hole = j;
            }
        }
        table[hole] = 0;
        size--;
        if (table.length > MIN_CAPACITY && 16 * size < 3 * table.length) {
            resize(table.length / 2);
        }
        return slot;
    }

    private void resize(int capacity) {
        long[] old = table;
        table = new long[capacity];
        int mask = capacity - 1;
        for (long b : old) {
            if (b != 0) {
                int i = hash((int) ((b >>> 32) - 1)) & mask;
                while (table[i] != 0) {
                    i = (i + 1) & mask;
                }
                table[i] = b;
            }
        }
    }

    /** Fibonacci hashing: neighbouring frames land far apart. */
    private static int hash(int frame) {
        return (int) ((frame * 0x9E3779B97F4A7C15L) >>> 32);
    }
}
