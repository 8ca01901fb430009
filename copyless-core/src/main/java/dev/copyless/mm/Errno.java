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
    /** Operation not permitted: a hypercall naming a host node its destination vNode is not bound to. */
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
    /** Argument list too long: a hypercall batch larger than the ABI's maximum. */
    public static final int E2BIG = 7;
    /** Device or resource busy: the VM's hypercall rate limit refused the call. */
    public static final int EBUSY = 16;
    /** No such device: a destination vNode the calling VM does not have. */
    public static final int ENODEV = 19;
    /** Bad message: a hypercall block without the ABI's magic. */
    public static final int EBADMSG = 74;
    /** Message too long (or too short): a block whose length disagrees with its count, or a reply buffer too small. */
    public static final int EMSGSIZE = 90;
    /** Protocol not supported: a hypercall block of an ABI version the hypervisor does not speak. */
    public static final int EPROTONOSUPPORT = 93;
    /** Connection timed out: the guest's request channel delivered no reply in time. */
    public static final int ETIMEDOUT = 110;
    /** Operation already in progress: a replayed hypercall (its sequence number is not new). */
    public static final int EALREADY = 114;

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
            case E2BIG -> "E2BIG";
            case EBUSY -> "EBUSY";
            case ENODEV -> "ENODEV";
            case EBADMSG -> "EBADMSG";
            case EMSGSIZE -> "EMSGSIZE";
            case EPROTONOSUPPORT -> "EPROTONOSUPPORT";
            case ETIMEDOUT -> "ETIMEDOUT";
            case EALREADY -> "EALREADY";
            default -> "E" + Math.abs(errno);
        };
    }
}
