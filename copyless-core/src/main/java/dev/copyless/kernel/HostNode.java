package dev.copyless.kernel;

import dev.copyless.mm.FrameOwner;
import java.util.Arrays;

/**
 * One host NUMA node (a {@code pg_data_t} with a single zone): its frames, the reverse map
 * frame -> owner, the free-frame stack, the watermarks and the clock hand its reclaim turns.
 * All state in primitive arrays; no object per frame.
 */
public final class HostNode {
    private final int id;
    private final long[] owner;
    private final int[] freeStack;
    private int freeTop;
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
        this.owner = new long[frames];
        this.freeStack = new int[frames];
        Arrays.fill(owner, FrameOwner.FREE);
        for (int i = 0; i < frames; i++) {
            freeStack[i] = frames - 1 - i;
        }
        this.freeTop = frames;
        this.wmarkMin = wmarkMin;
        this.wmarkLow = wmarkLow;
        this.wmarkHigh = wmarkHigh;
    }

    public int id() {
        return id;
    }

    public int frames() {
        return owner.length;
    }

    public int freeFrames() {
        return freeTop;
    }

    public int wmark(Watermark w) {
        return switch (w) {
            case MIN -> wmarkMin;
            case LOW -> wmarkLow;
            case HIGH -> wmarkHigh;
        };
    }

    public boolean below(Watermark w) {
        return freeTop < wmark(w);
    }

    public long owner(int pfn) {
        return owner[pfn];
    }

    /** The frame the reclaim clock hand points at; the hand moves on to the next frame. */
    int advanceClockHand() {
        int pfn = clockHand;
        clockHand = pfn + 1 == owner.length ? 0 : pfn + 1;
        return pfn;
    }

    /** The frame the demotion agent's hand points at; the hand moves on to the next frame. */
    int advanceTierHand() {
        int pfn = tierHand;
        tierHand = pfn + 1 == owner.length ? 0 : pfn + 1;
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
        owner[pfn] = ownerWord;
    }

    /** Pops a free frame for {@code ownerWord}; {@code -1} if none is free. Watermarks are the caller's business. */
    int allocate(long ownerWord) {
        if (freeTop == 0) {
            return -1;
        }
        int pfn = freeStack[--freeTop];
        owner[pfn] = ownerWord;
        return pfn;
    }

    void free(int pfn) {
        owner[pfn] = FrameOwner.FREE;
        freeStack[freeTop++] = pfn;
    }
}
