package dev.copyless.mm;

/**
 * The Linux x86-64 {@code errno} values copyless uses, with their kernel names: the per-page
 * status codes of host memory operations and hypercall replies ({@code move_pages(2)} style: 0
 * is success, a negative value is {@code -errno}), and what the Linux backend's system calls
 * can fail with (reported as e.g. {@code mbind: EINVAL (errno 22)}, never a bare number).
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

    /** No such file or directory (a system call's missing object; {@code UFFDIO_MOVE}: no source page). */
    public static final int ENOENT = 2;
    /** No such process. */
    public static final int ESRCH = 3;
    /** Interrupted system call. */
    public static final int EINTR = 4;
    /** Bad file descriptor. */
    public static final int EBADF = 9;
    /** Permission denied. */
    public static final int EACCES = 13;
    /** File exists ({@code UFFDIO_MOVE}: the destination is populated). */
    public static final int EEXIST = 17;
    /** Cross-device link ({@code UFFDIO_MOVE}: a page shared with another process). */
    public static final int EXDEV = 18;
    /** Too many open files in the system. */
    public static final int ENFILE = 23;
    /** Too many open files in the process. */
    public static final int EMFILE = 24;
    /** Inappropriate ioctl for the descriptor. */
    public static final int ENOTTY = 25;
    /** Result out of range. */
    public static final int ERANGE = 34;
    /** Function not implemented (a system call this kernel lacks). */
    public static final int ENOSYS = 38;
    /** Operation not supported. */
    public static final int EOPNOTSUPP = 95;
    /** Memory page has a hardware error (a poisoned page). */
    public static final int EHWPOISON = 133;

    /** The kernel's name of an errno value (sign ignored), or {@code E<n>} for one not listed. */
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
            case ENOENT -> "ENOENT";
            case ESRCH -> "ESRCH";
            case EINTR -> "EINTR";
            case EBADF -> "EBADF";
            case EACCES -> "EACCES";
            case EEXIST -> "EEXIST";
            case EXDEV -> "EXDEV";
            case ENFILE -> "ENFILE";
            case EMFILE -> "EMFILE";
            case ENOTTY -> "ENOTTY";
            case ERANGE -> "ERANGE";
            case ENOSYS -> "ENOSYS";
            case EOPNOTSUPP -> "EOPNOTSUPP";
            case EHWPOISON -> "EHWPOISON";
            default -> "E" + Math.abs(errno);
        };
    }
}
