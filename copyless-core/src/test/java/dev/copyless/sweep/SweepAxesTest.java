package dev.copyless.sweep;

import static org.assertj.core.api.Assertions.assertThat;

import dev.copyless.metrics.Counter;
import dev.copyless.metrics.RunResult;
import dev.copyless.scenario.Scenario;
import dev.copyless.trace.TraceFiles;
import dev.copyless.trace.TraceFormatTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The workload axes of a sweep: {@code trace} (a recorded program, resolved against the grid's
 * directory, at the base's memory pressure, read through {@link TraceFiles} so an engine can
 * ship it) and {@code workload}, both applied before the other parameters.
 */
class SweepAxesTest {
    @TempDir
    Path dir;

    @AfterEach
    void reset() {
        TraceFiles.reset();
    }

    private Path trace(String name, int pages) {
        Path t = dir.resolve(name);
        List<TraceFormatTest.Rec> recs = new ArrayList<>();
        for (int i = 0; i < 60_000; i++) {
            recs.add(new TraceFormatTest.Rec(1, 0x4000 + (i * 7L % pages), 1 + i % 5));
        }
        TraceFormatTest.write(t, recs);
        return t;
    }

    @Test
    void aTraceAxisReplaysEachProgramAtTheBasesPressureAndThenAppliesTheOtherParameters() throws Exception {
        trace("small.cltrace", 2_000);
        trace("large.cltrace", 6_000);
        // memory-pressure is written first, yet applied after the trace (which would otherwise reset it)
        SweepGrid g = SweepGrid.parse("""
                base: default
                policies: [naive, copyless]
                parameters:
                  memory-pressure: [1.5]
                  trace: [small.cltrace, large.cltrace]
                  duration: [200ms]
                """, "g.yaml", dir);
        List<SweepPoint> pts = g.points();
        assertThat(pts).hasSize(2);
        Scenario small = pts.get(0).scenario(g.base());
        Scenario large = pts.get(1).scenario(g.base());
        assertThat(small.vms().get(0).tasks()).allMatch(t -> t.pattern().equals("trace"));
        assertThat(small.workloadPages()).isEqualTo(2_000);
        assertThat(large.workloadPages()).isEqualTo(6_000);
        assertThat((double) small.workloadPages() / small.hostPages()).isCloseTo(1.5, org.assertj.core.data.Offset.offset(0.02));
        assertThat((double) large.workloadPages() / large.hostPages()).isCloseTo(1.5, org.assertj.core.data.Offset.offset(0.02));
        assertThat(pts.get(0).traceFiles()).containsExactly(dir.resolve("small.cltrace").toAbsolutePath().normalize());

        Map<String, RunResult> here = pts.get(1).run(g.base());
        assertThat(here.get("naive").counter(Counter.GUEST_ACCESSES)).isPositive();

        // an engine that shipped the trace elsewhere: the point reads the copy through TraceFiles, same results
        Path shipped = Files.createDirectories(dir.resolve("executor")).resolve("large.cltrace");
        Files.copy(dir.resolve("large.cltrace"), shipped);
        Path original = dir.resolve("large.cltrace").toAbsolutePath().normalize();
        Files.move(original, dir.resolve("moved-away"));
        TraceFiles.install(p -> p.equals(original) ? shipped : p);
        Map<String, RunResult> there = pts.get(1).run(g.base());
        assertThat(there.get("copyless").metrics()).isEqualTo(here.get("copyless").metrics());
        assertThat(there.get("naive").metrics()).isEqualTo(here.get("naive").metrics());
    }
}
