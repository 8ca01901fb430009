package dev.copyless.trace;

import java.nio.charset.StandardCharsets;

/**
 * The copyless binary trace format, version 1: the constants and the little-endian and
 * varint codecs that {@link TraceWriter}, {@link TraceReader} and {@link TraceWorkload}
 * share. {@code docs/TRACE-FORMAT.md} is the specification; this class must agree with it.
 *
 * <pre>
 * offset  size  field
 *      0     8  magic "CPLTRACE"
 *      8     2  version (1)
 *     10     2  header length in bytes (96)
 *     12     4  page size in bytes (4096)
 *     16     4  threads T (at least 1)
 *     20     4  reserved (0)
 *     24     8  accesses (page accesses: one record each)
 *     32     8  pages P (distinct pages; compact page indices are 0..P-1)
 *     40     8  instructions (all instructions of the trace)
 *     48     8  loads        (Lackey L lines)
 *     56     8  stores       (Lackey S lines)
 *     64     8  modifies     (Lackey M lines)
 *     72     8  blocks
 *     80     8  page table offset
 *     88     8  thread table offset
 *     96        blocks: varint thread, varint records (at least 1), varint payload bytes, payload;
 *               each record: varint zigzag(page - previous page of the same thread), varint instructions
 *               since the previous record of the same thread (the previous page starts at 0)
 *  ptOff   8*P  page table: u64 virtual page number of compact page index 0, 1, ..., P-1
 *  ttOff  32*T  thread table: u64 source thread id, u64 accesses, u64 instructions, u64 distinct pages
 *    L-8     4  end marker "CEND"
 *    L-4     4  CRC32C (Castagnoli) of bytes [0, L-8)
 * </pre>
 */
public final class TraceFormat {
    private TraceFormat() {}

    public static final byte[] MAGIC = "CPLTRACE".getBytes(StandardCharsets.US_ASCII);
    public static final byte[] END_MARKER = "CEND".getBytes(StandardCharsets.US_ASCII);
    public static final int VERSION = 1;
    public static final int HEADER_BYTES = 96;
    public static final int TRAILER_BYTES = 8;
    public static final int PAGE_SIZE = 4096;
    public static final int PAGE_SHIFT = 12;
    public static final int THREAD_ENTRY_BYTES = 32;
    /** The file name extension {@code copyless trace record} suggests. */
    public static final String EXTENSION = ".cltrace";

    // header field offsets
    static final int OFF_VERSION = 8;
    static final int OFF_HEADER_BYTES = 10;
    static final int OFF_PAGE_SIZE = 12;
    static final int OFF_THREADS = 16;
    static final int OFF_RESERVED = 20;
    static final int OFF_ACCESSES = 24;
    static final int OFF_PAGES = 32;
    static final int OFF_INSTRUCTIONS = 40;
    static final int OFF_LOADS = 48;
    static final int OFF_STORES = 56;
    static final int OFF_MODIFIES = 64;
    static final int OFF_BLOCKS = 72;
    static final int OFF_PAGE_TABLE = 80;
    static final int OFF_THREAD_TABLE = 88;

    /** Most threads a trace may have. */
    public static final int MAX_THREADS = 1 << 16;
    /** Most distinct pages a trace may have (1 TiB of 4 KiB pages). */
    public static final int MAX_PAGES = 1 << 28;
    /** Largest virtual page number (64-bit addresses, 4 KiB pages). */
    public static final long MAX_VPN = (1L << 52) - 1;
    /** The writer closes a block when its payload reaches this many bytes. */
    static final int BLOCK_PAYLOAD_BYTES = 64 * 1024;

    /** Appends an unsigned LEB128 varint to {@code buf} at {@code pos}; returns the new position. */
    static int putVarint(byte[] buf, int pos, long v) {
        while ((v & ~0x7FL) != 0) {
            buf[pos++] = (byte) ((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        buf[pos++] = (byte) v;
        return pos;
    }

    static long zigzag(long v) {
        return (v << 1) ^ (v >> 63);
    }

    static long unzigzag(long z) {
        return (z >>> 1) ^ -(z & 1);
    }

    static void putLong(byte[] b, int off, long v) {
        for (int i = 0; i < 8; i++) {
            b[off + i] = (byte) (v >>> (8 * i));
        }
    }

    static void putInt(byte[] b, int off, int v) {
        for (int i = 0; i < 4; i++) {
            b[off + i] = (byte) (v >>> (8 * i));
        }
    }

    static void putShort(byte[] b, int off, int v) {
        b[off] = (byte) v;
        b[off + 1] = (byte) (v >>> 8);
    }

    static long getLong(byte[] b, int off) {
        long v = 0;
        for (int i = 7; i >= 0; i--) {
            v = (v << 8) | (b[off + i] & 0xFF);
        }
        return v;
    }

    static int getInt(byte[] b, int off) {
        int v = 0;
        for (int i = 3; i >= 0; i--) {
            v = (v << 8) | (b[off + i] & 0xFF);
        }
        return v;
    }

    static int getShort(byte[] b, int off) {
        return (b[off] & 0xFF) | (b[off + 1] & 0xFF) << 8;
    }
}
