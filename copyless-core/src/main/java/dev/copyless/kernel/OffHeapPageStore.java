package dev.copyless.kernel;

import dev.copyless.host.PageContent;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * The real-bytes {@link PageStore}: each host node's frames are one off-heap
 * {@link MemorySegment} of {@code frames * 4096} bytes (a shared {@link Arena}), each swap
 * device is a sparse temporary file of {@code slots * 4096} bytes read and written with
 * positional {@link FileChannel} I/O. The files are unlinked as soon as they are open, so
 * nothing is left behind even if the JVM dies; {@link #close()} frees the memory and closes
 * the files. Each slot's CRC32C is kept at write time ({@code swap_writepage}) and checked at
 * read time ({@code swap_read_folio}).
 */
public final class OffHeapPageStore implements PageStore {
    private static final ValueLayout.OfLong WORD = ValueLayout.JAVA_LONG;
    private static final long PAGE = PageContent.PAGE;

    private final Arena arena;
    private final MemorySegment[] nodes;
    private final FileChannel[] devices;
    private final int[][] crc;
    /** One page of scratch memory for slot reads that do not go into a frame. */
    private final MemorySegment scratch;
    private final CRC32C crc32c = new CRC32C();
    private long bytesCopied;
    private boolean closed;

    /**
     * Allocates the nodes' memory and creates the swap files (in {@code java.io.tmpdir}).
     *
     * @param nodeFrames frames per host node
     * @param swapSlots  slots per swap device
     */
    public OffHeapPageStore(int[] nodeFrames, int[] swapSlots) {
        arena = Arena.ofShared();
        nodes = new MemorySegment[nodeFrames.length];
        devices = new FileChannel[swapSlots.length];
        crc = new int[swapSlots.length][];
        try {
            for (int i = 0; i < nodeFrames.length; i++) {
                nodes[i] = arena.allocate(nodeFrames[i] * PAGE, PAGE); // zeroed
            }
            scratch = arena.allocate(PAGE, PAGE);
            for (int d = 0; d < swapSlots.length; d++) {
                devices[d] = openSwapFile(swapSlots[d]);
                crc[d] = new int[swapSlots[d]];
            }
        } catch (IOException e) {
            close();
            throw new UncheckedIOException("real-bytes mode: cannot create a swap file: " + e.getMessage(), e);
        } catch (RuntimeException | Error e) {
            close();
            throw e;
        }
    }

    /** A sparse file of {@code slots} pages, already unlinked: it lives as long as its channel. */
    private static FileChannel openSwapFile(int slots) throws IOException {
        Path p = Files.createTempFile("copyless-swap-", ".img");
        FileChannel ch = null;
        try {
            ch = FileChannel.open(p, StandardOpenOption.READ, StandardOpenOption.WRITE, StandardOpenOption.SPARSE);
            ch.write(ByteBuffer.allocate(1), slots * PAGE - 1); // size the file without allocating it
            return ch;
        } catch (IOException e) {
            if (ch != null) {
                ch.close();
            }
            throw e;
        } finally {
            Files.deleteIfExists(p);
        }
    }

    @Override
    public boolean real() {
        return true;
    }

    private MemorySegment frame(int node, int pfn) {
        return nodes[node].asSlice(pfn * PAGE, PAGE);
    }

    @Override
    public void stamp(int node, int pfn, long token) {
        MemorySegment seg = nodes[node];
        long base = pfn * PAGE;
        seg.set(WORD, base, token);
        for (int i = 1; i < PageContent.WORDS; i++) {
            seg.set(WORD, base + (long) i * Long.BYTES, PageContent.word(token, i));
        }
    }

    @Override
    public void copyFrame(int fromNode, int fromPfn, int toNode, int toPfn) {
        MemorySegment.copy(nodes[fromNode], fromPfn * PAGE, nodes[toNode], toPfn * PAGE, PAGE);
        bytesCopied += PAGE;
    }

    @Override
    public void writeSlot(int node, int pfn, int device, int slot, int bytes) {
        MemorySegment f = frame(node, pfn);
        crc[device][slot] = checksum(f);
        write(device, slot, f.asSlice(0, bytes));
        bytesCopied += bytes;
    }

    @Override
    public boolean slotIntact(int device, int slot) {
        read(device, slot, scratch);
        return checksum(scratch) == crc[device][slot];
    }

    @Override
    public boolean readSlot(int device, int slot, int node, int pfn) {
        MemorySegment f = frame(node, pfn);
        read(device, slot, f);
        bytesCopied += PAGE;
        return checksum(f) == crc[device][slot];
    }

    @Override
    public long frameToken(int node, int pfn) {
        return tokenOf(frame(node, pfn));
    }

    @Override
    public long slotToken(int device, int slot) {
        read(device, slot, scratch);
        return tokenOf(scratch);
    }

    /** The embedded token if every word of the page is the pattern of that token, else {@link PageContent#NONE}. */
    private static long tokenOf(MemorySegment page) {
        long token = page.get(WORD, 0);
        if (!PageContent.isToken(token)) {
            return PageContent.NONE;
        }
        for (int i = 1; i < PageContent.WORDS; i++) {
            if (page.get(WORD, (long) i * Long.BYTES) != PageContent.word(token, i)) {
                return PageContent.NONE;
            }
        }
        return token;
    }

    private int checksum(MemorySegment page) {
        crc32c.reset();
        crc32c.update(page.asByteBuffer());
        return (int) crc32c.getValue();
    }

    private void write(int device, int slot, MemorySegment src) {
        ByteBuffer b = src.asByteBuffer();
        long pos = slot * PAGE;
        try {
            while (b.hasRemaining()) {
                pos += devices[device].write(b, pos);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("real-bytes mode: writing swap slot " + device + ":" + slot, e);
        }
    }

    private void read(int device, int slot, MemorySegment dst) {
        ByteBuffer b = dst.asByteBuffer();
        long pos = slot * PAGE;
        try {
            while (b.hasRemaining()) {
                int n = devices[device].read(b, pos);
                if (n < 0) {
                    throw new IOException("end of file at " + pos);
                }
                pos += n;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("real-bytes mode: reading swap slot " + device + ":" + slot, e);
        }
    }

    @Override
    public long bytesCopied() {
        return bytesCopied;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        IOException first = null;
        for (FileChannel ch : devices) {
            if (ch != null) {
                try {
                    ch.close();
                } catch (IOException e) {
                    first = first == null ? e : first;
                }
            }
        }
        arena.close();
        if (first != null) {
            throw new UncheckedIOException("real-bytes mode: closing a swap file", first);
        }
    }
}
