package dev.copyless.hypervisor;

import dev.copyless.mm.Errno;
import dev.copyless.mm.MigrationOrder;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The binary ABI of {@code KVM_HC_COPYLESS_MIGRATE} (claim 1's request "via the hypervisor"),
 * specified in {@code docs/ABI.md}: byte offsets, sizes and codes of the request block a guest
 * writes into its per-vCPU shared area, the reply the hypervisor writes back, and the header of
 * the exported moved-page list. Everything is little-endian and read or written at explicit
 * offsets, never by layout of a Java object.
 *
 * <p>This class is the guest-side codec (encode a request, decode a reply) and the shared
 * field accessors the hypervisor's decoder ({@link Hypervisor#hypercall}) uses. Accessors use
 * unaligned layouts, so a block at any address decodes the same way.
 */
public final class HypercallAbi {
    private HypercallAbi() {}

    /** ABI version spoken by this hypervisor and guest. */
    public static final int VERSION = 1;
    /** A guest page. */
    public static final int PAGE = 4096;

    // ------------------------------------------------------------------ request block

    /** Request magic: the bytes {@code 'C' 'P' 'Y' 'L'}. */
    public static final int MAGIC = 0x4C595043;
    /** Largest {@code count}: one request carries at most this many (source, destination) pairs. */
    public static final int MAX_ENTRIES = MigrationRequest.MAX_PAGES;
    public static final int REQ_MAGIC = 0;
    public static final int REQ_VERSION = 4;
    public static final int REQ_FLAGS = 6;
    public static final int REQ_SEQ = 8;
    public static final int REQ_COUNT = 16;
    public static final int REQ_DST_VNODE = 20;
    public static final int REQ_DST_HOST_NODE = 22;
    public static final int REQ_ORDER = 24;
    /** First reserved byte; bytes 25..63 are reserved and must be zero. */
    public static final int REQ_RESERVED = 25;
    /** Request header size; entries follow. */
    public static final int REQ_HEADER = 64;
    /** One entry: source gfn (u64), destination gfn (u64). */
    public static final int ENTRY = 16;
    /** {@code order} value: claims 6-8. */
    public static final int ORDER_MIGRATE_BEFORE_MAP = 0;
    /** {@code order} value: claims 2-5. */
    public static final int ORDER_MAP_THEN_MIGRATE = 1;

    // ------------------------------------------------------------------ reply

    /** Reply magic: the bytes {@code 'C' 'P' 'Y' 'R'}. */
    public static final int REPLY_MAGIC = 0x52595043;
    public static final int REP_MAGIC = 0;
    public static final int REP_VERSION = 4;
    public static final int REP_DETAIL = 6;
    public static final int REP_SEQ = 8;
    public static final int REP_STATUS = 16;
    public static final int REP_COUNT = 20;
    public static final int REP_BAD_INDEX = 24;
    public static final int REP_RESERVED = 28;
    /** Reply header size; {@code count} i32 per-entry statuses follow. */
    public static final int REP_HEADER = 32;
    /** {@code bad_index} when no single entry is at fault. */
    public static final int NO_INDEX = -1;

    // ------------------------------------------------------------------ per-vCPU shared area

    /** Request area: three pages, room for a 64-byte header and 512 entries (8,256 bytes). */
    public static final int REQUEST_AREA = 3 * PAGE;
    /** Offset of the reply page in a vCPU's shared area. */
    public static final int REPLY_OFFSET = REQUEST_AREA;
    /** Reply area: one page, room for a 32-byte header and 512 statuses (2,080 bytes). */
    public static final int REPLY_AREA = PAGE;
    /** The whole per-vCPU shared area: request pages then the reply page. */
    public static final int SHARED_AREA = REQUEST_AREA + REPLY_AREA;

    // ------------------------------------------------------------------ exported moved-page list

    /** Moved-page list magic: the bytes {@code 'C' 'P' 'M' 'L'}. */
    public static final int LIST_MAGIC = 0x4C4D5043;
    public static final int LIST_MAGIC_OFF = 0;
    public static final int LIST_VERSION = 4;
    public static final int LIST_ENTRY_SIZE = 6;
    public static final int LIST_SEQ = 8;
    public static final int LIST_CAPACITY = 16;
    public static final int LIST_SIZE = 24;
    /** List header size; one u8 entry per gfn follows. */
    public static final int LIST_HEADER = 64;
    /**
     * The list's format ({@code version} field): 2, one {@code u8} entry per gfn. Format 1 had a
     * {@code u64} entry with a generation; the request and reply blocks keep {@link #VERSION}.
     */
    public static final int LIST_FORMAT = 2;

    static final ValueLayout.OfByte U8 = ValueLayout.JAVA_BYTE;
    static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    static int u8(MemorySegment s, long off) {
        return s.get(U8, off) & 0xFF;
    }

    static int u16(MemorySegment s, long off) {
        return s.get(U16, off) & 0xFFFF;
    }

    static int u32(MemorySegment s, long off) {
        return s.get(U32, off);
    }

    static long u64(MemorySegment s, long off) {
        return s.get(U64, off);
    }

    /** Bytes of a request carrying {@code count} entries. */
    public static long requestLength(int count) {
        return REQ_HEADER + (long) count * ENTRY;
    }

    /** Bytes of a reply carrying {@code count} statuses. */
    public static long replyLength(int count) {
        return REP_HEADER + 4L * count;
    }

    public static int orderCode(MigrationOrder o) {
        return o == MigrationOrder.MAP_THEN_MIGRATE ? ORDER_MAP_THEN_MIGRATE : ORDER_MIGRATE_BEFORE_MAP;
    }

    /** The order of a code, or null for an unknown code. */
    public static MigrationOrder order(int code) {
        return switch (code) {
            case ORDER_MIGRATE_BEFORE_MAP -> MigrationOrder.MIGRATE_BEFORE_MAP;
            case ORDER_MAP_THEN_MIGRATE -> MigrationOrder.MAP_THEN_MIGRATE;
            default -> null;
        };
    }

    // ------------------------------------------------------------------ guest side: encode / decode

    /**
     * Writes a request block at the start of {@code block}: header (reserved bytes zeroed) and
     * the first {@code count} entries of {@code src} / {@code dst}.
     *
     * @return the block's length, {@code 64 + 16 * count}
     */
    public static long encodeRequest(MemorySegment block, long seq, int dstVnode, int dstHostNode,
                                     MigrationOrder order, int[] src, int[] dst, int count) {
        block.set(U32, REQ_MAGIC, MAGIC);
        block.set(U16, REQ_VERSION, (short) VERSION);
        block.set(U16, REQ_FLAGS, (short) 0);
        block.set(U64, REQ_SEQ, seq);
        block.set(U32, REQ_COUNT, count);
        block.set(U16, REQ_DST_VNODE, (short) dstVnode);
        block.set(U16, REQ_DST_HOST_NODE, (short) dstHostNode);
        block.set(U8, REQ_ORDER, (byte) orderCode(order));
        block.set(U8, 25, (byte) 0);
        block.set(U16, 26, (short) 0);
        block.set(U32, 28, 0);
        for (int off = 32; off < REQ_HEADER; off += 8) {
            block.set(U64, off, 0L);
        }
        long off = REQ_HEADER;
        for (int i = 0; i < count; i++) {
            block.set(U64, off, Integer.toUnsignedLong(src[i]));
            block.set(U64, off + 8, Integer.toUnsignedLong(dst[i]));
            off += ENTRY;
        }
        return off;
    }

    /** {@link #encodeRequest(MemorySegment, long, int, int, MigrationOrder, int[], int[], int)} of a staged request. */
    public static long encodeRequest(MemorySegment block, long seq, MigrationRequest req, int dstHostNode) {
        return encodeRequest(block, seq, req.dstVnode, dstHostNode, req.order, req.srcGfn, req.dstGfn, req.count);
    }

    /**
     * Reads a reply into {@code req}: {@code req.callStatus} is the call-level status; on
     * success each {@code req.status[i]} is the entry's status, on a refusal (or a reply that
     * is not the answer to {@code seq}) every entry gets the call's status.
     *
     * @return the call-level status (0 or {@code -errno})
     */
    public static int decodeReply(MemorySegment reply, long seq, MigrationRequest req) {
        int status;
        if (reply.byteSize() < REP_HEADER || u32(reply, REP_MAGIC) != REPLY_MAGIC || u64(reply, REP_SEQ) != seq) {
            status = -Errno.EBADMSG;
        } else {
            status = replyStatus(reply);
            if (status == Errno.OK && (u32(reply, REP_COUNT) != req.count || reply.byteSize() < replyLength(req.count))) {
                status = -Errno.EBADMSG;
            }
        }
        req.callStatus = status;
        for (int i = 0; i < req.count; i++) {
            req.status[i] = status == Errno.OK ? entryStatus(reply, i) : status;
        }
        return status;
    }

    public static int replyStatus(MemorySegment reply) {
        return u32(reply, REP_STATUS);
    }

    public static long replySeq(MemorySegment reply) {
        return u64(reply, REP_SEQ);
    }

    /** The {@link AbiError} named by the reply's {@code detail}, or null. */
    public static AbiError replyDetail(MemorySegment reply) {
        return AbiError.ofCode(u16(reply, REP_DETAIL));
    }

    public static int replyCount(MemorySegment reply) {
        return u32(reply, REP_COUNT);
    }

    public static int replyBadIndex(MemorySegment reply) {
        return u32(reply, REP_BAD_INDEX);
    }

    public static int entryStatus(MemorySegment reply, int i) {
        return u32(reply, REP_HEADER + 4L * i);
    }

    // ------------------------------------------------------------------ host side: reply

    /** Writes a reply header (and nothing else). */
    static void writeReplyHeader(MemorySegment reply, long seq, int status, int detail, int count, int badIndex) {
        reply.set(U32, REP_MAGIC, REPLY_MAGIC);
        reply.set(U16, REP_VERSION, (short) VERSION);
        reply.set(U16, REP_DETAIL, (short) detail);
        reply.set(U64, REP_SEQ, seq);
        reply.set(U32, REP_STATUS, status);
        reply.set(U32, REP_COUNT, count);
        reply.set(U32, REP_BAD_INDEX, badIndex);
        reply.set(U32, REP_RESERVED, 0);
    }

    static void writeEntryStatus(MemorySegment reply, int i, int status) {
        reply.set(U32, REP_HEADER + 4L * i, status);
    }
}
