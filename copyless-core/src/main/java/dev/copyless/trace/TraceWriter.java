package dev.copyless.trace;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.zip.CRC32C;

/**
 * Writes a trace file in the format of {@link TraceFormat}, streaming: page accesses go into
 * per-thread blocks of at most {@value TraceFormat#BLOCK_PAYLOAD_BYTES} bytes as they come;
 * memory holds one block, the page table (8 bytes per distinct page) and per-thread counters.
 *
 * <p>Nothing half-done is left behind: the writer writes a hidden temporary file in the
 * target's directory, and only {@link #finish()} (header, tables, CRC32C trailer, fsync, then
 * a check of the whole file by {@link TraceReader}) renames it onto the target, atomically.
 * {@link #close()} without {@code finish()}, any error, or the JVM exiting first deletes the
 * temporary file. Errors are {@link TraceException}s naming the target.
 */
public final class TraceWriter implements AutoCloseable {
    private final Path target;
    private final Path temp;
    private final FileChannel ch;
    private final ByteBuffer out = ByteBuffer.allocateDirect(1 << 20);
    private long offset;

    private final LongIntMap pageIndex = new LongIntMap(1 << 12);
    private long[] vpns = new long[1 << 12];
    private int pages;

    private final List<ThreadState> threads = new ArrayList<>();
    private int[] threadOfTid = new int[64];

    private final byte[] block = new byte[TraceFormat.BLOCK_PAYLOAD_BYTES + 32];
    private final byte[] scratch = new byte[32];
    private int blockBytes;
    private int blockRecords;
    private int blockThread = -1;
    private long blocks;
    private long accesses;

    private long instructions = -1;
    private long loads;
    private long stores;
    private long modifies;
    private boolean done;

    private static final class ThreadState {
        final long tid;
        int prevPage;
        long accesses;
        long instructions;
        final BitSet pages = new BitSet();

        ThreadState(long tid) {
            this.tid = tid;
        }
    }

    private TraceWriter(Path target, Path temp, FileChannel ch) {
        this.target = target;
        this.temp = temp;
        this.ch = ch;
    }

    /**
     * Starts a trace at {@code target}: creates the temporary file next to it now, so that an
     * unwritable destination is reported before any work is done.
     */
    public static TraceWriter create(Path target) {
        Path abs = target.toAbsolutePath().normalize();
        Path dir = abs.getParent();
        if (Files.isDirectory(abs)) {
            throw new TraceException(target + ": is a directory; give the path of the trace file to write");
        }
        if (dir == null || !Files.isDirectory(dir)) {
            throw new TraceException(target + ": cannot write the trace: directory " + dir + " does not exist");
        }
        Path temp = dir.resolve("." + abs.getFileName() + "." + Long.toHexString(ThreadLocalRandom.current().nextLong())
                + ".tmp");
        FileChannel ch;
        try {
            ch = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE);
        } catch (AccessDeniedException e) {
            throw new TraceException(target + ": cannot write the trace: permission denied in " + dir);
        } catch (NoSuchFileException e) {
            throw new TraceException(target + ": cannot write the trace: directory " + dir + " does not exist");
        } catch (FileSystemException e) {
            throw new TraceException(target + ": cannot write the trace: "
                    + (e.getReason() == null ? e.getMessage() : e.getReason()));
        } catch (IOException e) {
            throw new TraceException(target + ": cannot write the trace: " + e.getMessage());
        }
        temp.toFile().deleteOnExit();
        TraceWriter w = new TraceWriter(target, temp, ch);
        w.offset = TraceFormat.HEADER_BYTES;
        w.out.put(new byte[TraceFormat.HEADER_BYTES]); // the header is written last, in place
        return w;
    }

    /** The hidden temporary file being written (tests check that it goes away). */
    Path tempFile() {
        return temp;
    }

    /**
     * One page access.
     *
     * @param tid        the traced program's thread id (any non-negative int; compact indices are assigned here)
     * @param vpn        virtual page number (address / 4096)
     * @param instrDelta instructions the thread executed since its previous access
     */
    public void access(int tid, long vpn, long instrDelta) {
        if (done) {
            throw new IllegalStateException("trace already finished");
        }
        if (vpn < 0 || vpn > TraceFormat.MAX_VPN) {
            throw new IllegalArgumentException("virtual page number out of range: " + vpn);
        }
        if (instrDelta < 0) {
            throw new IllegalArgumentException("negative instruction count");
        }
        int t = thread(tid);
        ThreadState ts = threads.get(t);
        int page = pageIndex.putIfAbsent(vpn, pages);
        if (page == LongIntMap.ABSENT) {
            if (pages == TraceFormat.MAX_PAGES) {
                fail("the trace touches more than " + TraceFormat.MAX_PAGES + " distinct pages");
            }
            page = pages;
            if (pages == vpns.length) {
                vpns = java.util.Arrays.copyOf(vpns, vpns.length * 2);
            }
            vpns[pages++] = vpn;
        }
        if (t != blockThread || blockBytes >= TraceFormat.BLOCK_PAYLOAD_BYTES) {
            flushBlock();
            blockThread = t;
        }
        blockBytes = TraceFormat.putVarint(block, blockBytes, TraceFormat.zigzag((long) page - ts.prevPage));
        blockBytes = TraceFormat.putVarint(block, blockBytes, instrDelta);
        blockRecords++;
        ts.prevPage = page;
        ts.accesses++;
        ts.instructions += instrDelta;
        ts.pages.set(page);
        accesses++;
    }

    /** Whole-trace counts that the records do not carry (all instructions; Lackey's L, S and M lines). */
    public void totals(long instructions, long loads, long stores, long modifies) {
        this.instructions = instructions;
        this.loads = loads;
        this.stores = stores;
        this.modifies = modifies;
    }

    /** Page accesses written so far. */
    public long accesses() {
        return accesses;
    }

    private int thread(int tid) {
        if (tid < 0) {
            throw new IllegalArgumentException("negative thread id " + tid);
        }
        if (tid >= threadOfTid.length) {
            if (tid >= 1 << 24) {
                throw new IllegalArgumentException("thread id out of range: " + tid);
            }
            threadOfTid = java.util.Arrays.copyOf(threadOfTid, Math.max(tid + 1, threadOfTid.length * 2));
        }
        int t = threadOfTid[tid] - 1;
        if (t < 0) {
            if (threads.size() == TraceFormat.MAX_THREADS) {
                fail("the trace has more than " + TraceFormat.MAX_THREADS + " threads");
            }
            t = threads.size();
            threads.add(new ThreadState(tid));
            threadOfTid[tid] = t + 1;
        }
        return t;
    }

    private void flushBlock() {
        if (blockRecords == 0) {
            return;
        }
        int n = TraceFormat.putVarint(scratch, 0, blockThread);
        n = TraceFormat.putVarint(scratch, n, blockRecords);
        n = TraceFormat.putVarint(scratch, n, blockBytes);
        write(scratch, 0, n);
        write(block, 0, blockBytes);
        blocks++;
        blockBytes = 0;
        blockRecords = 0;
    }

    private void write(byte[] b, int off, int len) {
        while (len > 0) {
            if (!out.hasRemaining()) {
                drain();
            }
            int n = Math.min(len, out.remaining());
            out.put(b, off, n);
            off += n;
            len -= n;
            offset += n;
        }
    }

    private void writeLong(long v) {
        TraceFormat.putLong(scratch, 0, v);
        write(scratch, 0, 8);
    }

    private void drain() {
        out.flip();
        try {
            while (out.hasRemaining()) {
                ch.write(out);
            }
        } catch (IOException e) {
            fail("cannot write the trace: " + e.getMessage());
        }
        out.clear();
    }

    /**
     * Writes the tables, the header and the CRC32C trailer, syncs, checks the whole file and
     * renames it onto the target atomically.
     *
     * @return the summary of the written trace
     */
    public TraceInfo finish() {
        if (done) {
            throw new IllegalStateException("trace already finished");
        }
        if (accesses == 0) {
            fail("the traced program made no data accesses; nothing to write");
        }
        flushBlock();
        long pageTableOffset = offset;
        for (int i = 0; i < pages; i++) {
            writeLong(vpns[i]);
        }
        long threadTableOffset = offset;
        long threadInstructions = 0;
        for (ThreadState t : threads) {
            writeLong(t.tid);
            writeLong(t.accesses);
            writeLong(t.instructions);
            writeLong(t.pages.cardinality());
            threadInstructions += t.instructions;
        }
        long trailerOffset = offset;
        drain();
        byte[] h = new byte[TraceFormat.HEADER_BYTES];
        System.arraycopy(TraceFormat.MAGIC, 0, h, 0, 8);
        TraceFormat.putShort(h, TraceFormat.OFF_VERSION, TraceFormat.VERSION);
        TraceFormat.putShort(h, TraceFormat.OFF_HEADER_BYTES, TraceFormat.HEADER_BYTES);
        TraceFormat.putInt(h, TraceFormat.OFF_PAGE_SIZE, TraceFormat.PAGE_SIZE);
        TraceFormat.putInt(h, TraceFormat.OFF_THREADS, threads.size());
        TraceFormat.putLong(h, TraceFormat.OFF_ACCESSES, accesses);
        TraceFormat.putLong(h, TraceFormat.OFF_PAGES, pages);
        TraceFormat.putLong(h, TraceFormat.OFF_INSTRUCTIONS, Math.max(instructions, threadInstructions));
        TraceFormat.putLong(h, TraceFormat.OFF_LOADS, loads);
        TraceFormat.putLong(h, TraceFormat.OFF_STORES, stores);
        TraceFormat.putLong(h, TraceFormat.OFF_MODIFIES, modifies);
        TraceFormat.putLong(h, TraceFormat.OFF_BLOCKS, blocks);
        TraceFormat.putLong(h, TraceFormat.OFF_PAGE_TABLE, pageTableOffset);
        TraceFormat.putLong(h, TraceFormat.OFF_THREAD_TABLE, threadTableOffset);
        try {
            ByteBuffer hb = ByteBuffer.wrap(h);
            while (hb.hasRemaining()) {
                ch.write(hb, hb.position());
            }
            CRC32C crc = new CRC32C();
            ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
            long pos = 0;
            while (pos < trailerOffset) {
                buf.clear();
                buf.limit((int) Math.min(buf.capacity(), trailerOffset - pos));
                int n = ch.read(buf, pos);
                if (n < 0) {
                    fail("the temporary file " + temp + " shrank while being written");
                }
                buf.flip();
                crc.update(buf);
                pos += n;
            }
            byte[] trailer = new byte[TraceFormat.TRAILER_BYTES];
            System.arraycopy(TraceFormat.END_MARKER, 0, trailer, 0, 4);
            TraceFormat.putInt(trailer, 4, (int) crc.getValue());
            ByteBuffer tb = ByteBuffer.wrap(trailer);
            while (tb.hasRemaining()) {
                ch.write(tb, trailerOffset + tb.position());
            }
            ch.force(true);
            ch.close();
        } catch (IOException e) {
            fail("cannot write the trace: " + e.getMessage());
        }
        TraceInfo info;
        try {
            info = TraceReader.read(temp, null);
        } catch (TraceException e) {
            fail("the written trace failed its check (a bug; please report): " + e.getMessage());
            return null;
        }
        try {
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            fail("cannot rename the finished trace onto " + target + ": " + e.getMessage());
        }
        done = true;
        return info.withFile(target);
    }

    private void fail(String message) {
        abort();
        throw new TraceException(target + ": " + message);
    }

    private void abort() {
        done = true;
        try {
            ch.close();
        } catch (IOException e) {
            // deleting is what matters
        }
        try {
            Files.deleteIfExists(temp);
        } catch (IOException e) {
            // best effort; deleteOnExit is the fallback
        }
    }

    /** Deletes the temporary file unless {@link #finish()} succeeded. */
    @Override
    public void close() {
        if (!done) {
            abort();
        }
    }
}
