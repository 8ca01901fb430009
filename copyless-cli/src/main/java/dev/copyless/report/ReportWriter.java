package dev.copyless.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.copyless.metrics.RunResult;
import dev.copyless.scenario.ScenarioException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Entry point of the report feature ({@code --report DIR}): writes a directory holding a
 * self-contained {@code report.html} (charts inlined, opens offline), the charts as PNG files,
 * and for {@code run}/{@code compare} also {@code results.json} (the {@code --format json}
 * object) and {@code results.csv} (one row per policy). The files appear together or not at
 * all ({@link StagedFiles}): a full disk leaves no truncated file. Any failure to write is a
 * user's mistake about DIR and surfaces as a one-line {@link ScenarioException} naming the path.
 */
public final class ReportWriter {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private ReportWriter() {}

    /**
     * Writes the report of a {@code run} or {@code compare}.
     *
     * @param dir          the report directory, created if needed
     * @param scenarioInfo the {@code "scenario"} object of {@code --format json}
     * @param results      policy -> result, in display order (one policy for {@code run})
     * @throws ScenarioException when DIR cannot be created or written
     */
    public static void write(Path dir, Map<String, Object> scenarioInfo, Map<String, RunResult> results) {
        if (results.isEmpty()) {
            throw new IllegalArgumentException("no results to report");
        }
        prepare(dir);
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("scenario", scenarioInfo);
        Map<String, Object> pol = new LinkedHashMap<>();
        results.forEach((k, v) -> pol.put(k, v.metrics()));
        root.put("policies", pol);
        String json;
        try {
            json = JSON.writeValueAsString(root) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        RunReport report = new RunReport(scenarioInfo, results);
        String html = report.render();
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("results.json", json.getBytes(StandardCharsets.UTF_8));
        files.put("results.csv", csv(results).getBytes(StandardCharsets.UTF_8));
        files.putAll(report.pngs);
        files.put("report.html", html.getBytes(StandardCharsets.UTF_8));
        save(dir, files);
    }

    /**
     * Writes the charts and report.html of a finished sweep (its results.csv and results.json
     * are the sweep command's own). For each parameter it draws the copyless/naive ratio of
     * {@code moved_page_data_movements}, {@code evictions_caused}, {@code pswpin},
     * {@code interconnect_bytes} and the mean guest access latency against the parameter's values,
     * taking the ratio per row and averaging over the rows that share a value.
     *
     * @param dir            the sweep's output directory, created if needed
     * @param parameterNames the swept parameters, each a key of every row
     * @param rows           one map per run: the parameter values plus scalar metrics flattened as
     *                       {@code "naive.moved_page_data_movements"}, {@code "copyless.pswpin"}, ...;
     *                       the latency is read from {@code "<policy>.guest_access_latency_ns.mean"}
     * @throws ScenarioException when DIR cannot be created or written
     */
    public static void writeSweep(Path dir, List<String> parameterNames, List<Map<String, Object>> rows) {
        prepare(dir);
        SweepReport report = new SweepReport(parameterNames, rows);
        String html = report.render();
        Map<String, byte[]> files = new LinkedHashMap<>(report.pngs);
        files.put("report.html", html.getBytes(StandardCharsets.UTF_8));
        save(dir, files);
    }

    /** One row per policy: {@code policy}, every scalar metric, then each latency summary field. */
    static String csv(Map<String, RunResult> results) {
        List<String> cols = new ArrayList<>();
        for (RunResult r : results.values()) {
            for (Map.Entry<String, Object> e : r.metrics().entrySet()) {
                if (e.getValue() instanceof Number && !cols.contains(e.getKey())) {
                    cols.add(e.getKey());
                }
            }
        }
        for (RunResult r : results.values()) {
            for (Map.Entry<String, Object> e : r.metrics().entrySet()) {
                if (e.getValue() instanceof Map<?, ?> m && m.containsKey("p99")) {
                    for (Object q : m.keySet()) {
                        String c = e.getKey() + "." + q;
                        if (!cols.contains(c)) {
                            cols.add(c);
                        }
                    }
                }
            }
        }
        StringBuilder b = new StringBuilder("policy");
        for (String c : cols) {
            b.append(',').append(cell(c));
        }
        b.append('\n');
        for (Map.Entry<String, RunResult> e : results.entrySet()) {
            b.append(cell(e.getKey()));
            for (String c : cols) {
                double v = RunReport.value(e.getValue(), c);
                Object raw = e.getValue().metrics().get(c);
                b.append(',');
                if (raw instanceof Long || raw instanceof Integer) {
                    b.append(raw);
                } else if (!Double.isNaN(v)) {
                    b.append(v == Math.rint(v) && Math.abs(v) < 1e15 && !(raw instanceof Double)
                            ? Long.toString((long) v) : BigDecimal.valueOf(v).toPlainString());
                }
            }
            b.append('\n');
        }
        return b.toString();
    }

    private static String cell(String s) {
        return s.contains(",") || s.contains("\"") || s.contains("\n") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }

    /**
     * Creates DIR if needed and checks that a report can go there, so that a command can refuse a
     * bad {@code --report DIR} before it simulates anything.
     *
     * @return the outermost directory this call created (DIR or one of its parents), or null if
     *         DIR existed: {@link #removeCreated} takes it away again if the command fails
     * @throws ScenarioException naming DIR when it is a file or cannot be created
     */
    public static Path prepare(Path dir) {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new ScenarioException("cannot write the report to " + dir + ": it exists and is not a directory");
        }
        Path created = null;
        for (Path p = dir.toAbsolutePath().normalize(); p != null && !Files.exists(p); p = p.getParent()) {
            created = p;
        }
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw failure(dir, e);
        }
        if (!Files.isWritable(dir)) {
            removeCreated(created);
            throw new ScenarioException("cannot write the report to " + dir + ": the directory is not writable");
        }
        return created;
    }

    /** Deletes the directories {@link #prepare} created under {@code created}, if they are still empty. */
    public static void removeCreated(Path created) {
        if (created == null || !Files.isDirectory(created)) {
            return;
        }
        try (var walk = Files.walk(created)) {
            List<Path> dirs = walk.sorted(java.util.Comparator.reverseOrder()).toList();
            for (Path p : dirs) {
                if (Files.isDirectory(p)) {
                    try (var entries = Files.list(p)) {
                        if (entries.findAny().isPresent()) {
                            return; // something else is in there now: leave it
                        }
                    }
                    Files.delete(p);
                }
            }
        } catch (IOException e) {
            // leave what cannot be removed
        }
    }

    /** Writes {@code files} (name to bytes) into DIR together: all of them, or none. */
    static void save(Path dir, Map<String, byte[]> files) {
        Path current = dir;
        try (StagedFiles staged = new StagedFiles()) {
            for (Map.Entry<String, byte[]> e : files.entrySet()) {
                current = dir.resolve(e.getKey());
                staged.put(current, e.getValue());
            }
            current = dir;
            staged.commit();
        } catch (IOException e) {
            throw failure(current, e);
        } catch (UncheckedIOException e) {
            throw failure(current, e.getCause());
        }
    }

    private static ScenarioException failure(Path path, IOException e) {
        String why = switch (e) {
            case FileAlreadyExistsException x -> "a file is in the way (" + x.getFile() + ")";
            case NotDirectoryException x -> "not a directory (" + x.getFile() + ")";
            case AccessDeniedException x -> "permission denied (" + x.getFile() + ")";
            case NoSuchFileException x -> "no such directory (" + x.getFile() + ")";
            default -> dev.copyless.scenario.BoundedInput.reason(e);
        };
        return new ScenarioException("cannot write the report to " + path + ": " + why + "; nothing was written");
    }
}
