package dev.copyless.mm;

/**
 * Packing of "who owns this host frame / swap slot" into one {@code long}: the reverse map
 * of the simulated host. {@code vm << 32 | gfn} for a guest page; {@link #FREE} for a free
 * frame or slot; {@link #RESERVED} for host memory that is not a guest's (not reclaimable).
 */
public final class FrameOwner {
    private FrameOwner() {}

    public static final long FREE = -1L;
    public static final long RESERVED = -2L;

    public static long of(int vm, int gfn) {
        return ((long) vm << 32) | (gfn & 0xFFFF_FFFFL);
    }

    public static int vm(long owner) {
        return (int) (owner >>> 32);
    }

    public static int gfn(long owner) {
        return (int) owner;
    }

    public static boolean isGuestPage(long owner) {
        return owner >= 0;
    }
}
