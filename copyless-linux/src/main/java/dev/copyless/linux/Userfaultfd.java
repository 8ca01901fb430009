package dev.copyless.linux;

import dev.copyless.mm.Errno;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Optional;

/**
 * A userfaultfd used for one thing: {@code UFFDIO_MOVE} (Linux 6.8 and later), the host
 * primitive of claim 1 on real Linux. {@code UFFDIO_MOVE} moves the page-table entries of a
 * range of anonymous memory to another address of the same process: a present page is
 * re-mapped, and a swapped-out page's swap entry moves as it is, so no data is read. Unlike
 * {@code mremap} it leaves the mappings ({@code /proc/self/maps}) whole, however scattered
 * the pages: guest RAM stays one mapping, as a hypervisor's guest RAM is.
 *
 * <p>Set-up, as the kernel requires it: {@code userfaultfd(O_CLOEXEC | O_NONBLOCK)} (x86-64
 * system call 323), {@code UFFDIO_API} with {@link #UFFD_FEATURE_MOVE}, then
 * {@code UFFDIO_REGISTER} of the range. Destination and source must be registered with this
 * userfaultfd; {@link #registerWriteProtect} registers in write-protect mode, which changes
 * nothing else about the memory as long as nothing is write-protected: faults are handled by
 * the kernel as before (in missing mode, a fault on an empty page would wait for a handler,
 * and {@code MADV_POPULATE_READ} would block).
 *
 * <p>{@link #move} answers a partial move the way the kernel does: it returns the bytes moved
 * (the struct's {@code move} field) and the caller goes on from there. When nothing moved it
 * throws {@link SyscallException} naming {@code UFFDIO_MOVE}, the errno and what the errno
 * means for this call ({@link #moveErrnoMeaning}).
 *
 * <p>The kernel's headers on a machine may predate 6.8, so the struct and numbers are
 * written out here: {@code struct uffdio_move { __u64 dst, src, len, mode; __s64 move; }},
 * {@code UFFDIO_MOVE = _IOWR(0xAA, 0x05, struct uffdio_move)}. Not thread-safe (one struct
 * buffer per instance); {@link #close} releases the descriptor.
 */
public final class Userfaultfd implements AutoCloseable {
    /** {@code UFFD_API}, the only API version. */
    public static final long UFFD_API = 0xAA;
    /**
     * {@code UFFD_FEATURE_MOVE} (Linux 6.8), bit 16 of include/uapi/linux/userfaultfd.h. Bit 10
     * is {@code UFFD_FEATURE_MINOR_SHMEM} (Linux 5.14).
     */
    public static final long UFFD_FEATURE_MOVE = 1L << 16;
    public static final long UFFDIO_REGISTER_MODE_MISSING = 1;
    public static final long UFFDIO_REGISTER_MODE_WP = 2;
    /** {@code UFFDIO_MOVE_MODE_DONTWAKE}: do not wake threads waiting on the destination (none here). */
    public static final long UFFDIO_MOVE_MODE_DONTWAKE = 1;
    /** {@code UFFDIO_MOVE_MODE_ALLOW_SRC_HOLES}: an empty source page is skipped instead of {@code ENOENT}. */
    public static final long UFFDIO_MOVE_MODE_ALLOW_SRC_HOLES = 2;

    private static final int UFFDIO = 0xAA;
    /** {@code _UFFDIO_MOVE}: the bit of {@code uffdio_register.ioctls} that says {@code UFFDIO_MOVE} works on the range. */
    private static final int UFFDIO_MOVE_NR = 0x05;
    public static final long UFFDIO_API = iowr(0x3F, 24); // struct uffdio_api { u64 api, features, ioctls; }
    public static final long UFFDIO_REGISTER = iowr(0x00, 32); // struct uffdio_register { range{u64 start, len}; u64 mode, ioctls; }
    public static final long UFFDIO_MOVE = iowr(UFFDIO_MOVE_NR, 40); // struct uffdio_move { u64 dst, src, len, mode; s64 move; }

    /** {@code _IOWR(UFFDIO, nr, size)}: direction read|write (3) in bits 30-31, size in 16-29, type in 8-15, nr in 0-7. */
    private static long iowr(int nr, int size) {
        return (3L << 30) | ((long) size << 16) | ((long) UFFDIO << 8) | nr;
    }

    private static final ValueLayout.OfLong L = ValueLayout.JAVA_LONG;

    private final int fd;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment args = arena.allocate(40, 8);
    private boolean closed;

    private Userfaultfd(int fd) {
        this.fd = fd;
    }

    // ------------------------------------------------------------------ what this kernel offers

    /** The probe's result, computed once: the features the kernel reports, or why there is none. */
    private static final class Probe {
        static final long FEATURES;
        static final String REASON;

        static {
            long f = 0;
            String reason = "";
            try {
                int fd = Syscalls.userfaultfd(Syscalls.O_CLOEXEC | Syscalls.O_NONBLOCK);
                try (Arena a = Arena.ofConfined()) {
                    MemorySegment api = a.allocate(24, 8);
                    api.set(L, 0, UFFD_API);
                    int e = Syscalls.ioctl(fd, UFFDIO_API, api.address());
                    if (e != 0) {
                        reason = new SyscallException("ioctl", "UFFDIO_API, features 0", e).getMessage();
                    } else {
                        f = api.get(L, 8);
                    }
                } finally {
                    Syscalls.close(fd);
                }
            } catch (SyscallException e) {
                reason = e.getMessage();
            }
            if (reason.isEmpty() && (f & UFFD_FEATURE_MOVE) == 0) {
                reason = "this kernel's userfaultfd has no UFFD_FEATURE_MOVE (UFFDIO_MOVE needs Linux 6.8 or later; this is "
                        + System.getProperty("os.version") + ")";
            }
            FEATURES = f;
            REASON = reason;
        }
    }

    /**
     * The features this kernel's {@code UFFDIO_API} reports (asked with features 0 on a
     * throw-away descriptor, which is how the kernel tells what it has), or 0 when there is
     * no usable userfaultfd.
     */
    public static long availableFeatures() {
        return Probe.FEATURES;
    }

    /** Empty when {@code UFFDIO_MOVE} can be used here; else one line saying why. */
    public static Optional<String> moveUnavailableReason() {
        return Probe.REASON.isEmpty() ? Optional.empty() : Optional.of(Probe.REASON);
    }

    /**
     * A userfaultfd initialised with {@link #UFFD_FEATURE_MOVE}.
     *
     * @throws SyscallException when the kernel refuses (see {@link #moveUnavailableReason})
     */
    public static Userfaultfd openForMove() {
        int fd = Syscalls.userfaultfd(Syscalls.O_CLOEXEC | Syscalls.O_NONBLOCK);
        Userfaultfd u = new Userfaultfd(fd);
        try {
            u.args.set(L, 0, UFFD_API);
            u.args.set(L, 8, UFFD_FEATURE_MOVE);
            u.args.set(L, 16, 0);
            int e = Syscalls.ioctl(fd, UFFDIO_API, u.args.address());
            if (e != 0) {
                throw new SyscallException("ioctl", "UFFDIO_API, features UFFD_FEATURE_MOVE", e,
                        e == Errno.EINVAL ? "this kernel has no UFFD_FEATURE_MOVE (Linux 6.8 or later)" : "");
            }
        } catch (RuntimeException e) {
            u.close();
            throw e;
        }
        return u;
    }

    /**
     * {@code UFFDIO_REGISTER} of {@code [addr, addr + len)} in write-protect mode, so that
     * {@link #move} may use it as source and destination. The range must be whole anonymous
     * private mappings' pages; it may span several mappings (one per vNode on a NUMA host).
     *
     * @throws SyscallException when the kernel refuses, or when the registered range does not offer {@code UFFDIO_MOVE}
     */
    public void registerWriteProtect(long addr, long len) {
        check();
        args.set(L, 0, addr);
        args.set(L, 8, len);
        args.set(L, 16, UFFDIO_REGISTER_MODE_WP);
        args.set(L, 24, 0);
        int e = Syscalls.ioctl(fd, UFFDIO_REGISTER, args.address());
        String what = "UFFDIO_REGISTER, 0x" + Long.toHexString(addr) + ", " + len + ", UFFDIO_REGISTER_MODE_WP";
        if (e != 0) {
            throw new SyscallException("ioctl", what, e, switch (e) {
                case Errno.EINVAL -> "the range is not page-aligned, not mapped, or not anonymous private memory that can"
                        + " be write-protected";
                case Errno.EBUSY -> "the range is already registered with another userfaultfd";
                case Errno.EPERM -> "write-protect registration is not allowed here";
                default -> "";
            });
        }
        if ((args.get(L, 24) & (1L << UFFDIO_MOVE_NR)) == 0) {
            throw new SyscallException("ioctl", what, Errno.EINVAL, "the registered range does not offer UFFDIO_MOVE");
        }
    }

    /**
     * {@code UFFDIO_MOVE} of {@code len} bytes from {@code src} to {@code dst} (page-aligned,
     * each range inside one mapping, both registered here). Every page of the destination
     * must be empty (no page, no swap entry); every page of the source must hold a page or a
     * swap entry unless {@code mode} has {@link #UFFDIO_MOVE_MODE_ALLOW_SRC_HOLES}. After the
     * call the source pages are empty (they read as zero on the next touch).
     *
     * @return the bytes moved: {@code len}, or fewer when the kernel stopped part way (a
     *     partial move: the call failed with {@code EAGAIN}, or stopped at a page it could not
     *     move; the caller goes on at {@code src + moved}, and a next call says why)
     * @throws SyscallException when nothing moved: the errno and its meaning for UFFDIO_MOVE
     */
    public long move(long dst, long src, long len, long mode) {
        check();
        args.set(L, 0, dst);
        args.set(L, 8, src);
        args.set(L, 16, len);
        args.set(L, 24, mode);
        args.set(L, 32, 0);
        int e = Syscalls.ioctl(fd, UFFDIO_MOVE, args.address());
        if (e == 0) {
            return len;
        }
        long moved = args.get(L, 32);
        if (moved > 0) {
            return moved;
        }
        int errno = moved < 0 ? (int) -moved : e;
        throw new SyscallException("ioctl", "UFFDIO_MOVE, dst 0x" + Long.toHexString(dst) + ", src 0x" + Long.toHexString(src)
                + ", len " + len, errno, moveErrnoMeaning(errno));
    }

    /** What an errno of {@code UFFDIO_MOVE} means (mm/userfaultfd.c, Documentation/admin-guide/mm/userfaultfd.rst). */
    public static String moveErrnoMeaning(int errno) {
        return switch (Math.abs(errno)) {
            case Errno.EEXIST -> "the destination page is already populated (UFFDIO_MOVE needs an empty destination)";
            case Errno.ENOENT -> "a source page is empty (no page and no swap entry; UFFDIO_MOVE_MODE_ALLOW_SRC_HOLES skips"
                    + " such holes)";
            case Errno.EBUSY -> "a source page is pinned or shared with another process (not exclusive, e.g. after fork or"
                    + " KSM), or a huge page could not be split";
            case Errno.EAGAIN -> "the page was under migration or the mappings changed during the call; retry";
            case Errno.EINVAL -> "the ranges are not page-aligned, overlap, cross the end of a mapping, or a mapping is not"
                    + " anonymous private writable memory registered with this userfaultfd";
            case Errno.ENOMEM -> "the kernel could not allocate a page table for the destination";
            case Errno.EFAULT -> "the source holds an entry that cannot move (neither a page nor a swap entry), or the"
                    + " argument struct was not readable";
            case Errno.ESRCH -> "the process's memory is going away";
            case Errno.ENOTTY -> "this userfaultfd does not know UFFDIO_MOVE";
            default -> "";
        };
    }

    private void check() {
        if (closed) {
            throw new IllegalStateException("userfaultfd is closed");
        }
    }

    /** Closes the descriptor: the registered ranges are unregistered by the kernel. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            try {
                Syscalls.close(fd);
            } finally {
                arena.close();
            }
        }
    }
}
