package dev.copyless.trace;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.CRC32C;

/**
 * Reads and checks a trace file ({@link TraceFormat}), streaming, in two sequential passes
 * with bounded buffers: first the magic, version, end marker and the CRC32C of the whole
 * file, then every block, record, table and count against the header. Nothing is handed out
 * as valid before both passes are through: {@link #read} returns a {@link TraceInfo} only for
 * a file that passed every check, and throws otherwise.
 *
 * <p>Every error is a one-line {@link TraceException} of the form
 * {@code FILE: byte N: what is wrong}: a truncated file, a bad magic number, an unknown
 * version, a checksum mismatch, a page or thread index out of range, counts that disagree.
 */
public final class TraceReader {
    private TraceReader() {}

    /** Receives the records of a trace in file order (see {@link #read(Path, Visitor)}). */
    public interface Visitor {
        /**
         * @param thread     compact thread index
         * @param page       compact page index
         * @param instrDelta instructions of that thread since its previous access
         */
        void access(int thread, int page, long instrDelta);
    }

    private record Key(Path path, long size, long modifiedNs, Object fileKey) {}

    private static final Map<Key, TraceInfo> CHECKED = new ConcurrentHashMap<>();

    /**
     * The summary of a trace, checked once per file version: a file with the same path, size,
     * modification time and inode as one already checked is not read again.
     */
    public static TraceInfo open(Path file) {
        Key key;
        try {
            BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
            key = new Key(file.toAbsolutePath().normalize(), a.size(),
                    a.lastModifiedTime().to(java.util.concurrent.TimeUnit.NANOSECONDS), a.fileKey());
        } catch (IOException e) {
            return read(file, null); // reports the problem
        }
        TraceInfo hit = CHECKED.get(key);
        if (hit != null) {
            return hit;
        }
        TraceInfo info = read(file, null);
        if (CHECKED.size() > 64) {
            CHECKED.clear();
        }
        CHECKED.put(key, info);
        return info;
    }

    /**
     * Checks the whole file and returns its summary. {@code visitor} (may be null) receives
     * every record in file order during the second pass, that is after the checksum has been
     * verified; if an error is thrown, discard what it received.
     */
    public static TraceInfo read(Path file, Visitor visitor) {
        if (Files.isDirectory(file)) {
            throw new TraceException(file + ": is a directory; expected a trace file (copyless trace record -o FILE)");
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return new Check(file, ch, visitor).run();
        } catch (NoSuchFileException e) {
            throw new TraceException(file + ": no such file; record a trace with 'copyless trace record -o "
                    + file + " -- CMD ARGS...'");
        } catch (AccessDeniedException e) {
            throw new TraceException(file + ": cannot read the trace: permission denied");
        } catch (IOException e) {
            throw new TraceException(file + ": cannot read the trace: " + e.getMessage());
        }
    }

    /** One check of one file. */
    private static final class Check {
        private final Path file;
        private final FileChannel ch;
        private final Visitor visitor;
        private final long length;

        Check(Path file, FileChannel ch, Visitor visitor) throws IOException {
            this.file = file;
            this.ch = ch;
            this.visitor = visitor;
            this.length = ch.size();
        }

        TraceException error(long offset, String what) {
            return new TraceException(file + ": byte " + offset + ": " + what);
        }

        TraceInfo run() throws IOException {
            byte[] h = new byte[TraceFormat.HEADER_BYTES];
            int got = readAt(0, h, (int) Math.min(h.length, length));
            for (int i = 0; i < Math.min(got, TraceFormat.MAGIC.length); i++) {
                if (h[i] != TraceFormat.MAGIC[i]) {
                    throw error(0, "not a copyless trace (bad magic number; expected a file written by"
                            + " 'copyless trace record')");
                }
            }
            if (length < TraceFormat.OFF_VERSION + 2) {
                throw error(length, "truncated: the file ends inside the header");
            }
            int version = TraceFormat.getShort(h, TraceFormat.OFF_VERSION);
            if (version != TraceFormat.VERSION) {
                throw error(TraceFormat.OFF_VERSION, "unknown trace format version " + version
                        + "; this copyless reads version " + TraceFormat.VERSION);
            }
            long minLength = TraceFormat.HEADER_BYTES + TraceFormat.TRAILER_BYTES;
            if (length < minLength) {
                throw error(length, "truncated: the file ends at byte " + length + "; a trace has at least "
                        + minLength + " bytes (header and trailer)");
            }
            long threads = TraceFormat.getInt(h, TraceFormat.OFF_THREADS) & 0xFFFFFFFFL;
            long accesses = TraceFormat.getLong(h, TraceFormat.OFF_ACCESSES);
            long pages = TraceFormat.getLong(h, TraceFormat.OFF_PAGES);
            long instructions = TraceFormat.getLong(h, TraceFormat.OFF_INSTRUCTIONS);
            long loads = TraceFormat.getLong(h, TraceFormat.OFF_LOADS);
            long stores = TraceFormat.getLong(h, TraceFormat.OFF_STORES);
            long modifies = TraceFormat.getLong(h, TraceFormat.OFF_MODIFIES);
            long blocks = TraceFormat.getLong(h, TraceFormat.OFF_BLOCKS);
            long ptOff = TraceFormat.getLong(h, TraceFormat.OFF_PAGE_TABLE);
            long ttOff = TraceFormat.getLong(h, TraceFormat.OFF_THREAD_TABLE);
            long expected = -1; // the length the header implies, when it is plausible
            if (threads >= 1 && threads <= TraceFormat.MAX_THREADS && pages >= 1 && pages <= TraceFormat.MAX_PAGES
                    && ptOff >= TraceFormat.HEADER_BYTES && ptOff < 1L << 56 && ttOff == ptOff + 8 * pages) {
                expected = ttOff + TraceFormat.THREAD_ENTRY_BYTES * threads + TraceFormat.TRAILER_BYTES;
            }

            // pass 1: end marker and checksum
            byte[] trailer = new byte[TraceFormat.TRAILER_BYTES];
            readAt(length - TraceFormat.TRAILER_BYTES, trailer, trailer.length);
            if (!Arrays.equals(trailer, 0, 4, TraceFormat.END_MARKER, 0, 4)) {
                if (expected > length) {
                    throw error(length, "truncated: the file ends at byte " + length + " but its header says it has "
                            + expected + " bytes");
                }
                throw error(length - TraceFormat.TRAILER_BYTES, "no end marker: the file is truncated or corrupt,"
                        + " or was not completely written");
            }
            long end = length - TraceFormat.TRAILER_BYTES;
            int stored = TraceFormat.getInt(trailer, 4);
            int computed = crc(end);
            if (stored != computed) {
                throw error(end + 4, String.format(Locale.ROOT, "checksum mismatch (stored 0x%08x, computed 0x%08x):"
                        + " the file is corrupt", stored, computed));
            }

            // pass 2: layout, blocks, tables, counts
            if (TraceFormat.getShort(h, TraceFormat.OFF_HEADER_BYTES) != TraceFormat.HEADER_BYTES) {
                throw error(TraceFormat.OFF_HEADER_BYTES, "header length " + TraceFormat.getShort(h,
                        TraceFormat.OFF_HEADER_BYTES) + ", expected " + TraceFormat.HEADER_BYTES + " in version 1");
            }
            if (TraceFormat.getInt(h, TraceFormat.OFF_PAGE_SIZE) != TraceFormat.PAGE_SIZE) {
                throw error(TraceFormat.OFF_PAGE_SIZE, "page size " + TraceFormat.getInt(h, TraceFormat.OFF_PAGE_SIZE)
                        + ", expected " + TraceFormat.PAGE_SIZE);
            }
            if (TraceFormat.getInt(h, TraceFormat.OFF_RESERVED) != 0) {
                throw error(TraceFormat.OFF_RESERVED, "reserved field is not 0");
            }
            if (threads < 1 || threads > TraceFormat.MAX_THREADS) {
                throw error(TraceFormat.OFF_THREADS, "thread count " + threads + " out of range (1.."
                        + TraceFormat.MAX_THREADS + ")");
            }
            if (pages < 1 || pages > TraceFormat.MAX_PAGES) {
                throw error(TraceFormat.OFF_PAGES, "page count " + pages + " out of range (1.." + TraceFormat.MAX_PAGES + ")");
            }
            if (ptOff < TraceFormat.HEADER_BYTES || ptOff > end) {
                throw error(TraceFormat.OFF_PAGE_TABLE, "page table offset " + ptOff + " outside the file");
            }
            if (ttOff != ptOff + 8 * pages) {
                throw error(TraceFormat.OFF_THREAD_TABLE, "thread table offset " + ttOff + ", expected " + (ptOff + 8 * pages)
                        + " (page table offset + 8 * pages)");
            }
            if (expected != length) {
                throw error(TraceFormat.OFF_THREAD_TABLE, "the header's tables end at byte " + (expected - 8)
                        + " but the trailer starts at byte " + end);
            }
            int nThreads = (int) threads;
            int nPages = (int) pages;
            In in = new In(TraceFormat.HEADER_BYTES, ptOff);
            int[] prev = new int[nThreads];
            long[] acc = new long[nThreads];
            long[] ins = new long[nThreads];
            BitSet[] touched = new BitSet[nThreads];
            for (int t = 0; t < nThreads; t++) {
                touched[t] = new BitSet();
            }
            BitSet all = new BitSet(nPages);
            long nBlocks = 0;
            long nAccesses = 0;
            while (in.pos < ptOff) {
                long bpos = in.pos;
                long t = in.varint();
                if (t < 0 || t >= threads) {
                    throw error(bpos, "thread index " + t + " out of range (the trace has " + threads + " threads)");
                }
                long cpos = in.pos;
                long count = in.varint();
                if (count < 1) {
                    throw error(cpos, "a block with no records");
                }
                long lpos = in.pos;
                long bytes = in.varint();
                long blockEnd = in.pos + bytes;
                if (bytes < 0 || count > bytes / 2 || bytes > ptOff - in.pos) {
                    throw error(lpos, "block length " + bytes + " does not fit " + count + " records before the page"
                            + " table at byte " + ptOff);
                }
                int th = (int) t;
                int page = prev[th];
                for (long k = 0; k < count; k++) {
                    long rpos = in.pos;
                    long p = page + TraceFormat.unzigzag(in.varint());
                    if (p < 0 || p >= pages) {
                        throw error(rpos, "page index " + p + " out of range (the trace has " + pages + " pages)");
                    }
                    long d = in.varint();
                    if (in.pos > blockEnd) {
                        throw error(rpos, "record runs past the end of its block at byte " + blockEnd);
                    }
                    if (d < 0) {
                        throw error(rpos, "instruction count out of range");
                    }
                    page = (int) p;
                    acc[th]++;
                    ins[th] += d;
                    touched[th].set(page);
                    all.set(page);
                    if (visitor != null) {
                        visitor.access(th, page, d);
                    }
                }
                if (in.pos != blockEnd) {
                    throw error(in.pos, "block ends at byte " + in.pos + " but its length says byte " + blockEnd);
                }
                prev[th] = page;
                nAccesses += count;
                nBlocks++;
            }
            in = new In(ptOff, end);
            LongIntMap seen = new LongIntMap(nPages);
            long minVpn = Long.MAX_VALUE;
            long maxVpn = 0;
            for (int i = 0; i < nPages; i++) {
                long pos = in.pos;
                long vpn = in.u64();
                if (vpn < 0 || vpn > TraceFormat.MAX_VPN) {
                    throw error(pos, "page table entry " + i + ": virtual page number 0x" + Long.toHexString(vpn)
                            + " out of range");
                }
                int j = seen.putIfAbsent(vpn, i);
                if (j != LongIntMap.ABSENT) {
                    throw error(pos, "page table entry " + i + " repeats entry " + j + " (virtual page 0x"
                            + Long.toHexString(vpn) + ")");
                }
                minVpn = Math.min(minVpn, vpn);
                maxVpn = Math.max(maxVpn, vpn);
            }
            List<TraceInfo.Thread> threadInfo = new ArrayList<>();
            long threadInstructions = 0;
            for (int t = 0; t < nThreads; t++) {
                long pos = in.pos;
                long tid = in.u64();
                long a = in.u64();
                long n = in.u64();
                long p = in.u64();
                if (a != acc[t] || a == 0) {
                    throw error(pos + 8, "thread " + t + ": the thread table says " + a + " accesses, its records have "
                            + acc[t]);
                }
                if (n != ins[t]) {
                    throw error(pos + 16, "thread " + t + ": the thread table says " + n
                            + " instructions, its records have " + ins[t]);
                }
                if (p != touched[t].cardinality()) {
                    throw error(pos + 24, "thread " + t + ": the thread table says " + p + " pages, its records touch "
                            + touched[t].cardinality());
                }
                if (tid < 0) {
                    throw error(pos, "thread " + t + ": thread id out of range");
                }
                threadInstructions += n;
                threadInfo.add(new TraceInfo.Thread(t, tid, a, n, p));
            }
            if (nAccesses != accesses) {
                throw error(TraceFormat.OFF_ACCESSES, "the header says " + accesses + " accesses, the records have "
                        + nAccesses);
            }
            if (all.cardinality() != nPages) {
                throw error(TraceFormat.OFF_PAGES, "the header says " + pages + " pages, the records touch "
                        + all.cardinality());
            }
            if (nBlocks != blocks) {
                throw error(TraceFormat.OFF_BLOCKS, "the header says " + blocks + " blocks, the file has " + nBlocks);
            }
            if (instructions < threadInstructions) {
                throw error(TraceFormat.OFF_INSTRUCTIONS, "the header says " + instructions
                        + " instructions, fewer than its threads' " + threadInstructions);
            }
            if (loads < 0 || stores < 0 || modifies < 0 || loads + stores + modifies > accesses) {
                throw error(TraceFormat.OFF_LOADS, "loads, stores and modifies (" + loads + ", " + stores + ", "
                        + modifies + ") exceed the page accesses (" + accesses + ")");
            }
            return new TraceInfo(file, length, version, accesses, loads, stores, modifies, instructions, nPages, blocks,
                    minVpn, maxVpn, List.copyOf(threadInfo), TraceFormat.HEADER_BYTES, ptOff);
        }

        private int readAt(long pos, byte[] dst, int len) throws IOException {
            ByteBuffer b = ByteBuffer.wrap(dst, 0, len);
            while (b.hasRemaining()) {
                int n = ch.read(b, pos + b.position());
                if (n < 0) {
                    break;
                }
            }
            return b.position();
        }

        private int crc(long end) throws IOException {
            CRC32C crc = new CRC32C();
            ByteBuffer buf = ByteBuffer.allocate((int) Math.max(1, Math.min(1 << 20, end)));
            long pos = 0;
            while (pos < end) {
                buf.clear();
                buf.limit((int) Math.min(buf.capacity(), end - pos));
                int n = ch.read(buf, pos);
                if (n < 0) {
                    throw error(pos, "truncated: the file shrank while being read");
                }
                buf.flip();
                crc.update(buf);
                pos += n;
            }
            return (int) crc.getValue();
        }

        /** A buffered sequential reader of the byte range [pos, limit) that knows its offset. */
        private final class In {
            long pos;
            private final long limit;
            private final byte[] buf;
            private long bufStart;
            private int bufLen;

            In(long from, long limit) {
                this.pos = from;
                this.limit = limit;
                this.bufStart = from;
                this.buf = new byte[(int) Math.max(1, Math.min(1 << 16, limit - from))];
            }

            int next() throws IOException {
                if (pos >= limit) {
                    throw error(pos, "truncated: a value runs past byte " + limit);
                }
                long i = pos - bufStart;
                if (i >= bufLen) {
                    bufStart = pos;
                    bufLen = readAt(pos, buf, (int) Math.min(buf.length, limit - pos));
                    if (bufLen <= 0) {
                        throw error(pos, "truncated: the file shrank while being read");
                    }
                    i = 0;
                }
                pos++;
                return buf[(int) i];
            }

            long varint() throws IOException {
                long start = pos;
                long v = 0;
                for (int shift = 0; shift < 64; shift += 7) {
                    int b = next();
                    v |= (long) (b & 0x7F) << shift;
                    if (b >= 0) {
                        if (shift == 63 && (b & 0x7E) != 0) {
                            break;
                        }
                        return v;
                    }
                }
                throw error(start, "malformed varint (longer than 64 bits)");
            }

            long u64() throws IOException {
                long v = 0;
                for (int i = 0; i < 8; i++) {
                    v |= (long) (next() & 0xFF) << (8 * i);
                }
                return v;
            }
        }
    }
}
