package dev.copyless.host;

import dev.copyless.mm.PageState;

/**
 * Where the data that a movement carries came from, for the moved-page accounting: a data
 * movement that completes the balancing migration of a page the host had moved
 * ({@link #NODE}: off its pinned node to another node; {@link #SWAP}: to a swap slot, read back
 * from the device; {@link #SWAPCACHE}: to a swap slot, but its data is also in a swap-cache frame
 * in memory, so moving it needs no device read) counts
 * as a {@code moved_page_data_movement}; any other movement ({@link #NOT_MOVED}: reclaim,
 * readahead, demotion, a page that was never moved) does not. Passed with each operation as
 * a value, never kept in a field.
 */
public enum MovedFrom {
    NOT_MOVED,
    NODE,
    SWAP,
    SWAPCACHE;

    private static final MovedFrom[] VALUES = values();

    /** The constant of an {@link #ordinal()} (no array copy, unlike {@code values()}). */
    public static MovedFrom ofOrdinal(int ordinal) {
        return VALUES[ordinal];
    }

    /** The kind of a source gfn's word, given whether it is moved ({@link GfnLocations#isMoved}). */
    public static MovedFrom of(long word, boolean moved) {
        if (!moved) {
            return NOT_MOVED;
        }
        if (PageState.isSwapped(word)) {
            return PageState.inSwapCache(word) ? SWAPCACHE : SWAP;
        }
        return NODE;
    }

    public boolean moved() {
        return this != NOT_MOVED;
    }
}
