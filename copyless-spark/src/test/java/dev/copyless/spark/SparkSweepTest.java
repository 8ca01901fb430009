package dev.copyless.spark;

import static org.assertj.core.api.Assertions.assertThat;

import static dev.copyless.spark.Sweeps.GRID;
import static dev.copyless.spark.Sweeps.sortedByPoint;
import static dev.copyless.spark.Sweeps.sweep;

import dev.copyless.spark.Sweeps.Result;
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
        assertThat(spark.out().lines().skip(1).sorted((a, b) -> Integer.compare(Sweeps.point(a), Sweeps.point(b))).toList())
                .isEqualTo(l.subList(1, l.size()));
        assertThat(spark.err()).contains("sweep: 4 runs (4 points x 1 seed; 0 done before), spark local[2], into")
                .contains("sweep: 4 of 4 runs");
    }

    @Test
    void sparkResumeRunsOnlyTheMissingPointsAfterATornLastLine(@TempDir Path tmp) throws Exception {
        Path grid = tmp.resolve("g.yaml");
        Files.writeString(grid, GRID);
        Result full = sweep("--grid", grid.toString(), "--out", tmp.resolve("full").toString());
        assertThat(full.code()).as(full.err()).isZero();
        List<String> sorted = sortedByPoint(tmp.resolve("full/results.csv"));

        // an interrupted sweep: points 0 and 2 done, point 3's row torn half-way
        Path part = tmp.resolve("part");
        Files.createDirectories(part);
        Files.writeString(part.resolve("grid.yaml"), GRID);
        Files.writeString(part.resolve("INCOMPLETE"), "not finished\n");
        Files.writeString(part.resolve("results.csv"), sorted.get(0) + "\n" + sorted.get(1) + "\n" + sorted.get(3) + "\n"
                + sorted.get(4).substring(0, 30));
        Result again = sweep("--grid", grid.toString(), "--out", part.toString(), "--resume", "--engine", "spark",
                "--master", "local[2]");
        assertThat(again.code()).as(again.err()).isZero();
        assertThat(again.err()).contains("4 runs (4 points x 1 seed; 2 done before), spark local[2]");
        List<String> ran = again.out().lines().filter(l -> !l.startsWith("point,")).toList();
        assertThat(ran).extracting(Sweeps::point).containsExactlyInAnyOrder(1, 3);
        assertThat(sortedByPoint(part.resolve("results.csv"))).isEqualTo(sorted);
        assertThat(part.resolve("INCOMPLETE")).doesNotExist();
        assertThat(part.resolve("results.json")).isNotEmptyFile();
    }

    /** A host node of 2 MiB, pinned by a vNode whose task touches 12 MiB, with 2 MiB of swap: passes every check, then runs out. */
    static final String OOM = """
            host:
              nodes: [{id: 0, memory: 2MiB}, {id: 1, memory: 64MiB}]
              swap: [{name: s, size: 2MiB}]
            vms:
              - name: vm0
                vnodes: [{id: 0, memory: 16MiB, host-node: 0}, {id: 1, memory: 16MiB, host-node: 1}]
                tasks:
                  - {name: a, vnode: 0, footprint: 12MiB}
            """;

    @Test
    void aPointThatFailsOnAnExecutorGivesTheLocalEnginesOneLineErrorAndExit2(@TempDir Path tmp) throws Exception {
        Files.writeString(tmp.resolve("oom.yaml"), OOM);
        Path grid = tmp.resolve("g.yaml");
        Files.writeString(grid, "base: oom.yaml\npolicies: [naive, copyless]\nseeds: [1]\nparameters:\n"
                + "  duration: [200ms]\n");
        Result local = sweep("--grid", grid.toString(), "--out", tmp.resolve("local").toString());
        Result spark = sweep("--grid", grid.toString(), "--out", tmp.resolve("spark").toString(), "--engine", "spark",
                "--master", "local[2]");
        for (Result r : List.of(local, spark)) {
            assertThat(r.code()).as(r.err()).isEqualTo(2);
            assertThat(r.out()).isEmpty();
            assertThat(r.err()).doesNotContain("Exception").doesNotContain("\tat ").doesNotContain("Spark");
        }
        String error = local.err().lines().filter(l -> l.startsWith("copyless: error: ")).findFirst().orElseThrow();
        assertThat(error).contains("sweep point 0 (duration=200ms;seed=1), policy naive: host node 0 is out of memory");
        assertThat(spark.err().lines().filter(l -> l.startsWith("copyless: error: ")).toList()).containsExactly(error);
        assertThat(spark.err().lines().count()).isEqualTo(2); // the sweep's first line, then the error
        assertThat(tmp.resolve("spark")).doesNotExist(); // no point finished: nothing kept
    }

    @Test
    void aGridWhoseBaseReplaysATraceGivesTheSameRowsOnSpark(@TempDir Path tmp) throws Exception {
        Path grid = Sweeps.tracedGrid(tmp);
        Result local = sweep("--grid", grid.toString(), "--out", tmp.resolve("local").toString());
        assertThat(local.code()).as(local.err()).isZero();
        Result spark = sweep("--grid", grid.toString(), "--out", tmp.resolve("spark").toString(), "--engine", "spark",
                "--master", "local[2]");
        assertThat(spark.code()).as(spark.err()).isZero();
        List<String> l = sortedByPoint(tmp.resolve("local/results.csv"));
        assertThat(l).hasSize(3);
        assertThat(sortedByPoint(tmp.resolve("spark/results.csv"))).isEqualTo(l);
        int accesses = List.of(l.get(0).split(",")).indexOf("naive.guest_accesses");
        assertThat(Long.parseLong(l.get(1).split(",")[accesses])).as("the trace was replayed").isPositive();
    }
}
