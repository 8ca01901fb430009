package dev.copyless.spark;

import static org.assertj.core.api.Assertions.assertThat;

import dev.copyless.cli.CopylessCommand;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code copyless sweep --engine spark --master local[2]} in this JVM against {@code --engine
 * local}: the same rows byte for byte, resume of an interrupted sweep, a failing point's one-line
 * error, and the progress line.
 */
class SparkSweepTest {
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

    record Result(int code, String out, String err) {}

    static Result sweep(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        List<String> a = new ArrayList<>(List.of("sweep"));
        a.addAll(List.of(args));
        int code = CopylessCommand.execute(a.toArray(String[]::new), new PrintWriter(out, true), new PrintWriter(err, true));
        return new Result(code, out.toString(), err.toString());
    }

    /** A results.csv's header, then its data lines sorted by point. */
    static List<String> sortedByPoint(Path csv) throws IOException {
        List<String> lines = Files.readAllLines(csv);
        List<String> out = new ArrayList<>(List.of(lines.get(0)));
        lines.subList(1, lines.size()).stream()
                .sorted((a, b) -> Integer.compare(point(a), point(b)))
                .forEach(out::add);
        return out;
    }

    private static int point(String line) {
        return Integer.parseInt(line.substring(0, line.indexOf(',')));
    }

    @Test
    void sparkRowsAreByteIdenticalToTheLocalEnginesAndTheReportIsWritten(@TempDir Path tmp) throws Exception {
        Path grid = tmp.resolve("g.yaml");
        Files.writeString(grid, GRID);
        Result local = sweep("--grid", grid.toString(), "--out", tmp.resolve("local").toString());
        assertThat(local.code()).as(local.err()).isZero();
        Result spark = sweep("--grid", grid.toString(), "--out", tmp.resolve("spark").toString(), "--engine", "spark",
                "--master", "local[2]", "--progress");
        assertThat(spark.code()).as(spark.err()).isZero();

        List<String> l = sortedByPoint(tmp.resolve("local/results.csv"));
        List<String> s = sortedByPoint(tmp.resolve("spark/results.csv"));
        assertThat(l).hasSize(5);
        assertThat(String.join("\n", s).getBytes()).isEqualTo(String.join("\n", l).getBytes());
        assertThat(l.get(0)).startsWith("point,seed,duration,memory-pressure,swap-device,naive.");
        for (String d : List.of("local", "spark")) {
            assertThat(tmp.resolve(d + "/results.json")).isNotEmptyFile();
            assertThat(tmp.resolve(d + "/report.html")).isNotEmptyFile();
            assertThat(tmp.resolve(d + "/" + "INCOMPLETE")).doesNotExist();
        }
        // rows streamed on stdout too (not a terminal here), in completion order
        assertThat(spark.out().lines().skip(1).sorted((a, b) -> Integer.compare(point(a), point(b))).toList())
                .isEqualTo(l.subList(1, l.size()));
        assertThat(spark.err()).contains("sweep: 4 points (0 done before), spark local[2], into")
                .contains("sweep: 4 of 4 points");
    }
}
