package dev.copyless.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.copyless.metrics.Latency;
import dev.copyless.metrics.Metric;
import dev.copyless.metrics.MetricCatalogue;
import dev.copyless.metrics.RunResult;
import dev.copyless.metrics.Scalar;
import dev.copyless.metrics.Statistic;
import dev.copyless.report.ReportWriter;
import dev.copyless.scenario.ScenarioException;
import dev.copyless.sweep.SweepGrid;
import dev.copyless.sweep.SweepPoint;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code copyless sweep}: runs every point of a parameter grid in parallel on all cores, streams
 * one CSV row per finished point (stdout and {@code DIR/results.csv}), resumes an interrupted
 * sweep without redoing finished points, and draws the savings against each swept parameter.
 * Each point is the pure function {@link SweepPoint#run} of (base scenario, point).
 */
@Command(name = "sweep", mixinStandardHelpOptions = true,
        description = {"Run every point of a parameter grid (memory pressure, swap device, hot-set size, VMs,",
                "task-move rate, order, hold-back, policies) in parallel; stream one CSV row per point; --resume",
                "finishes an interrupted sweep. Writes DIR/results.csv, results.json, grid.yaml and charts."})
final class SweepCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @Option(names = "--grid", required = true, paramLabel = "FILE", description = "The grid YAML (see docs/SWEEP.md).")
    Path grid;

    @Option(names = "--out", paramLabel = "DIR", description = "Output directory (default: sweep-<grid file name>).")
    Path out;

    @Option(names = "--resume", description = "Finish the sweep in DIR: skip the points results.csv already has.")
    boolean resume;

    @Option(names = "--threads", paramLabel = "N", description = "Points run at once (default: the number of cores).")
    Integer threads;

    @Option(names = "--report", paramLabel = "DIR",
            description = "Also write the sweep's report (report.html and charts) to DIR (it is always written to --out).")
    Path report;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        SweepGrid g = SweepGrid.load(grid);
        Path dir = out != null ? out : Path.of("sweep-" + grid.getFileName().toString().replaceFirst("\\.ya?ml$", ""));
        int nThreads = threads == null ? Runtime.getRuntime().availableProcessors() : threads;
        if (nThreads < 1 || nThreads > 1024) {
            throw new ScenarioException("--threads: expected 1..1024, got " + nThreads);
        }
        Path csv = dir.resolve("results.csv");
        Path gridCopy = dir.resolve("grid.yaml");
        List<String> header = null;
        Set<Integer> done = new HashSet<>();
        try {
            if (Files.exists(dir) && !Files.isDirectory(dir)) {
                throw new ScenarioException("--out " + dir + ": exists and is not a directory");
            }
            if (Files.exists(csv)) {
                if (!resume) {
                    throw new ScenarioException(dir + " already holds a sweep (results.csv); pass --resume to finish it "
                            + "or choose another --out");
                }
                if (!Files.exists(gridCopy) || !Files.readString(gridCopy).equals(g.text())) {
                    throw new ScenarioException(dir + " holds a sweep of another grid (grid.yaml differs from " + grid
                            + "); resume with the same grid or choose another --out");
                }
                header = readDone(csv, done);
            } else {
                Files.createDirectories(dir);
                Files.writeString(gridCopy, g.text());
            }
        } catch (IOException e) {
            throw new ScenarioException("--out " + dir + ": cannot write there (" + e.getMessage() + ")");
        }

        List<SweepPoint> todo = new ArrayList<>();
        for (SweepPoint p : g.points()) {
            if (!done.contains(p.id())) {
                todo.add(p);
            }
        }
        PrintWriter stdout = spec.commandLine().getOut();
        PrintStream err = System.err;
        err.printf("sweep: %d points (%d done before), %d at a time, into %s%n", g.size(), done.size(), nThreads, dir);
        ProgressBar bar = Terminal.stderrIsTerminal()
                ? new ProgressBarBuilder().setTaskName("sweep").setInitialMax(g.size()).setStyle(ProgressBarStyle.ASCII)
                        .setConsumer(new ConsoleProgressBarConsumer(new PrintStream(err, true))).build()
                : null;
        if (bar != null) {
            bar.stepTo(done.size());
        }
        if (header != null && done.size() > 0) {
            stdout.println(String.join(",", header));
        }
        ExecutorService pool = Executors.newFixedThreadPool(nThreads, r -> {
            Thread t = new Thread(r, "copyless-sweep");
            t.setDaemon(true);
            return t;
        });
        try (BufferedWriter w = Files.newBufferedWriter(csv, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND)) {
            ExecutorCompletionService<Object[]> cs = new ExecutorCompletionService<>(pool);
            for (SweepPoint p : todo) {
                cs.submit(() -> new Object[] {p, p.run(g.base())});
            }
            for (int i = 0; i < todo.size(); i++) {
                Object[] r;
                try {
                    r = cs.take().get();
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof RuntimeException re) {
                        throw re;
                    }
                    throw e;
                }
                SweepPoint p = (SweepPoint) r[0];
                @SuppressWarnings("unchecked")
                Map<String, RunResult> res = (Map<String, RunResult>) r[1];
                Map<String, Object> row = row(g, p, res);
                if (header == null) {
                    header = new ArrayList<>(row.keySet());
                    w.write(String.join(",", header));
                    w.newLine();
                    stdout.println(String.join(",", header));
                }
                String line = csvLine(header, row);
                w.write(line);
                w.newLine();
                w.flush();
                stdout.println(line);
                stdout.flush();
                if (bar != null) {
                    bar.step();
                }
            }
        } finally {
            pool.shutdownNow();
            if (bar != null) {
                bar.close();
            }
        }
        List<Map<String, Object>> rows = readRows(csv);
        Map<String, Object> json = new LinkedHashMap<>(); // grid first, then points, in every run (Map.of has no order)
        json.put("grid", grid.toString());
        json.put("points", rows);
        JSON.writeValue(dir.resolve("results.json").toFile(), json);
        ReportWriter.writeSweep(dir, new ArrayList<>(g.parameters().keySet()), rows);
        if (report != null) {
            ReportWriter.writeSweep(report, new ArrayList<>(g.parameters().keySet()), rows);
            err.println("report: " + report.resolve("report.html"));
        }
        err.println("sweep: " + rows.size() + " points in " + csv);
        return 0;
    }

    /** The summary fields a sweep row keeps of each latency, in this order. */
    static final List<Statistic> ROW_STATISTICS = List.of(Statistic.MEAN, Statistic.P50, Statistic.P99);

    /**
     * The CSV row of a finished point: id, seed, parameter values, then {@code policy.metric} for every
     * scalar metric of the catalogue the run holds, and {@code policy.latency.statistic} for
     * {@link #ROW_STATISTICS} of each latency summary.
     */
    static Map<String, Object> row(SweepGrid g, SweepPoint p, Map<String, RunResult> results) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("point", p.id());
        row.put("seed", p.seed());
        row.putAll(p.values());
        for (Map.Entry<String, RunResult> e : results.entrySet()) {
            RunResult r = e.getValue();
            for (Metric m : MetricCatalogue.ALL) {
                if (m instanceof Latency l) {
                    for (Statistic q : ROW_STATISTICS) {
                        Scalar x = Scalar.of(l, q);
                        row.put(e.getKey() + "." + x.key(), r.json(x));
                    }
                } else if (m.scalar() && r.has(m)) {
                    row.put(e.getKey() + "." + m.metricName(), r.json(Scalar.of(m)));
                }
            }
        }
        return row;
    }

    private static String csvLine(List<String> header, Map<String, Object> row) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < header.size(); i++) {
            if (i > 0) {
                b.append(',');
            }
            Object v = row.get(header.get(i));
            String s = v == null ? "" : v.toString();
            b.append(s.contains(",") || s.contains("\"") ? "\"" + s.replace("\"", "\"\"") + "\"" : s);
        }
        return b.toString();
    }

    /**
     * Reads a results.csv: its header, and the ids of complete rows. A torn last line (the
     * sweep was killed while writing it) is cut off so the file can be appended to.
     */
    private static List<String> readDone(Path csv, Set<Integer> done) throws IOException {
        String text = Files.readString(csv, StandardCharsets.UTF_8);
        if (!text.isEmpty() && !text.endsWith("\n")) {
            text = text.substring(0, text.lastIndexOf('\n') + 1);
            Files.writeString(csv, text, StandardCharsets.UTF_8);
        }
        List<String> lines = text.lines().toList();
        if (lines.isEmpty()) {
            return null;
        }
        List<String> header = List.of(lines.get(0).split(","));
        for (String l : lines.subList(1, lines.size())) {
            String[] f = l.split(",", -1);
            if (f.length != header.size()) {
                throw new ScenarioException(csv + ": a row has " + f.length + " fields, the header " + header.size()
                        + "; the file is not a copyless sweep's results, choose another --out");
            }
            done.add(Integer.parseInt(f[0]));
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
