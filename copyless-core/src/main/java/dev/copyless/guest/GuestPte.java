package dev.copyless.guest;

/**
 * Bit layout of a guest page-table entry (one {@code int} per guest virtual page).
 *
 * <pre>
 *   31   30        29          28                 0
 * +----+---------+---------+------------------------+
 * | NP |PROT_NONE| PENDING |          gfn           |
 * +----+---------+---------+------------------------+
 * </pre>
 *
 * {@link #NOT_PRESENT} ({@code -1}): never touched. {@code PROT_NONE}: made inaccessible by
 * the NUMA scanner, the next access is a hinting fault ({@code change_prot_numa}).
 * {@code PENDING}: the page is in a copyless migration request not yet answered (a
 * migration entry: an access waits for the answer). A present entry with no flag has its
 * top three bits clear, which the vCPU fast path tests with one shift.
 */
public final class GuestPte {
    private GuestPte() {}

    public static final int NOT_PRESENT = -1;
    public static final int PROT_NONE = 1 << 30;
    public static final int PENDING = 1 << 29;
    public static final int GFN_MASK = PENDING - 1;
    /** Largest gfn a PTE can hold (2 TiB of 4 KiB pages). */
    public static final int MAX_GFN = GFN_MASK;

    /** True when the entry maps a gfn and needs no fault: the fast path. */
    public static boolean plain(int pte) {
        return (pte >>> 29) == 0;
    }

    public static int gfn(int pte) {
        return pte & GFN_MASK;
    }
}
