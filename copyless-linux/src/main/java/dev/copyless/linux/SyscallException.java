package dev.copyless.linux;

import dev.copyless.mm.Errno;

/**
 * A failed system call: carries the call's name, the arguments that matter and the captured
 * {@code errno} with its kernel name ({@code mbind(...): EINVAL (errno 22)}). Plumbing for the
 * Linux backend; implements no claim by itself.
 */
public final class SyscallException extends RuntimeException {
    private final String syscall;
    private final int errno;

    public SyscallException(String syscall, String args, int errno) {
        this(syscall, args, errno, "");
    }

    /**
     * With what the errno means for this call, e.g.
     * {@code ioctl(UFFDIO_MOVE, ...): EEXIST (errno 17): the destination page is already populated}.
     */
    public SyscallException(String syscall, String args, int errno, String meaning) {
        super(syscall + "(" + args + "): " + Errno.name(errno) + " (errno " + errno + ")"
                + (meaning.isEmpty() ? "" : ": " + meaning));
        this.syscall = syscall;
        this.errno = errno;
    }

    /** The system call's name, e.g. {@code mremap}. */
    public String syscall() {
        return syscall;
    }

    /** The captured errno value. */
    public int errno() {
        return errno;
    }

    /** The errno's kernel name, e.g. {@code EINVAL}. */
    public String errnoName() {
        return Errno.name(errno);
    }
}
