package dev.copyless.mm;

/**
 * Bit layout of the per-gfn location word kept by the host for every guest frame: the
 * simulated equivalent of the KVM second-level (EPT) entry plus the host mm's PTE or swap
 * entry behind it. One {@code long} per gfn, no object per page.
 *
 * <pre>
 *  63  49 48 47 46 45 44 43 42 41      34 33                              2 1  0
 * +-----+--+--+--+--+--+--+--+----------+---------------------------------+----+
 * |unusd|EU|D |SC|PT|RA|MT|A | node/dev |      pfn (RESIDENT) or slot      |kind|
 * +-----+--+--+--+--+--+--+--+----------+---------------------------------+----+
 * </pre>
 *
 * <ul>
 *   <li>{@code kind}: {@link #UNBACKED} (no frame, no slot: a first touch populates a zero
 *       page), {@link #RESIDENT} (a frame {@code pfn} on host node {@code node}),
 *       {@link #SWAPPED} (slot {@code slot} of swap device {@code dev}) or {@link #POISONED}
 *       (the data is lost: a swap slot that could not be read back; no frame, no slot, the
 *       {@code node} field holds the pinned node; the kernel's poisoned swap entry,
 *       {@code PTE_MARKER_POISONED}, whose access gives {@code VM_FAULT_HWPOISON}).</li>
 *   <li>{@code A}: the accessed bit (EPT A/D bit) that the host's clock reclaim reads and
 *       clears; set by every guest access.</li>
 *   <li>{@code MT}: migrate on touch. The host mapped a moved page's new source location
 *       to this gfn without moving the data (map-then-migrate, claims 2-5); the first guest
 *       touch faults and migrates the data into the gfn's pinned node.</li>
 *   <li>{@code RA}: brought into the swap cache by swap readahead and not yet touched
 *       ({@code PG_readahead}; {@code swap_ra_hit} accounting). Only on a
 *       {@code SWAPPED} word: with {@code SWAPCACHE}, read ahead; without, a read that hold-back
 *       (claim 12) suppressed, so that the page's fault feeds the readahead window as a hit
 *       would have.</li>
 *   <li>{@code SC}: swap cache ({@code PG_swapcache}). The gfn owns a frame <em>and</em> a swap
 *       slot that hold the same data. {@code RESIDENT|SC}: the frame is mapped, the slot is
 *       kept (the slot is in {@code SwapDevice}'s side table of cached frames); {@code SWAPPED|SC}:
 *       the entry is still a swap entry but a frame in the swap cache on some node holds its
 *       data (brought by readahead, or remapped there), so its fault is a minor fault with no
 *       device read ({@code swap_cache_get_folio}). The frame of a {@code SWAPPED|SC} word is
 *       found from the slot, the slot of a {@code RESIDENT|SC} word from the frame (the
 *       host's side tables, not the word).</li>
 *   <li>{@code D}: dirty (the EPT D bit, {@code pte_dirty}). Meaningful with {@code SC}: a
 *       clean swap-cache page is dropped by reclaim without I/O, a dirty one is written back
 *       to its slot. A resident page without {@code SC} has no copy on swap and is always
 *       written when reclaimed.</li>
 *   <li>{@code PT}: promote on touch, a demoted page whose next touch faults ({@link Promotion}).
 *       In tiering mode ({@code numa_balancing=2}) the host's NUMA scanner set it: the PTE is
 *       {@code PROT_NONE}, and the hinting fault restores it and promotes the page to its pinned
 *       node only if it is hot and the rate limit allows; in on-touch mode demotion set it and the
 *       touch promotes. Either way hold-back (claim 12) keeps the page where it is.</li>
 *   <li>{@code EU}: EPT unmapped. The host changed this gfn's mapping behind a running guest
 *       (a copyless migration installed the destination's page; a demotion moved the frame),
 *       so the MMU notifier dropped its EPT entry: the next guest touch takes an EPT violation
 *       that maps it again ({@code cost.ept-fault-ns}), as a naive guest's copy pays at its
 *       destination. Only on a {@code RESIDENT} word.</li>
 * </ul>
 *
 * <p>The access fast path tests {@code (word & FAST_MASK) == RESIDENT}: any flag that needs
 * the slow path lives under {@link #FAST_MASK}.
 */
public final class PageState {
    private PageState() {}

    public static final int UNBACKED = 0;
    public static final int RESIDENT = 1;
    public static final int SWAPPED = 2;
    public static final int POISONED = 3;

    public static final long KIND_MASK = 0x3L;
    public static final int ID_SHIFT = 2;
    public static final long ID_MASK = 0xFFFF_FFFFL;
    public static final int NODE_SHIFT = 34;
    public static final long NODE_MASK = 0xFFL;
    public static final long ACCESSED = 1L << 42;
    public static final long MIGRATE_ON_TOUCH = 1L << 43;
    public static final long READAHEAD = 1L << 44;
    public static final long PROMOTE_ON_TOUCH = 1L << 45;
    public static final long SWAPCACHE = 1L << 46;
    public static final long DIRTY = 1L << 47;
    public static final long EPT_UNMAPPED = 1L << 48;
    /** Bits that force the access slow path when set (or when the kind is not RESIDENT). */
    public static final long FAST_MASK = KIND_MASK | MIGRATE_ON_TOUCH | READAHEAD | PROMOTE_ON_TOUCH | EPT_UNMAPPED;

    /** Word of an unbacked gfn (all zero, so a fresh {@code long[]} is all unbacked). */
    public static final long UNBACKED_WORD = 0L;

    /**
     * Nodes, and swap devices, a host may have: 127, what the exported moved-page list's one-byte
     * entry can name (docs/ABI.md); the 8-bit node/dev field of this word would hold 256.
     */
    public static final int MAX_NODES = 127;

    public static long resident(int node, int pfn) {
        return RESIDENT | ((pfn & ID_MASK) << ID_SHIFT) | ((node & NODE_MASK) << NODE_SHIFT);
    }

    public static long swapped(int device, int slot) {
        return SWAPPED | ((slot & ID_MASK) << ID_SHIFT) | ((device & NODE_MASK) << NODE_SHIFT);
    }

    /** The word of a gfn whose data the host lost (see {@link #POISONED}); {@code node} is its pinned node. */
    public static long poisoned(int node) {
        return POISONED | ((node & NODE_MASK) << NODE_SHIFT);
    }

    public static boolean isPoisoned(long word) {
        return (word & KIND_MASK) == POISONED;
    }

    public static int kind(long word) {
        return (int) (word & KIND_MASK);
    }

    /** The pfn of a RESIDENT word or the slot of a SWAPPED word. */
    public static int id(long word) {
        return (int) ((word >>> ID_SHIFT) & ID_MASK);
    }

    /** The node of a RESIDENT word or the swap device of a SWAPPED word. */
    public static int nodeOrDevice(long word) {
        return (int) ((word >>> NODE_SHIFT) & NODE_MASK);
    }

    public static boolean isResident(long word) {
        return (word & KIND_MASK) == RESIDENT;
    }

    public static boolean isSwapped(long word) {
        return (word & KIND_MASK) == SWAPPED;
    }

    /** Flags that travel with the data when a location is re-mapped: none today; A is per mapping. */
    public static long locationOnly(long word) {
        return word & (KIND_MASK | (ID_MASK << ID_SHIFT) | (NODE_MASK << NODE_SHIFT));
    }

    /** Whether the gfn's data is also in a swap-cache frame and a swap slot ({@link #SWAPCACHE}). */
    public static boolean inSwapCache(long word) {
        return (word & SWAPCACHE) != 0;
    }

    public static String describe(long word) {
        String sc = (word & SWAPCACHE) != 0 ? "|SWAPCACHE" : "";
        return switch (kind(word)) {
            case RESIDENT -> "RESIDENT" + sc + "(node " + nodeOrDevice(word) + ", pfn " + id(word) + ")";
            case SWAPPED -> "SWAPPED" + sc + "(device " + nodeOrDevice(word) + ", slot " + id(word) + ")";
            case POISONED -> "POISONED(pinned node " + nodeOrDevice(word) + ")";
            default -> "UNBACKED";
        };
    }
}
