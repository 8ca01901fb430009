package dev.copyless.mm;

import java.util.Arrays;

/**
 * The host-wide gfn space: every VM the host registers gets the next contiguous range of
 * indexes, so that "guest page {@code (vm, gfn)}" fits one {@code int}, {@code base(vm) + gfn}.
 * The simulated host keeps a frame's or a slot's owner in that form ({@link OwnerTable}), 4 bytes
 * where a {@link FrameOwner} word takes 8. Linux's analogue is the host {@code struct page}'s
 * reverse map ({@code mapping} + {@code index}): the host finds a frame's guest page from the
 * frame, here through one index into the gfns of all VMs.
 *
 * <p>At most {@link #MAX_GFNS} gfns over all VMs (4 TiB of guest memory on one host): the
 * encoding of {@link OwnerTable} keeps the sign bit and the values at and below 0 for its own
 * use. Single-threaded, as the host that owns it; VMs are only added.
 */
public final class HostGfns {
    /** Gfns the space holds over all VMs: 2^30, 4 TiB of 4 KiB pages. */
    public static final int MAX_GFNS = 1 << 30;

    private int[] base = new int[0];
    private int total;

    /**
     * Adds the next VM's range.
     *
     * @return the VM's base, the index of its gfn 0
     * @throws IllegalArgumentException when the space would exceed {@link #MAX_GFNS}
     */
    public int register(int gfns) {
        if (gfns < 0 || (long) total + gfns > MAX_GFNS) {
            throw new IllegalArgumentException("guest memory over all VMs above " + MAX_GFNS + " pages (4 TiB)");
        }
        int vm = base.length;
        base = Arrays.copyOf(base, vm + 1);
        base[vm] = total;
        total += gfns;
        return base[vm];
    }

    /** VMs registered. */
    public int vms() {
        return base.length;
    }

    /** Gfns over all VMs. */
    public int gfns() {
        return total;
    }

    /** The host-wide index of a guest page ({@link FrameOwner#isGuestPage}). */
    public int index(long owner) {
        return base[FrameOwner.vm(owner)] + FrameOwner.gfn(owner);
    }

    /** The {@link FrameOwner} word of a host-wide index. */
    public long owner(int index) {
        int vm = vmOf(index);
        return FrameOwner.of(vm, index - base[vm]);
    }

    private int vmOf(int index) {
        int lo = 0;
        int hi = base.length - 1;
        while (lo < hi) { // the last VM whose base is at or below index (a VM of 0 gfns shares its base)
            int mid = (lo + hi + 1) >>> 1;
            if (base[mid] <= index) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo;
    }
}
