package dev.copyless.cli;

import static dev.copyless.cli.CliTest.assertUserError;
import static dev.copyless.cli.CliTest.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.copyless.balancer.BalancingPolicy;
import dev.copyless.metrics.Counter;
import dev.copyless.metrics.RunResult;
import dev.copyless.scenario.Scenario;
import dev.copyless.scenario.ScenarioParser;
import dev.copyless.scenario.TraceScenario;
import dev.copyless.sim.Simulation;
import dev.copyless.trace.TraceInfo;
import dev.copyless.trace.TraceReader;
import dev.copyless.trace.TraceWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code copyless trace record / info} and {@code run|compare --trace}: a real program
 * recorded under Valgrind and replayed under compare (skipped only where valgrind is not
 * installed), a multithreaded program split by thread (needs gcc too), and the one-line
 * errors for every user mistake, with nothing left behind.
 */
class TraceCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    static boolean onPath(String name) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
            Path p = Path.of(d.isEmpty() ? "." : d).resolve(name);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return true;
            }
        }
        return false;
    }

    static void assumeValgrind() {
        assumeTrue(onPath("valgrind"), "valgrind is not installed (apt-get install valgrind): the real-program trace"
                + " test needs it");
    }

    List<String> files() throws IOException {
        try (var s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void recordsARealProgramUnderValgrindAndReplaysItUnderCompare() throws IOException {
        assumeValgrind();
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            lines.add("line " + i * 7919 % 1000 + " of the input to sort");
        }
        Collections.shuffle(lines, new Random(1));
        Path input = dir.resolve("input.txt");
        Files.write(input, lines);
        Path trace = dir.resolve("sort.cltrace");

        CliTest.Result rec = run("trace", "record", "--progress", "-o", trace.toString(), "--", "sort", "-o", "/dev/null",
                input.toString());
        assertThat(rec.code()).as(rec.err()).isZero();
        assertThat(rec.out()).contains("recorded sort -o /dev/null").contains("threads       1");
        assertThat(rec.err()).as("progress, asked for on a stderr that is not a terminal")
                .containsPattern("recording: [\\d,]+ page accesses, [\\d,]+ pages so far");
        assertThat(files()).containsExactly("input.txt", "sort.cltrace");

        TraceInfo t = TraceReader.read(trace, null);
        assertThat(t.accesses()).isGreaterThan(50_000);
        assertThat(t.loads()).isPositive();
        assertThat(t.stores()).isPositive();
        assertThat(t.instructions()).isGreaterThan(t.accesses());
        assertThat(t.pages()).isBetween(20, 10_000);
        assertThat(t.threads()).hasSize(1);

        CliTest.Result info = run("trace", "info", trace.toString());
        assertThat(info.code()).as(info.err()).isZero();
        assertThat(info.out()).contains(String.format(java.util.Locale.ROOT, "accesses      %,d page accesses", t.accesses()))
                .contains(String.format(java.util.Locale.ROOT, "pages         %,d distinct", t.pages()))
                .contains(String.format(java.util.Locale.ROOT, "instructions  %,d", t.instructions()))
                .contains("threads       1").contains("footprint");

        CliTest.Result cmp = run("compare", "--trace", trace.toString(), "--duration", "600ms", "--format", "json");
        assertThat(cmp.code()).as(cmp.err()).isZero();
        JsonNode pol = JSON.readTree(cmp.out()).get("policies");
        // stock scanning starts after 1 s: the balancing itself is checked on the busy default (50 ms scans), sized to the trace
        Scenario busy = TraceScenario.apply(ScenarioParser.busyDefault(600_000_000L), trace, TraceScenario.ROUND_ROBIN, 1.0,
                true, "the busy default scenario");
        RunResult naive = new Simulation(busy, BalancingPolicy.of("naive", busy.copyless())).run();
        RunResult copyless = new Simulation(busy, BalancingPolicy.of("copyless", busy.copyless())).run();
        assertThat(copyless.counter(Counter.BALANCED_MOVED_PAGES)).isPositive();
        assertThat(naive.counter(Counter.BALANCED_MOVED_PAGES)).isPositive();
        assertThat(copyless.counter(Counter.MOVED_PAGE_DATA_MOVEMENTS))
                .isLessThanOrEqualTo(copyless.counter(Counter.BALANCED_MOVED_PAGES));
        assertThat(naive.counter(Counter.MOVED_PAGE_DATA_MOVEMENTS))
                .isGreaterThanOrEqualTo(2 * naive.counter(Counter.BALANCED_MOVED_PAGES_SWAP)
                        + naive.counter(Counter.BALANCED_MOVED_PAGES_SWAPCACHE)); // 2 per page read from the device, 1 from the swap cache
        assertThat(pol.get("none").get("pswpout").asLong()).as("the host is under pressure").isPositive();
    }

    @Test
    void aCommandThatFailsUnderValgrindLeavesNoTrace() throws IOException {
        assumeValgrind();
        Path trace = dir.resolve("fail.cltrace");
        CliTest.Result r = run("trace", "record", "-o", trace.toString(), "--", "sort", dir.resolve("missing").toString());
        assertUserError(r, "sort exited with status 2 under valgrind; no trace written");
        assertThat(files()).isEmpty();
    }

    @Test
    void aMultithreadedProgramIsSplitIntoItsThreads() throws IOException, InterruptedException {
        assumeValgrind();
        assumeTrue(onPath("gcc"), "gcc is not installed: the multithreaded trace test compiles a small C program");
        Path src = dir.resolve("mt.c");
        Files.writeString(src, """
                #include <pthread.h>
                #include <stdlib.h>
                static char *bufs[3];
                static pthread_barrier_t all_started; /* all three alive at once: valgrind reuses an exited thread's id */
                static void *work(void *arg) {
                  pthread_barrier_wait(&all_started);
                  char *b = bufs[(long) arg];
                  for (int r = 0; r < 5; r++) for (int i = 0; i < 32 * 4096; i += 4096) b[i] += r;
                  return NULL;
                }
                int main(void) {
                  pthread_t t[3];
                  pthread_barrier_init(&all_started, NULL, 3);
                  for (long i = 0; i < 3; i++) bufs[i] = malloc(33 * 4096);
                  for (long i = 1; i < 3; i++) pthread_create(&t[i], NULL, work, (void *) i);
                  work((void *) 0);
                  for (long i = 1; i < 3; i++) pthread_join(t[i], NULL);
                  return 0;
                }
                """);
        Path exe = dir.resolve("mt");
        Process cc = new ProcessBuilder("gcc", "-O1", "-pthread", "-o", exe.toString(), src.toString())
                .redirectErrorStream(true).start();
        String ccOut = new String(cc.getInputStream().readAllBytes());
        assertThat(cc.waitFor()).as(ccOut).isZero();
        Path trace = dir.resolve("mt.cltrace");
        CliTest.Result r = run("trace", "record", "-o", trace.toString(), "--", exe.toString());
        assertThat(r.code()).as(r.err()).isZero();
        TraceInfo t = TraceReader.read(trace, null);
        assertThat(t.threads()).hasSize(3);
        assertThat(t.threads()).extracting(TraceInfo.Thread::sourceTid).containsExactlyInAnyOrder(1L, 2L, 3L);
        // each worker thread touches its own 32 buffer pages (plus its stack and a few shared ones)
        assertThat(t.threads()).filteredOn(th -> th.sourceTid() != 1)
                .allSatisfy(th -> assertThat(th.pages()).isBetween(32L, 200L));
        CliTest.Result cmp = run("run", "--trace", trace.toString(), "--trace-layout", "0,1,1", "--duration", "50ms",
                "--format", "json");
        assertThat(cmp.code()).as(cmp.err()).isZero();
    }

    /** A synthetic two-thread trace (no valgrind needed). */
    Path synthetic() {
        Path f = dir.resolve("syn.cltrace");
        try (TraceWriter w = TraceWriter.create(f)) {
            for (int i = 0; i < 40_000; i++) {
                int tid = (i / 500) % 2 == 0 ? 1 : 2;
                w.access(tid, tid == 1 ? 0x400 + i % 60 : 0x900 + (i * 13) % 200, 1 + i % 4);
            }
            w.finish();
        }
        return f;
    }

    @Test
    void runAndCompareReplayATraceOnTheChosenLayout() throws IOException {
        Path f = synthetic();
        CliTest.Result r = run("run", "--trace", f.toString(), "--trace-layout", "1,0", "--trace-time-scale", "2",
                "--duration", "100ms", "--format", "json");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode root = JSON.readTree(r.out());
        assertThat(root.get("scenario").get("name").asText()).isEqualTo("default+syn.cltrace");
        assertThat(root.get("policies").get("copyless").get("guest_accesses").asLong()).isPositive();
        CliTest.Result table = run("compare", "--trace", f.toString(), "--duration", "100ms");
        assertThat(table.code()).as(table.err()).isZero();
        assertThat(table.out()).contains("default+syn.cltrace").contains("copyless/naive");
        CliTest.Result info = run("trace", "info", f.toString());
        assertThat(info.code()).isZero();
        assertThat(info.out()).contains("threads       2").contains("accesses      40,000 page accesses");
    }

    @Test
    void userMistakesAreOneLineErrors() throws IOException {
        Path f = synthetic();
        Path out = dir.resolve("x.cltrace");
        assertUserError(run("trace", "record", "-o", out.toString(), "--valgrind", "/nonexistent/valgrind", "--", "true"),
                "--valgrind: /nonexistent/valgrind is not an executable file");
        assertUserError(run("trace", "record", "-o", out.toString(), "--valgrind", "/bin/true", "--",
                "no-such-command-copyless"), "no-such-command-copyless: command not found");
        assertUserError(run("trace", "record", "-o", dir.resolve("nodir/x.cltrace").toString(), "--valgrind",
                "/bin/true", "--", "true"), "cannot write the trace", "does not exist");
        assertUserError(run("trace", "record", "-o", out.toString()), "CMD");
        Path junk = dir.resolve("junk.cltrace");
        Files.writeString(junk, "hello, this is not a trace at all, it is just some text of some length".repeat(3));
        assertUserError(run("trace", "info", junk.toString()), "byte 0: not a copyless trace");
        assertUserError(run("trace", "info", dir.resolve("missing.cltrace").toString()), "no such file");
        assertUserError(run("compare", "--trace", dir.resolve("missing.cltrace").toString()), "no such file");
        assertUserError(run("compare", "--trace-layout", "0,1"), "--trace-layout: only with --trace FILE");
        assertUserError(run("run", "--trace", f.toString(), "--trace-layout", "0,1,1"), "--trace-layout: expected");
        assertUserError(run("run", "--trace", f.toString(), "--trace-time-scale", "-1"), "--trace-time-scale");
        assertThat(files()).containsExactly("junk.cltrace", "syn.cltrace");
    }
}
