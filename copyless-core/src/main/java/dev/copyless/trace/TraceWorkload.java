package dev.copyless.trace;

import dev.copyless.workload.Workload;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.SplittableRandom;

/**
 * Replays one thread of a recorded trace as a task's access pattern: the thread's page
 * indices in trace order, and when they run out, again from the start (the replay loops, so
 * a run can be longer than the trace). The page index is the trace's compact page index, so
 * the task's footprint is the trace's distinct pages; the threads of one trace share it.
 *
 * <p>Time: before each access the task computes for (instructions since the thread's previous
 * access) x {@code nsPerInstruction} ns ({@link #thinkNs()}); fractions of a nanosecond carry
 * over to the next access, so the total is exact. The vCPU adds the memory access cost on top.
 *
 * <p>Memory: the file is memory-mapped read-only (a trace of gigabytes costs page cache, not
 * heap) and decoded in place, block by block, skipping other threads' blocks; {@link #next}
 * allocates nothing. The file is fully checked ({@link TraceReader#open}) before it is mapped.
 */
public final class TraceWorkload implements Workload {
    /** Default time per traced instruction: a 2 GHz core at one instruction per cycle. */
    public static final double DEFAULT_NS_PER_INSTRUCTION = 0.5;

    private final MemorySegment seg;
    private final TraceInfo info;
    private final int thread;
    private final double nsPerInstruction;
    private final long bodyStart;
    private final long bodyEnd;
    private long pos;
    private long left;
    private int page;
    private double carry;
    private long think;
    private long loops;

    private TraceWorkload(MemorySegment seg, TraceInfo info, int thread, double nsPerInstruction) {
        this.seg = seg;
        this.info = info;
        this.thread = thread;
        this.nsPerInstruction = nsPerInstruction;
        this.bodyStart = info.bodyStart();
        this.bodyEnd = info.bodyEnd();
        this.pos = bodyStart;
    }

    /**
     * Opens thread {@code thread} of the trace {@code file} for replay.
     *
     * @param nsPerInstruction compute time per traced instruction (ns per instruction x time scale)
     */
    public static TraceWorkload open(Path file, int thread, double nsPerInstruction) {
        TraceInfo info = TraceReader.open(file);
        if (thread < 0 || thread >= info.threads().size()) {
            throw new TraceException(file + ": no thread " + thread + " (the trace has threads 0.."
                    + (info.threads().size() - 1) + ")");
        }
        if (!(nsPerInstruction >= 0) || Double.isInfinite(nsPerInstruction)) {
            throw new TraceException(file + ": time per instruction must be a number >= 0, got " + nsPerInstruction);
        }
        MemorySegment seg;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            if (ch.size() != info.fileBytes()) {
                throw new TraceException(file + ": the trace changed while being opened; try again");
            }
            seg = ch.map(FileChannel.MapMode.READ_ONLY, 0, info.fileBytes(), Arena.ofAuto());
        } catch (IOException e) {
            throw new TraceException(file + ": cannot read the trace: " + e.getMessage());
        }
        return new TraceWorkload(seg, info, thread, nsPerInstruction);
    }

    /** How many times the replay has wrapped around to the start of the trace. */
    public long loops() {
        return loops;
    }

    @Override
    public int footprint() {
        return info.pages();
    }

    @Override
    public int next(SplittableRandom rng) {
        if (left == 0) {
            nextBlock();
        }
        page += (int) TraceFormat.unzigzag(varint());
        double t = varint() * nsPerInstruction + carry;
        long ns = (long) t;
        carry = t - ns;
        think = ns;
        left--;
        return page;
    }

    @Override
    public boolean timed() {
        return true;
    }

    /** Compute time before the access that {@link #next} last returned. */
    @Override
    public long thinkNs() {
        return think;
    }

    /** Moves to the next block of this thread, wrapping around at the end of the trace. */
    private void nextBlock() {
        while (true) {
            if (pos >= bodyEnd) {
                pos = bodyStart;
                page = 0;
                loops++;
            }
            long t = varint();
            long count = varint();
            long bytes = varint();
            if (t == thread) {
                left = count;
                return;
            }
            pos += bytes;
        }
    }

    private long varint() {
        long v = 0;
        int shift = 0;
        byte b;
        do {
            b = seg.get(ValueLayout.JAVA_BYTE, pos++);
            v |= (long) (b & 0x7F) << shift;
            shift += 7;
        } while (b < 0);
        return v;
    }
}
