package dev.copyless.mm;

/**
 * The owners of a node's frames or of a swap device's slots, and their free list, in one
 * {@code int} per frame or slot: the reverse map of the simulated host ({@link FrameOwner}
 * words at the interface, {@link HostGfns} indexes inside).
 *
 * <pre>
 *   code       meaning
 *   &gt;= 1       owned by the guest page of host-wide gfn index (code - 1)
 *   0          free, never allocated (every entry at or above the cursor)
 *   -1         {@link FrameOwner#RESERVED}
 *   &lt;= -2      free, on the freed list; the next freed entry is (-code - 3), -1 ending the list
 * </pre>
 *
 * <p>The free list is Linux's way of keeping free pages: a free page's {@code struct page} holds
 * the list link ({@code page->lru} on the buddy free lists), so the list costs no memory beyond
 * the per-page word that already exists. Allocation order is a stack's: the most recently freed
 * entry first, then the never-allocated entries in ascending order from the cursor. That is the
 * order of the array stack this table replaced (its bottom held the entries in descending order,
 * so it handed out 0, 1, 2, ... until something was freed, and a freed entry went on top):
 * the same frames and slots are handed out in the same order, and a run's results do not change.
 * A fresh table is all zero, so building one for a 1 TiB host writes nothing.
 *
 * <p>Single-threaded, as the host that owns it.
 */
public final class OwnerTable {
    private static final int NEVER_USED = 0;
    private static final int RESERVED_CODE = -1;
    private static final int END = -1;

    private final int[] code;
    private HostGfns gfns;
    /** Entries at and above it were never allocated. */
    private int cursor;
    /** The most recently freed entry, or {@link #END}. */
    private int freed = END;
    private int free;

    /** A table of {@code size} free entries, whose guest owners are indexes of {@code gfns}. */
    public OwnerTable(int size, HostGfns gfns) {
        this.code = new int[size];
        this.gfns = gfns;
        this.free = size;
    }

    /** A table whose gfn space is given later, by {@link #useGfns}. */
    public OwnerTable(int size) {
        this(size, null);
    }

    /** The host's gfn space; set once, by the host this table belongs to, before any owner is written. */
    public void useGfns(HostGfns space) {
        if (gfns != null && gfns != space) {
            throw new IllegalStateException("owner table already belongs to another host");
        }
        gfns = space;
    }

    public int size() {
        return code.length;
    }

    public int free() {
        return free;
    }

    /** The owner of entry {@code i}: a {@link FrameOwner} word, {@link FrameOwner#FREE} or {@link FrameOwner#RESERVED}. */
    public long owner(int i) {
        int c = code[i];
        if (c > 0) {
            return gfns.owner(c - 1);
        }
        return c == RESERVED_CODE ? FrameOwner.RESERVED : FrameOwner.FREE;
    }

    /** Re-points an allocated entry at another owner (a guest page, or {@link FrameOwner#RESERVED}). */
    public void setOwner(int i, long owner) {
        if (code[i] != RESERVED_CODE && code[i] <= 0) {
            throw new IllegalStateException("entry " + i + " is free: allocate it first");
        }
        code[i] = encode(owner);
    }

    /** Takes the next free entry for {@code owner}; -1 when none is free. */
    public int allocate(long owner) {
        int i;
        if (freed != END) {
            i = freed;
            freed = -code[i] - 3;
        } else if (cursor < code.length) {
            i = cursor++;
        } else {
            return -1;
        }
        code[i] = encode(owner);
        free--;
        return i;
    }

    /** Returns an allocated entry to the free list: the next {@link #allocate} takes it. */
    public void free(int i) {
        if (code[i] != RESERVED_CODE && code[i] <= 0) {
            throw new IllegalStateException("entry " + i + " is free already");
        }
        code[i] = -freed - 3;
        freed = i;
        free++;
    }

    private int encode(long owner) {
        if (owner == FrameOwner.RESERVED) {
            return RESERVED_CODE;
        }
        if (!FrameOwner.isGuestPage(owner)) {
            throw new IllegalArgumentException("not an owner: " + owner);
        }
        return gfns.index(owner) + 1;
    }
}
