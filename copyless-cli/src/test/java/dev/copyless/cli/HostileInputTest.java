package dev.copyless.cli;

import dev.copyless.sweep.SweepParameters;
import static dev.copyless.cli.CliTest.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.copyless.cli.CliTest.Result;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The cases of issue 14 at the command line, as an attacker or a careless user would try them:
 * each is refused in one line with the one prefix {@code copyless: error: } and exit code 2,
 * within seconds (every test has a timeout), and leaves nothing behind. Output is written whole
 * or not at all, even on a full disk (a {@code ulimit -f} child process: writes past the limit
 * fail with EFBIG, as on a full disk, without touching the machine); an interrupted sweep says
 * how to resume; progress goes to stderr, on a terminal or with {@code --progress}.
 */
class HostileInputTest {
    private static final String PREFIX = "copyless: error: ";

    @TempDir
    Path dir;

    /** One line on stderr (a bad flag adds picocli's "Try ... --help" line), the prefix, exit code 2, no stdout. */
    static void refused(Result r, String... mustMention) {
        CliTest.assertUserError(r, mustMention);
        List<String> lines = r.err().lines().filter(l -> !l.startsWith("Try '")).toList();
        assertThat(lines).as("stderr: %s", r.err()).hasSize(1);
        assertThat(lines.getFirst()).startsWith(PREFIX);
    }

    private Path fifo(String name) throws Exception {
        Path f = dir.resolve(name);
        assumeTrue(new ProcessBuilder("mkfifo", f.toString()).start().waitFor() == 0, "mkfifo is available");
        return f;
    }

    private List<Path> contents(Path d) throws IOException {
        try (Stream<Path> s = Files.walk(d)) {
            return s.filter(p -> !p.equals(d)).toList();
        }
    }

    // ------------------------------------------------------------------ bounded reads

    @Test
    @Timeout(30)
    void devZeroAndFifosAreRefusedAtOnceWherevertheyAreNamed() throws Exception {
        refused(run("scenario", "--check", "/dev/zero"), "/dev/zero: not a regular file (a character device)");
        Path fifo = fifo("in.yaml");
        refused(run("scenario", "--check", fifo.toString()), "not a regular file (a FIFO)");
        refused(run("run", "--scenario", fifo.toString()), "not a regular file (a FIFO)");
        refused(run("sweep", "--grid", fifo.toString(), "--out", dir.resolve("s").toString()), "(a FIFO)");
        refused(run("trace", "info", fifo.toString()), "(a FIFO)");
        refused(run("compare", "--trace", fifo.toString()), "(a FIFO)");
        assertThat(dir.resolve("s")).doesNotExist();
    }

    @Test
    @Timeout(30)
    void aHugeScenarioIsRefusedBySizeBeforeItIsParsed() throws IOException {
        Path big = dir.resolve("big.yaml");
        try (var w = Files.newBufferedWriter(big)) { // one 5 MiB comment line
            w.write("# ");
            char[] x = new char[1 << 20];
            java.util.Arrays.fill(x, 'x');
            for (int i = 0; i < 5; i++) {
                w.write(x);
            }
            w.write("\nname: big\n");
        }
        refused(run("scenario", "--check", big.toString()), big + ": 5.0 MiB; a scenario file may have at most 1.0 MiB");
    }

    @Test
    void aPathThroughAFileSaysWhy() throws IOException {
        Path f = Files.writeString(dir.resolve("f"), "x");
        Result r = run("scenario", "--check", f.resolve("s.yaml").toString());
        refused(r, f.resolve("s.yaml") + ": ");
        assertThat(r.err()).doesNotContain("(" + f.resolve("s.yaml") + ")");
    }

    @Test
    void duplicateKeysATabAndAnAliasInAScenarioAreOneLine() throws IOException {
        String base = run("scenario", "--print-default").out();
        Path dup = Files.writeString(dir.resolve("dup.yaml"), base + "seed: 9\n");
        refused(run("scenario", "--check", dup.toString()), "key 'seed' given twice in one mapping");
        Path tab = Files.writeString(dir.resolve("tab.yaml"), "host:\n\tnodes: []\n");
        refused(run("scenario", "--check", tab.toString()), "tab.yaml: not valid YAML at line 2, column 1");
        Path alias = Files.writeString(dir.resolve("alias.yaml"), "name: &n x\nvms: *n\n");
        refused(run("scenario", "--check", alias.toString()), "YAML alias '*n'");
    }

    @Test
    void aSlitDistancePast32BitsIsRefused() throws IOException {
        Path f = Files.writeString(dir.resolve("slit.yaml"), run("scenario", "--print-default").out()
                .replace("distance: [[10, 21], [21, 10]]", "distance: [[10, 4294967317], [21, 10]]"));
        refused(run("scenario", "--check", f.toString()), "host.distance[0][1]");
    }

    // ------------------------------------------------------------------ estimates before a run

    private Path scenarioWith(String name, String from, String to) throws IOException {
        String text = run("scenario", "--print-default").out();
        assertThat(text).contains(from);
        return Files.writeString(dir.resolve(name), text.replace(from, to));
    }

    /**
     * Two VMs of 2 x 1,000 GiB (4,000 GiB of guests, under the 4 TiB a host may hold): their page
     * state needs about 10.8 GiB of heap; refused by --check and by run, at once.
     */
    @Test
    @Timeout(30)
    void aRunThatCannotFitTheHeapIsRefusedBeforeItStarts() throws IOException {
        assumeTrue(Runtime.getRuntime().maxMemory() < 10L << 30, "this JVM's heap is smaller than the run needs");
        String text = run("scenario", "--print-default").out().replace("96MiB, host-node", "1000GiB, host-node");
        int a = text.indexOf("  - name: vm0");
        int b = text.indexOf("\nscheduler:");
        assertThat(a).isPositive();
        assertThat(b).isGreaterThan(a);
        String vm = text.substring(a, b);
        Path big = Files.writeString(dir.resolve("big.yaml"),
                text.substring(0, b) + "\n" + vm.replace("name: vm0", "name: vm1") + text.substring(b));
        for (String cmd : List.of("check", "run", "compare")) {
            Path report = dir.resolve("report-" + cmd);
            Result r = cmd.equals("check") ? run("scenario", "--check", big.toString())
                    : run(cmd, "--scenario", big.toString(), "--report", report.toString());
            refused(r, big + ": a run needs about 10.8 GiB", "of Java heap (1,048,576,000 guest pages",
                    "JAVA_TOOL_OPTIONS=-Xmx");
            assertThat(report).doesNotExist();
        }
    }

    @Test
    @Timeout(30)
    void realBytesBeyondFreeMemoryAndSizesPastTheLimitsAreRefused() throws IOException {
        Path rb = scenarioWith("rb.yaml", "{id: 0, memory: 40MiB}", "{id: 0, memory: 1TiB}");
        refused(run("run", "--scenario", rb.toString(), "--real-bytes"), "in real-bytes mode a run holds its host frames"
                + " in memory: 1.0 TiB");
        Path huge = scenarioWith("huge.yaml", "{id: 0, memory: 96MiB, host-node: 0, vcpus: 2}",
                "{id: 0, memory: 99999999999999999999TiB, host-node: 0, vcpus: 2}");
        refused(run("scenario", "--check", huge.toString()), "vms[0].vnodes[0].memory: expected a size at most 2048GiB");
        refused(run("run", "--duration", "400d"), "--duration");
        refused(run("run", "--duration", "99999999999999999999s"), "--duration: expected a positive duration of at most");
    }

    /** A run that would take days says so within seconds, with the estimate, on stderr. */
    @Test
    @Timeout(120)
    void anUnreasonablyLongRunIsAnnouncedWithItsEstimate() throws Exception {
        Process p = new ProcessBuilder(java("run", "--duration", "1000000s")).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        try {
            String note = firstLineStartingWith(p, "note: this will take about", 90);
            assertThat(note).as("the note").isNotNull().contains("1000000.00 s of virtual time")
                    .contains("Ctrl-C to stop, or give a shorter --duration");
        } finally {
            p.destroyForcibly();
            p.waitFor(30, TimeUnit.SECONDS);
        }
    }

    /** A sweep of 30,000 points of 2 s of virtual time each says within seconds how long it will take. */
    @Test
    @Timeout(120)
    void anUnreasonablyLongSweepIsAnnouncedWithItsEstimate() throws Exception {
        StringBuilder seeds = new StringBuilder();
        for (int i = 1; i <= 1000; i++) {
            seeds.append(i == 1 ? "" : ", ").append(i);
        }
        Path g = grid("policies: [copyless]\nseeds: [" + seeds + "]\nparameters:\n  duration: [2s]\n"
                + "  swap-device: [nvme, zram, ssd]\n  hot-fraction: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]\n");
        Path out = dir.resolve("long");
        Process p = new ProcessBuilder(java("sweep", "--grid", g.toString(), "--out", out.toString()))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start(); // 30,000 rows nobody reads must not block it
        try {
            String note = firstLineStartingWith(p, "note: this sweep will take about", 90);
            assertThat(note).as("the note").isNotNull().contains("runs left at").contains("--resume finishes it later");
        } finally {
            p.destroyForcibly();
            p.waitFor(30, TimeUnit.SECONDS);
        }
    }

    // ------------------------------------------------------------------ sweep grids

    private Path grid(String text) throws IOException {
        return Files.writeString(dir.resolve("g" + text.hashCode() + ".yaml"), text);
    }

    @Test
    @Timeout(30)
    void hostileGridsAreRefusedBeforeAnythingIsWritten() throws IOException {
        StringBuilder huge = new StringBuilder("parameters:\n");
        for (String name : SweepParameters.NAMES.subList(0, 8)) {
            List<String> v = new ArrayList<>();
            for (int i = 0; i < 256; i++) {
                v.add("v" + i);
            }
            huge.append("  ").append(name).append(": [").append(String.join(", ", v)).append("]\n");
        }
        Path out = dir.resolve("out");
        refused(run("sweep", "--grid", grid(huge.toString()).toString(), "--out", out.toString()),
                "18,446,744,073,709,551,616 points");
        refused(run("sweep", "--grid", grid("seeds: []\nparameters:\n  vms: [1]\n").toString(), "--out", out.toString()),
                "seeds: expected a non-empty list");
        refused(run("sweep", "--grid", grid("policies: []\nparameters:\n  vms: [1]\n").toString(), "--out",
                out.toString()), "policies: expected a non-empty list");
        refused(run("sweep", "--grid", grid("parameters:\n  vms: [1.5]\n").toString(), "--out", out.toString()),
                "expected a whole number");
        refused(run("sweep", "--grid", grid("seeds: [1]\nseeds: [2]\nparameters:\n  vms: [1]\n").toString(), "--out",
                out.toString()), "key 'seeds' given twice in one mapping");
        assertThat(out).doesNotExist();
    }

    @Test
    void aNonEmptyOutThatHoldsNoSweepIsRefusedAndUntouched() throws IOException {
        Path out = Files.createDirectories(dir.resolve("photos"));
        Files.writeString(out.resolve("holiday.jpg"), "jpeg");
        refused(run("sweep", "--grid", grid(SweepCommandTestGrid.TEXT).toString(), "--out", out.toString()),
                "not empty and holds no sweep");
        assertThat(contents(out)).containsExactly(out.resolve("holiday.jpg"));
    }

    // ------------------------------------------------------------------ one voice

    @Test
    void oneVoiceUsageAndVersion() {
        Result none = run();
        assertThat(none.code()).isEqualTo(2);
        assertThat(none.out()).isEmpty();
        assertThat(none.err()).startsWith("Usage: copyless");
        Result trace = run("trace");
        assertThat(trace.code()).isEqualTo(2);
        assertThat(trace.err()).startsWith("Usage: copyless trace");
        for (String[] args : List.of(new String[] {"-V"}, new String[] {"--version"}, new String[] {"run", "-V"},
                new String[] {"sweep", "--version"}, new String[] {"trace", "record", "-V"})) {
            Result v = run(args);
            assertThat(v.code()).isZero();
            assertThat(v.out()).as(String.join(" ", args)).matches("copyless \\d+\\.\\d+\\.\\d+(-SNAPSHOT)? \\(Java .*\\)\\R");
        }
        refused(run("run", "--seed", "x"), "invalid value for option '--seed'");
        refused(run("sweep"), "missing required option");
        refused(run("run", "--bogus"), "unknown option");
        refused(run("run", "--duration", "0s"), "--duration");
    }

    /**
     * Help text is wrapped once, by picocli: every description element of every command and
     * option is one paragraph (it ends a sentence), never a line cut by hand that picocli would
     * wrap again.
     */
    @Test
    void helpTextIsWrappedOnlyByPicocli() {
        List<String> cut = new ArrayList<>();
        check(new CommandLine(new CopylessCommand()), cut);
        assertThat(cut).as("description lines that end mid-sentence").isEmpty();
    }

    private static void check(CommandLine cl, List<String> cut) {
        var spec = cl.getCommandSpec();
        for (String d : spec.usageMessage().description()) {
            paragraph(spec.qualifiedName(), d, cut);
        }
        for (var o : spec.options()) {
            for (String d : o.description()) {
                paragraph(spec.qualifiedName() + " " + o.longestName(), d, cut);
            }
        }
        cl.getSubcommands().values().forEach(sub -> check(sub, cut));
    }

    private static void paragraph(String where, String d, List<String> cut) {
        String t = d.strip().replaceAll("%n$", "");
        if (!(t.endsWith(".") || t.endsWith(")") || t.endsWith(":") || t.contains("Example:") || t.endsWith("txt"))) {
            cut.add(where + ": " + t);
        }
    }

    // ------------------------------------------------------------------ nothing partial

    /** The java command that runs the CLI in a child JVM with this test's class path. */
    private static List<String> java(String... args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:-UsePerfData", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                "--enable-native-access=ALL-UNNAMED", CopylessCommand.class.getName()));
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** Runs the CLI in a child JVM whose files may not grow past {@code kib} KiB (bash's {@code ulimit -f}). */
    private Result withFileLimit(int kib, String... args) throws Exception {
        StringBuilder sh = new StringBuilder("ulimit -f " + kib + "; exec");
        for (String a : java(args)) {
            sh.append(" '").append(a.replace("'", "'\\''")).append('\'');
        }
        Process p = new ProcessBuilder("bash", "-c", sh.toString()).redirectErrorStream(false).start();
        byte[] out = p.getInputStream().readAllBytes();
        byte[] err = p.getErrorStream().readAllBytes();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
    }

    @Test
    @Timeout(180)
    void aReportOnAFullDiskLeavesNoPartialFileAndOlderFilesWhole() throws Exception {
        Path report = Files.createDirectories(dir.resolve("report"));
        Files.writeString(report.resolve("results.json"), "OLD");
        Result r = withFileLimit(16, "compare", "--duration", "200ms", "--report", report.toString());
        assertThat(r.code()).as(r.err()).isEqualTo(2);
        assertThat(r.err().strip()).startsWith(PREFIX + "cannot write the report to ").contains("File too large")
                .doesNotContain("\n");
        assertThat(contents(report)).containsExactly(report.resolve("results.json"));
        assertThat(Files.readString(report.resolve("results.json"))).isEqualTo("OLD");

        Path fresh = dir.resolve("fresh");
        Result r2 = withFileLimit(16, "compare", "--duration", "200ms", "--report", fresh.toString());
        assertThat(r2.code()).as(r2.err()).isEqualTo(2);
        assertThat(fresh).as("the directory the failed run created").doesNotExist();
    }

    @Test
    @Timeout(240)
    void aSweepThatFailsBeforeAPointLeavesNothingAndOneThatFailsLaterIsMarkedAndResumes() throws Exception {
        Path g = grid(SweepCommandTestGrid.TEXT);
        Path out = dir.resolve("sweep");
        Result none = withFileLimit(4, "sweep", "--grid", g.toString(), "--out", out.toString(), "--threads", "1");
        assertThat(none.code()).as(none.err()).isEqualTo(2);
        assertThat(none.err()).contains(PREFIX).contains("File too large").contains("nothing was kept");
        assertThat(out).as("no point finished: nothing left behind").doesNotExist();

        Result some = withFileLimit(5, "sweep", "--grid", g.toString(), "--out", out.toString(), "--threads", "1");
        assertThat(some.code()).as(some.err()).isEqualTo(2);
        String line = some.err().lines().filter(l -> l.startsWith(PREFIX)).findFirst().orElseThrow();
        assertThat(line).contains("points are kept in " + out).contains("resume with: copyless sweep --grid " + g
                + " --out " + out + " --resume");
        assertThat(out.resolve(SweepCommand.INCOMPLETE)).exists();
        assertThat(out.resolve("results.json")).doesNotExist();
        refused(run("sweep", "--grid", g.toString(), "--out", out.toString()), "did not finish", "--resume");

        Result resumed = run("sweep", "--grid", g.toString(), "--out", out.toString(), "--resume");
        assertThat(resumed.code()).as(resumed.err()).isZero();
        assertThat(out.resolve(SweepCommand.INCOMPLETE)).doesNotExist();
        assertThat(Files.readAllLines(out.resolve("results.csv"))).hasSize(1 + 4);
        assertThat(out.resolve("results.json")).exists();
    }

    @Test
    @Timeout(240)
    void ctrlCOnASweepSaysHowToResume() throws Exception {
        Path g = grid(SweepCommandTestGrid.SLOW);
        Path out = dir.resolve("interrupted");
        Process p = new ProcessBuilder(java("sweep", "--grid", g.toString(), "--out", out.toString(), "--threads", "1"))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        Path csv = out.resolve("results.csv");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (!(Files.exists(csv) && Files.readAllLines(csv).size() >= 2) && System.nanoTime() < deadline) {
            Thread.sleep(100); // until one point is done
        }
        assertThat(p.isAlive()).as("the sweep is still running").isTrue();
        new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start().waitFor();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(err).contains("sweep: interrupted: ").contains("resume with: copyless sweep --grid " + g + " --out "
                + out + " --resume");
        assertThat(out.resolve(SweepCommand.INCOMPLETE)).exists();
    }

    // ------------------------------------------------------------------ progress

    @Test
    @Timeout(120)
    void progressGoesToStderrOnlyWhenAskedOffATerminal() throws IOException {
        Result quiet = run("compare", "--duration", "300ms");
        assertThat(quiet.code()).isZero();
        assertThat(quiet.err()).doesNotContain("simulating");
        Result loud = run("compare", "--duration", "300ms", "--progress", "--format", "json");
        assertThat(loud.code()).isZero();
        assertThat(loud.err()).contains("simulating 4 run(s): ").contains(" of 0.30 s virtual");
        assertThat(loud.out()).startsWith("{").doesNotContain("simulating");

        Path out = dir.resolve("p");
        Result sweep = run("sweep", "--grid", grid(SweepCommandTestGrid.TEXT).toString(), "--out", out.toString(),
                "--progress");
        assertThat(sweep.code()).as(sweep.err()).isZero();
        assertThat(sweep.err()).containsPattern("sweep: \\d of 4 runs");
        assertThat(sweep.out().lines().toList()).as("CSV rows on stdout, which is not a terminal").hasSize(5);
    }

    /**
     * The first line of {@code p}'s stderr that starts with {@code prefix}, or null if none came
     * within {@code seconds} (read on another thread, so a child that never says it cannot block
     * the test).
     */
    private static String firstLineStartingWith(Process p, String prefix, int seconds) throws InterruptedException {
        java.util.concurrent.CompletableFuture<String> found = new java.util.concurrent.CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (var err = new java.io.BufferedReader(new java.io.InputStreamReader(p.getErrorStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = err.readLine()) != null) {
                    if (line.startsWith(prefix)) {
                        found.complete(line);
                        return;
                    }
                }
            } catch (IOException e) {
                // the process was killed
            }
            found.complete(null);
        });
        reader.setDaemon(true);
        reader.start();
        try {
            return found.get(seconds, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            return null;
        }
    }

    /** The small grids these tests sweep. */
    static final class SweepCommandTestGrid {
        static final String TEXT = """
                base: default
                policies: [naive, copyless]
                seeds: [7]
                parameters:
                  duration: [300ms]
                  memory-pressure: [1.1, 1.3]
                  swap-device: [nvme, zram]
                """;
        /** Points of a few seconds each, so that a sweep is still running when it is interrupted. */
        static final String SLOW = """
                base: default
                policies: [naive, copyless]
                seeds: [7, 8, 9, 10]
                parameters:
                  duration: [3s]
                  swap-device: [nvme, zram]
                """;
    }
}
