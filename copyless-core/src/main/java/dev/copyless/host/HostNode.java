package dev.copyless.host;

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
    int clockHand;
    /** Cursor of the demotion/promotion agent's scan. */
    int tierHand;
    /** True while kswapd is awake (between a low-watermark wakeup and reaching high). */
    boolean kswapdRunning;
    /** Bring-back allocations that left the node under its high watermark, not yet paid by a reclaim. */
    long bringBackDebt;

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
