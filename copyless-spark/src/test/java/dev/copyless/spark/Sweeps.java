package dev.copyless.spark;

import dev.copyless.cli.CopylessCommand;
import dev.copyless.trace.TraceWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** What the Spark engine's tests share: small grids, a small trace, the CLI run in this JVM, rows sorted by point. */
final class Sweeps {
    private Sweeps() {}

    /** Four points of 300 ms under two policies: a few seconds on either engine. */
    static final String GRID = """
            base: default
            policies: [naive, copyless]
            seeds: [7]
            parameters:
              duration: [300ms]
              memory-pressure: [1.1, 1.3]
              swap-device: [nvme, zram]
            """;

    /** A base scenario whose two tasks replay the two threads of {@code two.cltrace} beside it. */
    static final String TRACED = """
            host:
              nodes: [{id: 0, memory: 1MiB}, {id: 1, memory: 1MiB}]
              swap: [{name: s, size: 16MiB}]
            vms:
              - name: vm0
                vnodes: [{id: 0, memory: 4MiB, host-node: 0}, {id: 1, memory: 4MiB, host-node: 1}]
                tasks:
                  - {name: a, vnode: 0, pattern: trace, trace: two.cltrace}
                  - {name: b, vnode: 1, pattern: trace, trace: two.cltrace, trace-thread: 1}
            """;

    /** Two points over the traced base scenario. */
    static final String TRACED_GRID = """
            base: traced.yaml
            policies: [naive, copyless]
            seeds: [3]
            parameters:
              duration: [300ms]
              swap-device: [nvme, zram]
            """;

    record Result(int code, String out, String err) {}

    /** {@code copyless sweep ARGS} in this JVM. */
    static Result sweep(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        List<String> a = new ArrayList<>(List.of("sweep"));
        a.addAll(List.of(args));
        int code = CopylessCommand.execute(a.toArray(String[]::new), new PrintWriter(out, true),
                new PrintWriter(err, true));
        return new Result(code, out.toString(), err.toString());
    }

    /** Writes {@code traced.yaml}, its trace {@code two.cltrace} and {@code grid.yaml} (TRACED_GRID) into {@code dir}; returns the grid. */
    static Path tracedGrid(Path dir) throws IOException {
        writeTrace(dir.resolve("two.cltrace"));
        Files.writeString(dir.resolve("traced.yaml"), TRACED);
        Path grid = dir.resolve("grid.yaml");
        Files.writeString(grid, TRACED_GRID);
        return grid;
    }

    /** Two threads over 340 pages: a hot loop over 40 pages and a sweep over 300, 150,000 accesses. */
    static void writeTrace(Path file) {
        try (TraceWriter w = TraceWriter.create(file)) {
            long instr = 0;
            for (int i = 0; i < 150_000; i++) {
                boolean second = (i / 1000) % 3 == 2;
                long vpn = second ? 0x7000 + (i % 300) : 0x4000 + (i * 7 % 40);
                w.access(second ? 2 : 1, vpn, 1 + i % 5);
                instr += 1 + i % 5;
            }
            w.totals(instr + 7, 75_000, 37_500, 3);
            w.finish();
        }
    }

    /** A results.csv's header, then its data lines sorted by point. */
    static List<String> sortedByPoint(Path csv) throws IOException {
        List<String> lines = Files.readAllLines(csv);
        List<String> out = new ArrayList<>(List.of(lines.get(0)));
        lines.subList(1, lines.size()).stream().sorted((a, b) -> Integer.compare(point(a), point(b))).forEach(out::add);
        return out;
    }

    static int point(String line) {
        return Integer.parseInt(line.substring(0, line.indexOf(',')));
    }
}
