package dev.copyless.cli;

import dev.copyless.host.HostOutOfMemoryException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.copyless.metrics.Latency;
import dev.copyless.metrics.Metric;
import dev.copyless.metrics.MetricCatalogue;
import dev.copyless.metrics.RunResult;
import dev.copyless.metrics.Scalar;
import dev.copyless.metrics.SeedStatistics;
import dev.copyless.metrics.Statistic;
import dev.copyless.report.ReportWriter;
import dev.copyless.sim.MemoryEstimate;
import dev.copyless.scenario.CostProfile;
import dev.copyless.scenario.ScenarioException;
import dev.copyless.sweep.SweepGrid;
import dev.copyless.sweep.SweepEngine;
import dev.copyless.sweep.SweepPoint;
import dev.copyless.sweep.SweepRows;
import dev.copyless.sweep.SweepSummary;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import dev.copyless.report.ReportWriter;
import dev.copyless.sim.MemoryEstimate;
import dev.copyless.report.StagedFiles;
import dev.copyless.input.BoundedInput;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code copyless sweep}: runs every point of a parameter grid in parallel on all cores, streams
 * one CSV row per finished point (stdout and {@code DIR/results.csv}), resumes an interrupted
 * sweep without redoing finished points, and draws the savings against each swept parameter.
 * Each point is the pure function {@link SweepPoint#run} of (base scenario, point).
 */
@Command(name = "sweep", mixinStandardHelpOptions = true,
        description = {"Run every point of a parameter grid in parallel.",
                "Parameters: memory pressure, swap device, hot-set size, VMs, task-move rate, order,"
                        + " policies (docs/SWEEP.md). Writes DIR/results.csv (one row per point as it finishes; also on"
                        + " stdout when stdout is not a terminal), results.json, grid.yaml and the charts. --resume"
                        + " finishes an interrupted sweep."})
final class SweepCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** Present in DIR from the start of a sweep until it has finished: --resume finishes it. */
    static final String INCOMPLETE = "INCOMPLETE";
    /** The largest results.csv --resume reads (100,000 points of a few KiB each fit easily). */
    private static final long CSV_LIMIT = 1L << 30;

    @Option(names = "--grid", required = true, paramLabel = "FILE", description = "The grid YAML (see docs/SWEEP.md).")
    Path grid;

    @Option(names = "--out", paramLabel = "DIR", description = "Output directory, new or empty, or holding this grid's"
            + " sweep with --resume (default: sweep-<grid file name>).")
    Path out;

    @Option(names = "--cost-profile", paramLabel = "FILE", description = "A cost-model profile (copyless calibrate --out"
            + " FILE) applied to the grid's base scenario; the grid's own cost parameters still override it (docs/COST-MODEL.md).")
    Path costProfile;

    @Option(names = "--resume", description = "Finish the sweep in DIR: skip the points results.csv already has.")
    boolean resume;

    @Option(names = "--threads", paramLabel = "N", description = "Points run at once (default: the number of cores).")
    Integer threads;

    @Option(names = "--engine", paramLabel = "NAME", description = "Where points run: local (default: this"
            + " machine's cores) or spark (Apache Spark, from the copyless-spark module; see docs/SWEEP.md).")
    String engineName;

    @Option(names = "--master", paramLabel = "URL", description = "With --engine spark: the Spark master, e.g."
            + " local[*] (the default), local[2], spark://HOST:7077, yarn, k8s://https://HOST:443.")
    String master;

    @Option(names = "--report", paramLabel = "DIR",
            description = "Also write the sweep's report (report.html and charts) to DIR (it is always written to --out).")
    Path report;

    @Mixin
    ProgressOption progress;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    /** The grid with {@code --cost-profile} applied to its base scenario (the grid's own cost parameters still win). */
    private SweepGrid withCostProfile(SweepGrid g) {
        if (costProfile == null) {
            return g;
        }
        CostProfile cp = CostProfile.load(costProfile);
        spec.commandLine().getErr().println(cp.summary(costProfile.toString()));
        return g.withBase(cp.applyTo(g.base()));
    }

    @Override
    public Integer call() throws Exception {
        SweepGrid g = withCostProfile(SweepGrid.load(grid));
        Path dir = out != null ? out : Path.of("sweep-" + grid.getFileName().toString().replaceFirst("\\.ya?ml$", ""));
        int nThreads = threads == null ? Runtime.getRuntime().availableProcessors() : threads;
        if (nThreads < 1 || nThreads > 1024) {
            throw new ScenarioException("--threads: expected 1..1024, got " + nThreads);
        }
        String engineKey = engineName == null ? "local" : engineName.strip();
        if (!engineKey.equals("local") && threads != null) {
            throw new ScenarioException("--threads is for --engine local; with --engine " + engineKey
                    + " give the parallelism to the engine (e.g. --master 'local[4]', or the cluster's executors)");
        }
        if (engineKey.equals("local") && master != null) {
            throw new ScenarioException("--master is for --engine spark; --engine local runs on this machine's cores"
                    + " (--threads N)");
        }
        // refused before anything is written; another engine's parallelism is its own: one run must fit this JVM
        nThreads = fit(g, g.points(), engineKey.equals("local") ? nThreads : 1, spec.commandLine().getErr());
        SweepEngine engine = SweepEngines.open(engineKey, master, nThreads); // refused before anything is written
        Path csv = dir.resolve("results.csv");
        Path gridCopy = dir.resolve("grid.yaml");
        Path marker = dir.resolve(INCOMPLETE);
        List<String> header = null;
        Set<Integer> done = new HashSet<>();
        Path created = null;
        boolean fresh;
        try {
            if (Files.exists(dir) && !Files.isDirectory(dir)) {
                throw new ScenarioException("--out " + dir + ": exists and is not a directory");
            }
            boolean holdsSweep = Files.exists(csv) || Files.exists(marker);
            if (holdsSweep) {
                if (!resume) {
                    throw new ScenarioException(dir + " already holds a sweep" + (Files.exists(marker)
                            ? " that did not finish" : "") + "; pass --resume to finish it or choose another --out");
                }
                if (!Files.exists(gridCopy) || !BoundedInput.readText(gridCopy, BoundedInput.YAML_LIMIT, "grid file", "")
                        .equals(g.text())) {
                    throw new ScenarioException(dir + " holds a sweep of another grid (grid.yaml differs from " + grid
                            + "); resume with the same grid or choose another --out");
                }
                header = Files.exists(csv) ? readDone(csv, done) : null;
                fresh = false;
            } else {
                if (Files.isDirectory(dir)) {
                    try (var entries = Files.list(dir)) {
                        if (entries.findAny().isPresent()) {
                            throw new ScenarioException("--out " + dir + ": not empty and holds no sweep (no results.csv);"
                                    + " choose a new or empty directory");
                        }
                    }
                }
                for (Path p = dir.toAbsolutePath().normalize(); p != null && !Files.exists(p); p = p.getParent()) {
                    created = p;
                }
                Files.createDirectories(dir);
                try (StagedFiles staged = new StagedFiles()) {
                    staged.put(gridCopy, g.text().getBytes(StandardCharsets.UTF_8));
                    staged.put(marker, incompleteNote(g, dir).getBytes(StandardCharsets.UTF_8));
                    staged.commit();
                }
                fresh = true;
            }
        } catch (IOException e) {
            ReportWriter.removeCreated(created);
            throw new ScenarioException("--out " + dir + ": cannot write there (" + BoundedInput.reason(e) + ")");
        }

        List<SweepPoint> todo = new ArrayList<>();
        for (SweepPoint p : g.points()) {
            if (!done.contains(p.id())) {
                todo.add(p);
            }
        }
        PrintWriter stdout = spec.commandLine().getOut();
        boolean rowsOnStdout = !Terminal.stdoutIsTerminal(); // on a terminal the rows go to results.csv only
        PrintWriter err = spec.commandLine().getErr();
        err.printf("sweep: %d runs (%d points x %d %s; %d done before), %s, into %s%n", g.size(),
                g.size() / g.seeds().size(), g.seeds().size(), g.seeds().size() == 1 ? "seed" : "seeds", done.size(),
                engine.describe(), dir);
        err.flush();
        if (rowsOnStdout && header != null && done.size() > 0) {
            stdout.println(String.join(",", header));
        }
        AtomicInteger finished = new AtomicInteger(done.size());
        AtomicBoolean over = new AtomicBoolean();
        String resumeHint = resumeCommand(dir);
        Thread hook = new Thread(() -> {
            if (!over.get()) { // Ctrl-C (or a kill) while points run: say how to go on
                err.println();
                err.println("sweep: interrupted: " + finished.get() + " of " + g.size() + " points done in " + dir
                        + "; resume with: " + resumeHint);
                err.flush();
            }
        }, "copyless-sweep-interrupted");
        Runtime.getRuntime().addShutdownHook(hook);
        Progress bar = Progress.on(err, progress.progress);
        long before = done.size();
        boolean ok = false;
        boolean[] announced = {false, false};
        List<String>[] headerRef = new List[] {header};
        try (BufferedWriter w = Files.newBufferedWriter(csv, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND)) {
            engine.run(g.base(), todo, (p, row) -> {
                if (headerRef[0] != null && !announced[1]) {
                    announced[1] = true; // a results.csv of another copyless version: say what its columns drop
                    columnsDiffer(headerRef[0], row.keySet(), csv).ifPresent(m -> {
                        err.println(m);
                        err.flush();
                    });
                }
                if (headerRef[0] == null) {
                    headerRef[0] = new ArrayList<>(row.keySet());
                    w.write(String.join(",", headerRef[0]));
                    w.newLine();
                    if (rowsOnStdout) {
                        stdout.println(String.join(",", headerRef[0]));
                    }
                }
                String line = SweepRows.csvLine(headerRef[0], row);
                w.write(line);
                w.newLine();
                w.flush();
                int n = finished.incrementAndGet();
                if (rowsOnStdout) {
                    stdout.println(line);
                    stdout.flush();
                }
                long elapsed = bar.elapsedNs();
                if (!announced[0] && elapsed >= 3_000_000_000L && n < g.size()) {
                    announced[0] = true; // said once, up front, with the estimate: points so far at this pace
                    double leftNs = (double) elapsed / (n - before) * (g.size() - n);
                    if (leftNs > 10 * 60 * 1e9) {
                        bar.println(String.format(java.util.Locale.ROOT, "note: this sweep will take about %s more"
                                + " (%,d runs left at %.1f s per run so far, %s); Ctrl-C stops it, and"
                                + " --resume finishes it later", Progress.duration((long) (leftNs / 1e9)),
                                g.size() - n, elapsed / 1e9 / (n - before), engine.describe()));
                    }
                }
                String left = Progress.left(elapsed, (double) (n - before) / (g.size() - before));
                bar.update(String.format(java.util.Locale.ROOT, "sweep: %,d of %,d runs, %s%s", n, g.size(),
                        Progress.duration(elapsed / 1_000_000_000L) + " so far", left.isEmpty() ? "" : ", " + left));
            });
            ok = true;
        } catch (IOException | ScenarioException | HostOutOfMemoryException e) {
            String why = e instanceof IOException io
                    ? csv + ": cannot write the sweep's results (" + BoundedInput.reason(io) + ")" : e.getMessage();
            if (fresh && finished.get() == 0) { // nothing of value was made: leave nothing behind
                bar.close();
                engine.close();
                for (Path f : List.of(csv, gridCopy, marker)) {
                    Files.deleteIfExists(f);
                }
                ReportWriter.removeCreated(created);
                throw new ScenarioException(why + "; no point finished, nothing was kept");
            }
            throw new ScenarioException(why + kept(finished.get() - (int) before, finished.get(), g.size(), dir,
                    resumeHint));
        } finally {
            over.set(true);
            bar.close();
            engine.close();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // the JVM is shutting down already: the hook has printed the hint
            }
        }
        List<Map<String, Object>> rows = readRows(csv);
        List<String> parameters = new ArrayList<>(g.parameters().keySet());
        List<SweepSummary.Group> groups = SweepSummary.of(parameters, rows);
        Map<String, Object> json = new LinkedHashMap<>(); // grid first, then points, in every run (Map.of has no order)
        json.put("grid", grid.toString());
        json.put("points", rows);
        json.put("summary", summaryJson(groups));
        try (StagedFiles staged = new StagedFiles()) {
            staged.put(dir.resolve("results.json"), JSON.writeValueAsBytes(json));
            staged.put(dir.resolve("summary.csv"), SweepSummary.csv(parameters, groups).getBytes(StandardCharsets.UTF_8));
            staged.commit();
        } catch (IOException e) {
            throw new ScenarioException(dir.resolve("results.json") + ": cannot write (" + BoundedInput.reason(e)
                    + "); every point is in " + csv + ": run again with --resume to write the rest");
        }
        ReportWriter.writeSweep(dir, new ArrayList<>(g.parameters().keySet()), rows);
        if (report != null) {
            ReportWriter.prepare(report);
            ReportWriter.writeSweep(report, new ArrayList<>(g.parameters().keySet()), rows);
            err.println("report: " + report.resolve("report.html"));
        }
        Files.deleteIfExists(marker); // finished: the last thing done
        // the table of intervals per point: on stdout at a terminal; on stderr when stdout carries the CSV rows
        PrintWriter tableOut = rowsOnStdout ? err : stdout;
        tableOut.println();
        tableOut.println("per point, over " + (g.seeds().size() == 1 ? "1 seed (no interval)"
                : g.seeds().size() + " seeds: mean ± half-width of the 95% confidence interval") + "; all metrics in "
                + dir.resolve("summary.csv"));
        tableOut.print(SweepSummary.table(parameters, groups));
        tableOut.flush();
        err.println("sweep: " + rows.size() + " runs (" + groups.size() + " points x " + g.seeds().size()
                + (g.seeds().size() == 1 ? " seed" : " seeds") + ") in " + csv);
        return 0;
    }

    /** results.json's {@code summary}: per point, its values, seeds, and each metric and ratio as {mean, ci95}. */
    private static List<Map<String, Object>> summaryJson(List<SweepSummary.Group> groups) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (SweepSummary.Group gr : groups) {
            Map<String, Object> m = new LinkedHashMap<>(gr.values());
            m.put("seeds", gr.seeds());
            Map<String, Object> metrics = new LinkedHashMap<>();
            gr.metrics().forEach((k, e) -> metrics.put(k, estimate(e)));
            gr.ratios().forEach((k, e) -> metrics.put(k, estimate(e)));
            m.put("metrics", metrics);
            out.add(m);
        }
        return out;
    }

    private static Object estimate(SeedStatistics.Estimate e) {
        if (!e.defined()) {
            return null;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("mean", e.mean());
        m.put("ci95", List.of(e.lo(), e.hi()));
        return m;
    }

    /**
     * How many points to run at once: {@code threads}, or as many as memory, heap and disk hold
     * for the largest point (saying so); refuses a grid with a point of which not even one run
     * fits ({@link MemoryEstimate}). A point runs its policies one after another.
     */
    private static int fit(SweepGrid g, List<SweepPoint> points, int threads, PrintWriter err) {
        MemoryEstimate largest = null;
        SweepPoint which = null;
        for (SweepPoint p : points) {
            MemoryEstimate e = MemoryEstimate.of(p.scenario(g.base()));
            if (largest == null || e.heapBytes() + e.offHeapBytes() > largest.heapBytes() + largest.offHeapBytes()) {
                largest = e;
                which = p;
            }
        }
        if (largest == null) {
            return threads;
        }
        int n = largest.runsThatFit(threads, MemoryEstimate.Limits.here(), g.source() + ": point " + which.id()
                + " (" + which.key() + ")");
        if (n < threads) {
            err.println("note: running " + n + " point(s) at a time, not " + threads + ": the largest needs about "
                    + BoundedInput.bytes(largest.heapBytes()) + " of heap (JAVA_TOOL_OPTIONS=-Xmx... gives the JVM more)");
        }
        return n;
    }

    /**
     * Empty when a resumed sweep's rows have exactly the columns of the results.csv they are
     * appended to; else the line that says which columns the resumed rows leave out (written by
     * this copyless, absent from the file's header) and which they leave empty (in the header,
     * no longer written), so that no column is dropped without a word.
     */
    static Optional<String> columnsDiffer(List<String> header, Collection<String> row, Path csv) {
        List<String> dropped = row.stream().filter(k -> !header.contains(k)).toList();
        List<String> empty = header.stream().filter(k -> !row.contains(k)).toList();
        if (dropped.isEmpty() && empty.isEmpty()) {
            return Optional.empty();
        }
        StringBuilder b = new StringBuilder("sweep: warning: " + csv + " was written by another version of copyless;");
        if (!dropped.isEmpty()) {
            b.append(" the resumed points leave out ").append(dropped.size()).append(dropped.size() == 1 ? " column" : " columns")
                    .append(" its header lacks (").append(String.join(", ", dropped)).append(")");
        }
        if (!empty.isEmpty()) {
            b.append(dropped.isEmpty() ? "" : ";").append(" the resumed points leave ").append(empty.size())
                    .append(empty.size() == 1 ? " column" : " columns").append(" empty that this version no longer writes (")
                    .append(String.join(", ", empty)).append(")");
        }
        return Optional.of(b.append("; to have every column, run the sweep again into a new --out").toString());
    }

    /** The note a failed sweep's error ends with: what is kept and how to finish. */
    private static String kept(int now, int total, long points, Path dir, String resumeHint) {
        return "; " + total + " of " + points + " points are kept in " + dir + " (" + now + " from this run), marked "
                + INCOMPLETE + ": resume with: " + resumeHint;
    }

    private String resumeCommand(Path dir) {
        return "copyless sweep --grid " + grid + " --out " + dir + " --resume";
    }

    private String incompleteNote(SweepGrid g, Path dir) {
        return "This sweep of " + grid + " (" + g.size() + " points) has not finished.\n"
                + "results.csv holds the points done so far. Finish it with:\n  " + resumeCommand(dir) + "\n";
    }

    /**
     * Reads a results.csv: its header, and the ids of complete rows. A torn last line (the
     * sweep was killed while writing it) is cut off so the file can be appended to. The file is
     * streamed, and refused past {@link #CSV_LIMIT}.
     */
    private static List<String> readDone(Path csv, Set<Integer> done) throws IOException {
        long size = BoundedInput.requireRegularFile(csv, "sweep results file", "choose another --out");
        if (size > CSV_LIMIT) {
            throw new ScenarioException(csv + ": " + BoundedInput.bytes(size) + "; a sweep's results.csv may have at most "
                    + BoundedInput.bytes(CSV_LIMIT) + "; choose another --out");
        }
        List<String> header = null;
        long complete = 0; // bytes up to the end of the last complete line
        try (java.io.InputStream in = new java.io.BufferedInputStream(Files.newInputStream(csv), 1 << 16)) {
            java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream();
            long pos = 0;
            int b;
            while ((b = in.read()) >= 0) {
                pos++;
                if (b != '\n') {
                    line.write(b);
                    continue;
                }
                String l = line.toString(StandardCharsets.UTF_8);
                line.reset();
                complete = pos;
                if (header == null) {
                    header = List.of(l.split(","));
                    continue;
                }
                String[] f = l.split(",", -1);
                if (f.length != header.size() || !f[0].matches("\\d{1,9}")) {
                    throw new ScenarioException(csv + ": a row has " + f.length + " fields, the header " + header.size()
                            + "; the file is not a copyless sweep's results, choose another --out");
                }
                done.add(Integer.parseInt(f[0]));
            }
        }
        if (complete < size) {
            try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(csv, StandardOpenOption.WRITE)) {
                ch.truncate(complete);
            }
        }
        return header;
    }

    /** All rows of a results.csv, numbers parsed. */
    static List<Map<String, Object>> readRows(Path csv) throws IOException {
        List<String> lines = Files.readAllLines(csv, StandardCharsets.UTF_8);
        List<Map<String, Object>> rows = new ArrayList<>();
        if (lines.isEmpty()) {
            return rows;
        }
        String[] header = lines.get(0).split(",");
        for (String l : lines.subList(1, lines.size())) {
            String[] f = l.split(",", -1);
            Map<String, Object> row = new LinkedHashMap<>();
            for (int i = 0; i < header.length; i++) {
                row.put(header[i], parse(f[i]));
            }
            rows.add(row);
        }
        rows.sort((a, b) -> Integer.compare(((Number) a.get("point")).intValue(), ((Number) b.get("point")).intValue()));
        return rows;
    }

    private static Object parse(String s) {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            try {
                return Double.parseDouble(s);
            } catch (NumberFormatException e2) {
                return s;
            }
        }
    }
}
