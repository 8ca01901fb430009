package dev.copyless.swap;

import dev.copyless.mm.FrameOwner;

/**
 * A swap device: {@code slots} 4 KiB slots, each free or owned by one guest page. Slot
 * ownership is packed as in {@link dev.copyless.mm.FrameOwner}. Slots are handed out from
 * a free stack that starts in ascending order, so pages reclaimed together sit in
 * neighbouring slots and swap readahead ({@code page-cluster}) finds them, as with the
 * kernel's swap cluster allocator.
 */
public final class SwapDevice {
    private final int id;
    private final String name;
    private final SwapProfile profile;
    private final int node;
    private final long[] owner;
    private final int[] freeStack;
    private int freeTop;

    /** A device on node 0. */
    public SwapDevice(int id, String name, SwapProfile profile, int slots) {
        this(id, name, profile, slots, 0);
    }

    /**
     * @param node the device's home NUMA node (where its PCIe root port is, or zram's pool): a
     *             page read into or written from a frame on another node crosses the link
     */
    public SwapDevice(int id, String name, SwapProfile profile, int slots, int node) {
        this.id = id;
        this.node = node;
        this.name = name;
        this.profile = profile;
        this.owner = new long[slots];
        this.freeStack = new int[slots];
        java.util.Arrays.fill(owner, FrameOwner.FREE);
        for (int i = 0; i < slots; i++) {
            freeStack[i] = slots - 1 - i;
        }
        freeTop = slots;
    }

    public int id() {
        return id;
    }

    public String name() {
        return name;
    }

    /** The device's home NUMA node. */
    public int node() {
        return node;
    }

    public SwapProfile profile() {
        return profile;
    }

    public int slots() {
        return owner.length;
    }

    public int freeSlots() {
        return freeTop;
    }

    /** Allocates a slot for {@code ownerWord}; returns {@code -1} when the device is full. */
    public int allocate(long ownerWord) {
        if (freeTop == 0) {
            return -1;
        }
        int slot = freeStack[--freeTop];
        owner[slot] = ownerWord;
        return slot;
    }

    public void free(int slot) {
        owner[slot] = FrameOwner.FREE;
        freeStack[freeTop++] = slot;
    }

    public long owner(int slot) {
        return owner[slot];
    }

    /** Re-points a slot at another gfn without touching the data (the remap of a swap entry). */
    public void setOwner(int slot, long ownerWord) {
        owner[slot] = ownerWord;
    }
}
