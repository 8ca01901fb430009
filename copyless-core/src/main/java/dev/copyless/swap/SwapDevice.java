package dev.copyless.swap;

import dev.copyless.mm.FrameOwner;
import dev.copyless.mm.HostGfns;
import dev.copyless.mm.OwnerTable;

/**
 * A swap device: {@code slots} 4 KiB slots, each free or owned by one guest page, one
 * {@code int} per slot ({@link OwnerTable}: the owner, or the free list's link). Slots are
 * handed out in ascending order until one is freed, then the most recently freed first, so
 * pages reclaimed together sit in neighbouring slots and swap readahead ({@code page-cluster})
 * finds them, as with the kernel's swap cluster allocator.
 */
public final class SwapDevice {
    private final int id;
    private final String name;
    private final SwapProfile profile;
    private final int node;
    private final OwnerTable owner;

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
        this.owner = new OwnerTable(slots);
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
        return owner.size();
    }

    public int freeSlots() {
        return owner.free();
    }

    /** Called once by the host that swaps to this device: owners are indexes of its gfn space. */
    public void useGfns(HostGfns gfns) {
        owner.useGfns(gfns);
    }

    /** Allocates a slot for {@code ownerWord}; returns {@code -1} when the device is full. */
    public int allocate(long ownerWord) {
        return owner.allocate(ownerWord);
    }

    public void free(int slot) {
        owner.free(slot);
    }

    /** The slot's owner: a {@link FrameOwner} word, or {@link FrameOwner#FREE}. */
    public long owner(int slot) {
        return owner.owner(slot);
    }

    /** Re-points a slot at another gfn without touching the data (the remap of a swap entry). */
    public void setOwner(int slot, long ownerWord) {
        owner.setOwner(slot, ownerWord);
    }
}
