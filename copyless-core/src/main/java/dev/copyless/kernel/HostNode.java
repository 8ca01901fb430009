package dev.copyless.kernel;

import dev.copyless.mm.FrameOwner;
import dev.copyless.mm.OwnerTable;

/**
 * One host NUMA node (a {@code pg_data_t} with a single zone): its frames, the reverse map
 * frame -> owner and the free frames in one {@code int} per frame ({@link OwnerTable}: a free
 * frame holds the free list's link, as a free page's {@code struct page} does on the buddy
 * lists), the watermarks and the clock hand its reclaim turns. No object per frame.
 */
public final class HostNode {
    private final int id;
    private final OwnerTable owner;
    private final int wmarkMin;
    private final int wmarkLow;
    private final int wmarkHigh;
    /** Clock hand of the reclaim scan ({@code shrink_node}'s LRU approximation). */
    private int clockHand;
    /** Cursor of the demotion agent's scan. */
    private int tierHand;
    /** True while kswapd is awake (between a low-watermark wakeup and reaching high). */
    private boolean kswapdRunning;
    /** Bring-back allocations that left the node under its high watermark, not yet paid by a reclaim. */
    private long bringBackDebt;

    public HostNode(int id, int frames, int wmarkMin, int wmarkLow, int wmarkHigh) {
        if (!(0 <= wmarkMin && wmarkMin <= wmarkLow && wmarkLow <= wmarkHigh && wmarkHigh < frames)) {
            throw new IllegalArgumentException("node " + id + ": watermarks must satisfy 0 <= min <= low <= high < frames");
        }
        this.id = id;
        this.owner = new OwnerTable(frames);
        this.wmarkMin = wmarkMin;
        this.wmarkLow = wmarkLow;
        this.wmarkHigh = wmarkHigh;
    }

    public int id() {
        return id;
    }

    public int frames() {
        return owner.size();
    }

    public int freeFrames() {
        return owner.free();
    }

    /** The owner table itself ({@link Kernel} gives it the host's gfn space). */
    OwnerTable ownerTable() {
        return owner;
    }

    public int wmark(Watermark w) {
        return switch (w) {
            case MIN -> wmarkMin;
            case LOW -> wmarkLow;
            case HIGH -> wmarkHigh;
        };
    }

    public boolean below(Watermark w) {
        return owner.free() < wmark(w);
    }

    /** The frame's owner: a {@link FrameOwner} word, or {@link FrameOwner#FREE}. */
    public long owner(int pfn) {
        return owner.owner(pfn);
    }

    /** The frame the reclaim clock hand points at; the hand moves on to the next frame. */
    int advanceClockHand() {
        int pfn = clockHand;
        clockHand = pfn + 1 == owner.size() ? 0 : pfn + 1;
        return pfn;
    }

    /** The frame the demotion agent's hand points at; the hand moves on to the next frame. */
    int advanceTierHand() {
        int pfn = tierHand;
        tierHand = pfn + 1 == owner.size() ? 0 : pfn + 1;
        return pfn;
    }

    boolean kswapdRunning() {
        return kswapdRunning;
    }

    void setKswapdRunning(boolean running) {
        kswapdRunning = running;
    }

    /** A page came back to this node and left it under its high watermark: a later reclaim pays for it. */
    void addBringBackDebt() {
        bringBackDebt++;
    }

    /** One reclaimed page pays one bring-back: true if there was a debt to pay ({@code evictions_caused}). */
    boolean payBringBackDebt() {
        if (bringBackDebt == 0) {
            return false;
        }
        bringBackDebt--;
        return true;
    }

    void setOwner(int pfn, long ownerWord) {
        owner.setOwner(pfn, ownerWord);
    }

    /**
     * Takes a free frame for {@code ownerWord}, the most recently freed first; {@code -1} if none
     * is free. Watermarks are the caller's business.
     */
    int allocate(long ownerWord) {
        return owner.allocate(ownerWord);
    }

    void free(int pfn) {
        owner.free(pfn);
    }
}
