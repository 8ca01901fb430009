package dev.copyless.trace;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Turns Lackey events ({@link LackeyParser}) into trace records ({@link TraceWriter}): each
 * data access becomes one page access per 4 KiB page it touches (an access that straddles a
 * page boundary touches both pages; the second gets no instructions of its own), attributed
 * to the thread that holds Valgrind's lock; each instruction is counted for the thread that
 * runs it and becomes the instruction delta of that thread's next page access, the replay's
 * time base. Instructions are counted whether or not a data access follows.
 */
public final class LackeyConverter implements LackeyParser.Listener {
    private static final int MAX_TID = 1 << 20;
    private final TraceWriter writer;
    private int tid = 1; // Valgrind's main thread
    private long[] pending = new long[64];
    private long instructions;
    private long loads;
    private long stores;
    private long modifies;

    public LackeyConverter(TraceWriter writer) {
        this.writer = writer;
    }

    /**
     * Converts a whole Lackey stream into the trace file {@code out}, streaming; on any error
     * no file is left behind.
     *
     * @param source names the input in errors
     */
    public static TraceInfo convert(InputStream in, String source, Path out) throws IOException {
        try (TraceWriter w = TraceWriter.create(out)) {
            LackeyConverter c = new LackeyConverter(w);
            LackeyParser.parse(in, source, c);
            return c.finish();
        }
    }

    /** Writes the totals and finishes the trace file. */
    public TraceInfo finish() {
        writer.totals(instructions, loads, stores, modifies);
        return writer.finish();
    }

    @Override
    public void instruction(long addr, int size) {
        instructions++;
        pending[tid]++;
    }

    @Override
    public void data(char kind, long addr, int size) {
        switch (kind) {
            case 'L' -> loads++;
            case 'S' -> stores++;
            default -> modifies++;
        }
        long first = addr >>> TraceFormat.PAGE_SHIFT;
        long lastAddr = addr + Math.max(size, 1) - 1;
        if (Long.compareUnsigned(lastAddr, addr) < 0) {
            lastAddr = -1L; // wraps past the top of the address space: stop there
        }
        long last = lastAddr >>> TraceFormat.PAGE_SHIFT;
        for (long vpn = first; vpn <= last; vpn++) {
            writer.access(tid, vpn, pending[tid]);
            pending[tid] = 0;
        }
    }

    @Override
    public void thread(int t) {
        if (t < 0 || t >= MAX_TID) {
            throw new TraceException("Valgrind thread id " + t + " out of range");
        }
        if (t >= pending.length) {
            pending = Arrays.copyOf(pending, Math.max(t + 1, pending.length * 2));
        }
        tid = t;
    }
}
