package dev.copyless.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.copyless.metrics.Latency;
import dev.copyless.metrics.Metric;
import dev.copyless.metrics.MetricCatalogue;
import dev.copyless.metrics.RunResult;
import dev.copyless.metrics.Scalar;
import dev.copyless.metrics.Statistic;
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
 * object) and {@code results.csv} (one row per policy). Any failure to write is a user's
 * mistake about DIR and surfaces as a one-line {@link ScenarioException} naming the path.
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
        save(dir, "results.json", json.getBytes(StandardCharsets.UTF_8));
        save(dir, "results.csv", csv(results).getBytes(StandardCharsets.UTF_8));
        report.pngs.forEach((name, png) -> save(dir, name, png));
        save(dir, "report.html", html.getBytes(StandardCharsets.UTF_8));
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
        report.pngs.forEach((name, png) -> save(dir, name, png));
        save(dir, "report.html", html.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * One row per policy: {@code policy}, every scalar metric of the catalogue that a result holds (in
     * catalogue order), then each field of each latency summary ({@code guest_access_latency_ns.p99}).
     * Counters, gauges and summary fields other than the mean are integers; ratios and means are
     * decimals (a mean with no fraction is written as an integer).
     */
    static String csv(Map<String, RunResult> results) {
        List<Scalar> cols = new ArrayList<>();
        for (Metric m : MetricCatalogue.ALL) {
            if (m.scalar() && results.values().stream().anyMatch(r -> r.has(m))) {
                cols.add(Scalar.of(m));
            }
        }
        for (Latency l : Latency.values()) {
            for (Statistic q : Statistic.values()) {
                cols.add(Scalar.of(l, q));
            }
        }
        StringBuilder b = new StringBuilder("policy");
        for (Scalar c : cols) {
            b.append(',').append(cell(c.key()));
        }
        b.append('\n');
        for (Map.Entry<String, RunResult> e : results.entrySet()) {
            b.append(cell(e.getKey()));
            for (Scalar c : cols) {
                b.append(',');
                if (e.getValue().has(c)) {
                    b.append(number(e.getValue().json(c), c.statistic() != null));
                }
            }
            b.append('\n');
        }
        return b.toString();
    }

    /** A CSV number: an integer as is; a decimal in plain notation, or as an integer when a summary field has no fraction. */
    private static String number(Number n, boolean summaryField) {
        if (n instanceof Long || n instanceof Integer) {
            return n.toString();
        }
        double v = n.doubleValue();
        return summaryField && v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v)
                : BigDecimal.valueOf(v).toPlainString();
    }

    private static String cell(String s) {
        return s.contains(",") || s.contains("\"") || s.contains("\n") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }

    /**
     * Creates DIR if needed and checks that a report can go there, so that a command can refuse a
     * bad {@code --report DIR} before it simulates anything.
     *
     * @throws ScenarioException naming DIR when it is a file or cannot be created
     */
    public static void prepare(Path dir) {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new ScenarioException("cannot write the report to " + dir + ": it exists and is not a directory");
        }
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw failure(dir, e);
        }
        if (!Files.isWritable(dir)) {
            throw new ScenarioException("cannot write the report to " + dir + ": the directory is not writable");
        }
    }

    private static void save(Path dir, String name, byte[] bytes) {
        try {
            Files.write(dir.resolve(name), bytes);
        } catch (IOException e) {
            throw failure(dir.resolve(name), e);
        } catch (UncheckedIOException e) {
            throw failure(dir.resolve(name), e.getCause());
        }
    }

    private static ScenarioException failure(Path path, IOException e) {
        String why = switch (e) {
            case FileAlreadyExistsException x -> "a file is in the way (" + x.getFile() + ")";
            case NotDirectoryException x -> "not a directory (" + x.getFile() + ")";
            case AccessDeniedException x -> "permission denied (" + x.getFile() + ")";
            case NoSuchFileException x -> "no such directory (" + x.getFile() + ")";
            default -> e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        };
        return new ScenarioException("cannot write the report to " + path + ": " + why);
    }
}
