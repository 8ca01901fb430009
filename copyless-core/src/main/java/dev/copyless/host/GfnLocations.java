package dev.copyless.host;

import dev.copyless.mm.PageState;

/**
 * One VM's per-gfn location words ({@link PageState}) with the two rules every backend
 * applies to them: a gfn is <em>moved</em> when its data is off its pinned node (swapped, or
 * resident on another node: the moved-page list predicate of claims 1 and 10), and every
 * change of a gfn's location is told to the VM's {@link MmuNotifier} (the KVM MMU notifier
 * that keeps the exported list up to date, claim 10). Flag-only changes (the accessed bit,
 * readahead and migrate-on-touch marks) are not locations and are written with
 * {@link #setFlags} without a notification.
 *
 * <p>One writer at a time (the backend's caller serialises, as the host's page-table lock
 * does); {@link #words()} hands the array to the vCPU access fast path, which may set
 * {@link PageState#ACCESSED} and, on a store,
 * {@link PageState#DIRTY}, and nothing else.
 */
public final class GfnLocations {
    private final long[] words;
    private final VnodeLayout layout;
    private final MmuNotifier notifier;

    public GfnLocations(VnodeLayout layout, MmuNotifier notifier) {
        this.words = new long[layout.gfns()];
        this.layout = layout;
        this.notifier = notifier;
    }

    public VnodeLayout layout() {
        return layout;
    }

    /** The location words themselves (the access fast path and the invariant checker). */
    public long[] words() {
        return words;
    }

    public int gfns() {
        return words.length;
    }

    public long word(int gfn) {
        return words[gfn];
    }

    public int pinnedNode(int gfn) {
        return layout.pinnedNode(gfn);
    }

    public boolean isMoved(int gfn) {
        return isMoved(gfn, words[gfn]);
    }

    /** Whether {@code word} at {@code gfn} is a moved page: swapped, or resident off the pinned node. */
    public boolean isMoved(int gfn, long word) {
        return switch (PageState.kind(word)) {
            case PageState.SWAPPED -> true;
            case PageState.RESIDENT -> PageState.nodeOrDevice(word) != layout.pinnedNode(gfn);
            default -> false;
        };
    }

    /** Sets a gfn's word and tells the notifier when its location changed. */
    public void set(int gfn, long word) {
        long old = words[gfn];
        words[gfn] = word;
        if (PageState.locationOnly(old) != PageState.locationOnly(word)) {
            notifier.locationChanged(gfn, word, isMoved(gfn, word));
        }
    }

    /** Sets a gfn's word when only flags change (same location): no notification. */
    public void setFlags(int gfn, long word) {
        words[gfn] = word;
    }

    /**
     * Sets a gfn's word without a notification, for a backend that settles a location in two
     * steps and tells the notifier once, with the settled word (the Linux backend's batch: the
     * destination is first mapped to the moved swap entry, then read in).
     */
    public void setUnnotified(int gfn, long word) {
        words[gfn] = word;
    }

    /**
     * The gfn loses its backing (zapped, discarded, or its data handed to another gfn): it
     * becomes unbacked, and the notifier hears it unless it was unbacked already.
     */
    public void unback(int gfn) {
        long old = words[gfn];
        words[gfn] = PageState.UNBACKED_WORD;
        if (PageState.kind(old) != PageState.UNBACKED) {
            notifier.locationChanged(gfn, PageState.UNBACKED_WORD, false);
        }
    }
}
