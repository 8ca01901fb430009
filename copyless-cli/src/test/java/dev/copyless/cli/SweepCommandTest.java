package dev.copyless.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.copyless.scenario.ScenarioException;
import dev.copyless.sweep.SweepGrid;
import dev.copyless.sweep.SweepPoint;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code copyless sweep}: the grid, streamed rows, resume without redoing points, and bad grids. */
class SweepCommandTest {
    private static final String GRID = """
            base: default
            policies: [naive, copyless]
            seeds: [7]
            parameters:
              duration: [300ms]
              memory-pressure: [1.1, 1.3]
              swap-device: [nvme, zram]
            """;

    @Test
    void gridPointsAreTheCartesianProductInAFixedOrder() {
        SweepGrid g = SweepGrid.parse(GRID, "g.yaml", null);
        List<SweepPoint> pts = g.points();
        assertThat(g.size()).isEqualTo(4);
        assertThat(pts).extracting(SweepPoint::key).containsExactly(
                "duration=300ms;memory-pressure=1.1;swap-device=nvme;seed=7",
                "duration=300ms;memory-pressure=1.1;swap-device=zram;seed=7",
                "duration=300ms;memory-pressure=1.3;swap-device=nvme;seed=7",
                "duration=300ms;memory-pressure=1.3;swap-device=zram;seed=7");
        // pure: the same point gives the same scenario and the same results
        assertThat(pts.get(3).scenario(g.base())).isEqualTo(pts.get(3).scenario(g.base()));
        assertThat(pts.get(3).scenario(g.base()).host().swap().get(0).profile()).isEqualTo("zram");
        long host13 = pts.get(3).scenario(g.base()).host().nodes().stream().mapToLong(n -> n.pages()).sum();
        long host11 = pts.get(0).scenario(g.base()).host().nodes().stream().mapToLong(n -> n.pages()).sum();
        assertThat(host13).isLessThan(host11);
        assertThat(pts.get(1).run(g.base()).get("copyless").metrics())
                .isEqualTo(pts.get(1).run(g.base()).get("copyless").metrics());
    }

    @Test
    void seedsAsACountAreTheBaseSeedAndTheOnesAfterIt() {
        SweepGrid g = SweepGrid.parse(GRID.replace("seeds: [7]", "seeds: 3"), "g.yaml", null);
        long base = g.base().seed();
        assertThat(g.seeds()).containsExactly(base, base + 1, base + 2);
        assertThat(g.size()).isEqualTo(12);
        // a list stays a list of seeds, and a one-item list is one seed, not a count
        assertThat(SweepGrid.parse(GRID.replace("seeds: [7]", "seeds: [3]"), "g.yaml", null).seeds()).containsExactly(3L);
        org.assertj.core.api.Assertions.assertThatThrownBy(
                () -> SweepGrid.parse(GRID.replace("seeds: [7]", "seeds: 0"), "g.yaml", null))
                .isInstanceOf(ScenarioException.class).hasMessageContaining("seeds: expected a count from 1 to 1000");
    }

    @Test
    void theRemovedHoldBackParameterNamesThePolicy() {
        org.assertj.core.api.Assertions.assertThatThrownBy(
                () -> SweepGrid.parse(GRID.replace("  duration: [300ms]", "  hold-back: [true, false]"), "g.yaml", null))
                .isInstanceOf(ScenarioException.class).hasMessageContaining("parameters.hold-back: removed")
                .hasMessageContaining("copyless-holdback");
    }

    @Test
    void sweepStreamsOneRowPerPointAndResumesWithoutRedoingPoints(@TempDir Path tmp) throws Exception {
        Path grid = tmp.resolve("g.yaml");
        Files.writeString(grid, GRID);
        Path full = tmp.resolve("full");
        CliTest.Result r = CliTest.run("sweep", "--grid", grid.toString(), "--out", full.toString());
        assertThat(r.code()).as(r.err()).isZero();
        List<String> out = r.out().lines().toList();
        assertThat(out).hasSize(5); // header + 4 points
        assertThat(out.get(0)).startsWith("point,seed,duration,memory-pressure,swap-device,naive.pswpin");
        List<String> csv = Files.readAllLines(full.resolve("results.csv"));
        assertThat(csv).hasSize(5);
        assertThat(full.resolve("results.json")).exists();

        // an interrupted sweep: two rows done and a torn third one
        Path part = tmp.resolve("part");
        Files.createDirectories(part);
        Files.writeString(part.resolve("grid.yaml"), GRID);
        List<String> sorted = csv.subList(1, csv.size()).stream().sorted().toList();
        Files.writeString(part.resolve("results.csv"), csv.get(0) + "\n" + sorted.get(0) + "\n" + sorted.get(1) + "\n"
                + sorted.get(2).substring(0, 20));
        CliTest.Result again = CliTest.run("sweep", "--grid", grid.toString(), "--out", part.toString(), "--resume");
        assertThat(again.code()).as(again.err()).isZero();
        // only the two missing points ran: header + 2 rows streamed... plus the header repeated for context
        assertThat(again.out().lines().filter(l -> !l.startsWith("point,")).count()).isEqualTo(2);
        List<String> resumed = Files.readAllLines(part.resolve("results.csv"));
        assertThat(resumed.subList(1, resumed.size()).stream().sorted().toList()).isEqualTo(sorted);
    }

    @Test
    void resumingAResultsCsvOfAnotherVersionSaysWhichColumnsTheNewRowsLeaveOut(@TempDir Path tmp) throws Exception {
        Path grid = tmp.resolve("g.yaml");
        Files.writeString(grid, GRID);
        Path full = tmp.resolve("full");
        assertThat(CliTest.run("sweep", "--grid", grid.toString(), "--out", full.toString()).code()).isZero();
        List<String> csv = Files.readAllLines(full.resolve("results.csv"));
        List<String> header = List.of(csv.get(0).split(","));
        int gone = header.indexOf("copyless.pswpout");
        assertThat(gone).isPositive();
        // results.csv of an older copyless: without the copyless.pswpout column, and with one this version never writes
        Path part = tmp.resolve("part");
        Files.createDirectories(part);
        Files.writeString(part.resolve("grid.yaml"), GRID);
        StringBuilder old = new StringBuilder();
        for (int i = 0; i < 3; i++) {
            List<String> cells = new ArrayList<>(List.of(csv.get(i).split(",", -1)));
            cells.remove(gone);
            cells.add(i == 0 ? "retired_gauge" : "7");
            old.append(String.join(",", cells)).append('\n');
        }
        Files.writeString(part.resolve("results.csv"), old);
        CliTest.Result again = CliTest.run("sweep", "--grid", grid.toString(), "--out", part.toString(), "--resume");
        assertThat(again.code()).as(again.err()).isZero();
        assertThat(again.err()).contains("written by another version of copyless")
                .contains("leave out 1 column its header lacks (copyless.pswpout)")
                .contains("leave 1 column empty that this version no longer writes (retired_gauge)")
                .contains("run the sweep again into a new --out");
        List<String> resumed = Files.readAllLines(part.resolve("results.csv"));
        assertThat(resumed).hasSize(5);
        for (String line : resumed) {
            assertThat(line.split(",", -1)).as(line).hasSize(header.size()); // the file's own shape is kept
        }
        assertThat(resumed.get(4)).endsWith(",");
    }

    @Test
    void existingSweepWithoutResumeOrAnotherGridIsRefused(@TempDir Path tmp) throws Exception {
        Path grid = tmp.resolve("g.yaml");
        Files.writeString(grid, GRID.replace("[1.1, 1.3]", "[1.1]").replace("[nvme, zram]", "[nvme]"));
        Path dir = tmp.resolve("out");
        assertThat(CliTest.run("sweep", "--grid", grid.toString(), "--out", dir.toString()).code()).isZero();
        CliTest.assertUserError(CliTest.run("sweep", "--grid", grid.toString(), "--out", dir.toString()), "--resume");
        Path other = tmp.resolve("h.yaml");
        Files.writeString(other, GRID);
        CliTest.assertUserError(CliTest.run("sweep", "--grid", other.toString(), "--out", dir.toString(), "--resume"),
                "another grid");
    }

    @Test
    void badGridsGiveOneLineErrors(@TempDir Path tmp) throws Exception {
        Path grid = tmp.resolve("g.yaml");
        Files.writeString(grid, GRID.replace("memory-pressure:", "memory-presure:"));
        CliTest.assertUserError(CliTest.run("sweep", "--grid", grid.toString(), "--out", tmp.resolve("o").toString()),
                "parameters.memory-presure", "memory-pressure");
        Files.writeString(grid, GRID.replace("[1.1, 1.3]", "[1.1, -2]"));
        CliTest.assertUserError(CliTest.run("sweep", "--grid", grid.toString(), "--out", tmp.resolve("o").toString()),
                "parameters.memory-pressure", "-2");
        Files.writeString(grid, GRID.replace("[nvme, zram]", "[floppy]"));
        CliTest.assertUserError(CliTest.run("sweep", "--grid", grid.toString(), "--out", tmp.resolve("o").toString()),
                "swap-device", "floppy");
        CliTest.assertUserError(CliTest.run("sweep", "--grid", tmp.resolve("none.yaml").toString()), "no such file");
        assertThat(tmp.resolve("o")).doesNotExist(); // refused before anything was written
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> SweepGrid.parse("parameters: {}\n", "x", null))
                .isInstanceOf(ScenarioException.class).hasMessageContaining("parameters");
    }

    @Test
    void anEngineThatIsNotThereOrFlagsOfTheOtherEngineAreRefusedBeforeAnythingIsWritten(@TempDir Path tmp)
            throws Exception {
        Path grid = tmp.resolve("g.yaml");
        Files.writeString(grid, GRID);
        Path o = tmp.resolve("o");
        // this module's test class path has no copyless-spark: the refusal says how to get it
        CliTest.assertUserError(CliTest.run("sweep", "--grid", grid.toString(), "--out", o.toString(),
                "--engine", "spark"), "--engine spark", "copyless-spark", "docs/SWEEP.md");
        CliTest.assertUserError(CliTest.run("sweep", "--grid", grid.toString(), "--out", o.toString(),
                "--engine", "hadoop"), "--engine", "local", "hadoop");
        CliTest.assertUserError(CliTest.run("sweep", "--grid", grid.toString(), "--out", o.toString(),
                "--engine", "spark", "--threads", "2"), "--threads", "local[4]");
        CliTest.assertUserError(CliTest.run("sweep", "--grid", grid.toString(), "--out", o.toString(),
                "--master", "local[2]"), "--master", "--engine spark");
        assertThat(o).doesNotExist();
    }

    @Test
    void seedsGiveEachPointAMeanAndAConfidenceIntervalInTheSummaryTheTableAndTheChart(@TempDir Path tmp)
            throws Exception {
        Path grid = tmp.resolve("g.yaml");
        Files.writeString(grid, """
                base: default
                policies: [naive, copyless]
                seeds: 3
                parameters:
                  duration: [300ms]
                  memory-pressure: [1.1, 1.3]
                """);
        Path o = tmp.resolve("o");
        CliTest.Result r = CliTest.run("sweep", "--grid", grid.toString(), "--out", o.toString());
        assertThat(r.code()).as(r.err()).isZero();
        List<String> rows = Files.readAllLines(o.resolve("results.csv"));
        assertThat(rows).hasSize(1 + 6); // one row per run: 2 points x 3 seeds
        List<String> summary = Files.readAllLines(o.resolve("summary.csv"));
        assertThat(summary).hasSize(1 + 2); // one line per point
        List<String> head = List.of(summary.get(0).split(","));
        assertThat(head.subList(0, 3)).containsExactly("duration", "memory-pressure", "runs");
        int mean = head.indexOf("naive.pswpin.mean");
        int lo = head.indexOf("naive.pswpin.ci95_lo");
        int hi = head.indexOf("naive.pswpin.ci95_hi");
        assertThat(head).contains("copyless/naive.moved_page_data_movements.mean");
        // the mean is the mean of the three runs' values, and the interval holds it with a width (seeds differ)
        String[] first = summary.get(1).split(",");
        assertThat(first[2]).isEqualTo("3");
        int col = List.of(rows.get(0).split(",")).indexOf("naive.pswpin");
        double sum = 0;
        for (String row : rows.subList(1, rows.size())) {
            String[] f = row.split(",");
            if (f[3].equals(first[1])) {
                sum += Double.parseDouble(f[col]);
            }
        }
        assertThat(Double.parseDouble(first[mean])).isCloseTo(sum / 3, org.assertj.core.data.Offset.offset(1e-6));
        assertThat(Double.parseDouble(first[lo])).isLessThan(Double.parseDouble(first[mean]));
        assertThat(Double.parseDouble(first[hi])).isGreaterThan(Double.parseDouble(first[mean]));
        // the table (on stderr, since stdout carries the rows here) gives each point's ratios with intervals
        assertThat(r.err()).contains("over 3 seeds: mean ± half-width of the 95% confidence interval");
        assertThat(r.err().lines().filter(l -> l.startsWith("300ms") && l.contains(" ± ")).count()).isEqualTo(2);
        assertThat(Files.readString(o.resolve("report.html"))).contains("error bars: the 95% confidence interval");
        assertThat(Files.readString(o.resolve("results.json"))).contains("\"summary\"", "\"ci95\"");
    }

    @Test
    void workloadAndTraceAreAxes(@TempDir Path tmp) throws Exception {
        SweepGrid g = SweepGrid.parse("""
                base: default
                policies: [naive, copyless]
                parameters:
                  memory-pressure: [1.3]
                  workload: [uniform, zipf]
                """, "g.yaml", tmp);
        List<SweepPoint> pts = g.points();
        assertThat(pts.get(0).scenario(g.base()).vms().get(0).tasks()).allMatch(t -> t.pattern().equals("uniform"));
        assertThat(pts.get(1).scenario(g.base()).vms().get(0).tasks()).allMatch(t -> t.pattern().equals("zipf"));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> SweepGrid.parse("""
                parameters:
                  workload: [uniform, trace]
                """, "g.yaml", tmp)).isInstanceOf(ScenarioException.class)
                .hasMessageContaining("parameters.workload").hasMessageContaining("hot-cold");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> SweepGrid.parse("""
                parameters:
                  trace: [missing.cltrace]
                """, "g.yaml", tmp)).isInstanceOf(ScenarioException.class)
                .hasMessageContaining("parameters.trace").hasMessageContaining("missing.cltrace");
    }
}
