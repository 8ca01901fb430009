package dev.copyless.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.copyless.scenario.ScenarioException;
import dev.copyless.sweep.SweepGrid;
import dev.copyless.sweep.SweepPoint;
import java.nio.file.Files;
import java.nio.file.Path;
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
}
