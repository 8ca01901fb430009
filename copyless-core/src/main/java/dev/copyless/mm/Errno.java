package dev.copyless.mm;

/**
 * Per-page status codes returned by host memory operations and in hypercall replies, with
 * the values and meanings of their Linux errno namesakes ({@code move_pages(2)} style:
 * 0 is success, a negative value is {@code -errno}).
 */
public final class Errno {
    private Errno() {}

    public static final int OK = 0;
    /** I/O error: the page's data could not be read (a lost, poisoned page) or written. */
    public static final int EIO = 5;
    /** Operation not permitted: the gfn does not belong to the calling VM. */
    public static final int EPERM = 1;
    /** Out of memory: the destination node could not provide a frame. */
    public static final int ENOMEM = 12;
    /** Busy / stale: the page is no longer where the guest's list said (it came back). */
    public static final int EAGAIN = 11;
    /** Invalid argument: malformed request. */
    public static final int EINVAL = 22;
    /** No space on the swap device. */
    public static final int ENOSPC = 28;
    /** Out of range: a gfn outside the VM's memory. */
    public static final int EFAULT = 14;

    public static String name(int errno) {
        return switch (Math.abs(errno)) {
            case OK -> "OK";
            case EPERM -> "EPERM";
            case EIO -> "EIO";
            case ENOMEM -> "ENOMEM";
            case EAGAIN -> "EAGAIN";
            case EINVAL -> "EINVAL";
            case ENOSPC -> "ENOSPC";
            case EFAULT -> "EFAULT";
            default -> "E" + Math.abs(errno);
        };
    }
}
