package dev.copyless.hypervisor;

import dev.copyless.mm.Errno;

/**
 * Every reason the hypervisor refuses a {@code KVM_HC_COPYLESS_MIGRATE} call, as written in
 * {@code docs/ABI.md}: the {@code -errno} the call returns (the reply's {@code status}) and the
 * finer {@link #code} in the reply's {@code detail} field. Several classes share an errno, as
 * Linux system calls do; {@code detail} tells them apart.
 *
 * <p>{@link #structural()} errors are found before the sequence number is read: the block is
 * malformed, so the call does not consume its sequence number. Every other refusal consumes it
 * (the number is a fence: nothing at or below it is accepted afterwards). No refusal reaches
 * the host, charges the rate limit or counts anything but the refusal counters.
 */
public enum AbiError {
    /** The reply buffer cannot hold the reply header, or the per-entry statuses of the block's count. */
    REPLY_TOO_SMALL(1, Errno.EMSGSIZE, true, "reply buffer shorter than 32 + 4 * count bytes"),
    /** The request is shorter than its 64-byte header. */
    REQUEST_TOO_SHORT(2, Errno.EMSGSIZE, true, "request shorter than its 64-byte header"),
    /** The first four bytes are not {@code "CPYL"}. */
    BAD_MAGIC(3, Errno.EBADMSG, true, "request magic is not \"CPYL\""),
    /** A version other than {@link HypercallAbi#VERSION}. */
    BAD_VERSION(4, Errno.EPROTONOSUPPORT, true, "unknown ABI version"),
    /** A flag bit set; version 1 defines none. */
    BAD_FLAGS(5, Errno.EINVAL, true, "flags not zero (version 1 defines no flag)"),
    /** A reserved header byte not zero. */
    RESERVED_NOT_ZERO(6, Errno.EINVAL, true, "a reserved header field is not zero"),
    /** A migration order other than 0 or 1. */
    BAD_ORDER(7, Errno.EINVAL, true, "unknown migration order"),
    /** {@code count == 0}. */
    EMPTY_BATCH(8, Errno.EINVAL, true, "count is 0"),
    /** {@code count > 512}. */
    BATCH_TOO_LARGE(9, Errno.E2BIG, true, "count above 512"),
    /** The request length is not exactly {@code 64 + 16 * count}. */
    LENGTH_MISMATCH(10, Errno.EMSGSIZE, true, "request length is not 64 + 16 * count"),
    /** The sequence number is not greater than the last one this VM's calls consumed. */
    REPLAY(11, Errno.EALREADY, false, "sequence number not above the last consumed one (replay)"),
    /** The VM's token bucket (calls or pages) is empty. */
    THROTTLED(12, Errno.EBUSY, false, "per-VM rate limit"),
    /** A destination vNode the calling VM does not have. */
    BAD_VNODE(13, Errno.ENODEV, false, "destination vNode is not one of the caller's"),
    /** A destination host node other than the one the destination vNode is bound to. */
    BAD_HOST_NODE(14, Errno.EPERM, false, "destination host node is not the one the vNode is bound to"),
    /** A source or destination gfn at or beyond the calling VM's memory size. */
    GFN_OUT_OF_RANGE(15, Errno.EFAULT, false, "a gfn outside the calling VM"),
    /** An entry whose source and destination are the same gfn. */
    SAME_GFN(16, Errno.EINVAL, false, "source gfn equals destination gfn"),
    /** A destination gfn outside the destination vNode. */
    WRONG_VNODE(17, Errno.EINVAL, false, "destination gfn not on the destination vNode"),
    /** A gfn named by an earlier entry of the same block (as source or destination). */
    REPEATED_GFN(18, Errno.EINVAL, false, "a gfn named twice in one block");

    /** The {@code detail} value in the reply header (0 means none). */
    public final int code;
    /** The positive errno; the call returns {@code -errno}. */
    public final int errno;
    private final boolean structural;
    /** One line for docs and messages. */
    public final String meaning;

    AbiError(int code, int errno, boolean structural, String meaning) {
        this.code = code;
        this.errno = errno;
        this.structural = structural;
        this.meaning = meaning;
    }

    /** Malformed block: refused before its sequence number is read, so the number is not consumed. */
    public boolean structural() {
        return structural;
    }

    private static final AbiError[] BY_CODE = new AbiError[values().length + 1];

    static {
        for (AbiError e : values()) {
            BY_CODE[e.code] = e;
        }
    }

    /** The error with this {@code detail} code, or null (0 or unknown). */
    public static AbiError ofCode(int code) {
        return code > 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    }
}
