package dev.copyless.trace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Replay of one trace thread: its pages in trace order, other threads' blocks skipped, a loop
 * back to the start at the end, compute time from instruction counts with the fractions
 * carried, and no allocation per access.
 */
class TraceWorkloadTest {
    @TempDir
    Path dir;

    @Test
    void replaysEachThreadsPagesInOrderAndLoops() {
        Path f = dir.resolve("w.cltrace");
        List<TraceFormatTest.Rec> recs = TraceFormatTest.records(150_000, 3, 7);
        TraceFormatTest.write(f, recs);
        TraceInfo info = TraceReader.read(f, null);
        List<List<int[]>> perThread = new ArrayList<>();
        for (int t = 0; t < info.threads().size(); t++) {
            perThread.add(new ArrayList<>());
        }
        TraceReader.read(f, (t, p, d) -> perThread.get(t).add(new int[] {p, (int) Math.min(d, Integer.MAX_VALUE)}));
        SplittableRandom rng = new SplittableRandom(0);
        for (int t = 0; t < info.threads().size(); t++) {
            TraceWorkload w = TraceWorkload.open(f, t, 1.0);
            assertThat(w.footprint()).isEqualTo(info.pages());
            assertThat(w.timed()).isTrue();
            List<int[]> expected = perThread.get(t);
            for (int loop = 0; loop < 2; loop++) {
                for (int[] e : expected) {
                    assertThat(w.next(rng)).isEqualTo(e[0]);
                    if (e[1] < Integer.MAX_VALUE) {
                        assertThat(w.thinkNs()).isEqualTo(e[1]);
                    }
                }
                assertThat(w.loops()).isEqualTo(loop);
            }
            w.next(rng);
            assertThat(w.loops()).isEqualTo(2);
        }
    }

    @Test
    void computeTimeIsInstructionsTimesNsPerInstructionWithFractionsCarried() {
        Path f = dir.resolve("t.cltrace");
        try (TraceWriter w = TraceWriter.create(f)) {
            for (int i = 0; i < 1000; i++) {
                w.access(1, i % 10, 3);
            }
            w.finish();
        }
        TraceWorkload w = TraceWorkload.open(f, 0, 0.5 * 0.7); // 0.5 ns per instruction, time scale 0.7
        long total = 0;
        SplittableRandom rng = new SplittableRandom(0);
        for (int i = 0; i < 1000; i++) {
            w.next(rng);
            total += w.thinkNs();
        }
        assertThat(total).isBetween(1049L, 1050L); // 3000 instructions * 0.35 ns
    }

    @Test
    void nextAllocatesNothing() {
        Path f = dir.resolve("a.cltrace");
        TraceFormatTest.write(f, TraceFormatTest.records(50_000, 2, 9));
        TraceWorkload w = TraceWorkload.open(f, 1, 0.5);
        SplittableRandom rng = new SplittableRandom(0);
        long sink = 0;
        for (int i = 0; i < 200_000; i++) { // warm up, JIT
            sink += w.next(rng) + w.thinkNs();
        }
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().threadId();
        long before = threads.getThreadAllocatedBytes(tid);
        for (int i = 0; i < 1_000_000; i++) {
            sink += w.next(rng) + w.thinkNs();
        }
        long bytes = threads.getThreadAllocatedBytes(tid) - before;
        assertThat(sink).isPositive();
        assertThat(bytes).as("bytes allocated by 1M next() calls").isLessThan(10_000);
    }

    @Test
    void aMissingThreadIsAnError() {
        Path f = dir.resolve("m.cltrace");
        TraceFormatTest.write(f, List.of(new TraceFormatTest.Rec(1, 1, 1)));
        assertThatThrownBy(() -> TraceWorkload.open(f, 1, 0.5)).isInstanceOf(TraceException.class)
                .hasMessageContaining("no thread 1");
    }
}
