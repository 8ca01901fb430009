package dev.copyless.spark;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Spark sweep in a JVM of its own, started as {@code ./copyless} starts one (Spark's JVM flags
 * from {@code target/spark-jvm.args}): what the terminal shows is the sweep (its first line, the
 * progress line, the end), not Spark's logging, console progress bar or a JVM warning; the CSV
 * rows alone are on stdout.
 */
class SparkConsoleTest {
    @Test
    void theTerminalShowsTheSweepAndItsProgressNotSpark(@TempDir Path tmp) throws Exception {
        Path grid = tmp.resolve("g.yaml");
        Files.writeString(grid, Sweeps.GRID);
        Path out = tmp.resolve("out");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "@" + Path.of("target", "spark-jvm.args").toAbsolutePath(), "-cp", System.getProperty("java.class.path"),
                "dev.copyless.cli.CopylessCommand", "sweep", "--grid", grid.toString(), "--out", out.toString(),
                "--engine", "spark", "--master", "local[2]", "--progress"));
        Process p = new ProcessBuilder(cmd).redirectOutput(tmp.resolve("stdout").toFile())
                .redirectError(tmp.resolve("stderr").toFile()).start();
        try {
            assertThat(p.waitFor(3, TimeUnit.MINUTES)).as("the sweep finished").isTrue();
        } finally {
            p.destroyForcibly();
        }
        List<String> err = Files.readAllLines(tmp.resolve("stderr"));
        List<String> stdout = Files.readAllLines(tmp.resolve("stdout"));
        assertThat(p.exitValue()).as(String.join("\n", err)).isZero();
        assertThat(err.get(0)).startsWith("sweep: 4 runs (4 points x 1 seed; 0 done before), spark local[2], into ");
        assertThat(err).anyMatch(l -> l.contains("sweep: 4 of 4 runs"));
        // the sweep's lines, then (stdout carrying the rows) its table of the points: nothing of Spark's
        int table = err.indexOf(err.stream().filter(l -> l.startsWith("per point, over 1 seed")).findFirst().orElseThrow());
        assertThat(err.subList(0, table)).as("stderr holds the sweep's lines only").allMatch(l -> l.startsWith("sweep: ") || l.isBlank());
        assertThat(err.subList(table + 1, err.size() - 1)).hasSize(5).allMatch(l -> l.matches("(duration|300ms) .*"));
        assertThat(err.getLast()).startsWith("sweep: 4 runs (4 points x 1 seed) in ");
        assertThat(stdout).hasSize(5).allMatch(l -> l.matches("(point|\\d+),.*"));
        assertThat(Sweeps.sortedByPoint(out.resolve("results.csv")).subList(1, 5))
                .isEqualTo(stdout.subList(1, 5).stream().sorted((a, b) -> Integer.compare(Sweeps.point(a),
                        Sweeps.point(b))).toList());
    }
}
