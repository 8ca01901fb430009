package dev.copyless.spark;

import dev.copyless.input.BoundedInput;
import dev.copyless.scenario.Scenario;
import dev.copyless.scenario.ScenarioException;
import dev.copyless.sweep.SweepPoint;
import dev.copyless.trace.TraceFiles;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.SparkFiles;

/**
 * The trace files a sweep's points read, shipped to the executors with the job: read once on
 * the driver, sent as one broadcast variable, written once per executor JVM to a local file (in
 * Spark's per-application directory, {@link SparkFiles#getRootDirectory()}, which Spark removes
 * with the application) and found there through {@link TraceFiles}: the resolver this class
 * installs maps each trace's path on the driver to its local copy. The scenario keeps the
 * driver's path, so the rows do not depend on where a point ran.
 *
 * <p>Thread-safe: tasks of one executor call {@link #install()} concurrently; the first writes
 * the files, the others wait for it and then find them.
 */
final class TraceShipment implements Serializable {
    private static final long serialVersionUID = 1L;
    /** The largest trace one broadcast carries (a Java array's limit, less a margin). */
    static final long MAX_BYTES = Integer.MAX_VALUE - 64;

    /** This JVM's local copies: the driver's absolute path -> the file written here. */
    private static final Map<String, Path> LOCAL = new ConcurrentHashMap<>();
    /** The shipments whose files this JVM has written. */
    private static final Set<String> WRITTEN = ConcurrentHashMap.newKeySet();

    private final String id = UUID.randomUUID().toString();
    private final LinkedHashMap<String, byte[]> files;

    private TraceShipment(LinkedHashMap<String, byte[]> files) {
        this.files = files;
    }

    /** Every trace file the points' scenarios name (their tasks with {@code pattern: trace}), each once. */
    static Set<Path> tracesOf(Scenario base, List<SweepPoint> points) {
        Set<Path> out = new LinkedHashSet<>();
        Set<Map<String, String>> seen = new HashSet<>();
        for (SweepPoint p : points) {
            if (seen.add(p.values())) { // the seed does not change which traces a point reads
                for (Scenario.Vm vm : p.scenario(base).vms()) {
                    for (Scenario.Task t : vm.tasks()) {
                        if ("trace".equals(t.pattern()) && t.trace() != null) {
                            out.add(Path.of(t.trace()).toAbsolutePath().normalize());
                        }
                    }
                }
            }
        }
        return out;
    }

    /** Reads {@code traces} on the driver. */
    static TraceShipment of(Set<Path> traces) {
        LinkedHashMap<String, byte[]> files = new LinkedHashMap<>();
        for (Path p : traces) {
            try {
                long size = BoundedInput.requireRegularFile(p, "trace file", "record it again with copyless trace record");
                if (size > MAX_BYTES) {
                    throw new ScenarioException(p + ": " + BoundedInput.bytes(size) + "; the Spark engine ships traces of"
                            + " at most " + BoundedInput.bytes(MAX_BYTES) + " to its executors; run this grid with"
                            + " --engine local, or record a shorter trace");
                }
                files.put(p.toString(), Files.readAllBytes(p));
            } catch (IOException e) {
                throw new ScenarioException(p + ": cannot read the trace to ship it to the executors ("
                        + BoundedInput.reason(e) + ")");
            }
        }
        return new TraceShipment(files);
    }

    /** The driver's paths of the shipped traces. */
    Set<String> paths() {
        return files.keySet();
    }

    /** On an executor, before a point runs: writes the traces here once and resolves their paths to the copies. */
    void install() {
        if (!files.isEmpty() && !WRITTEN.contains(id)) {
            install(Path.of(SparkFiles.getRootDirectory()));
        }
    }

    /** {@link #install()} into {@code dir}. */
    void install(Path dir) {
        synchronized (TraceShipment.class) {
            if (WRITTEN.contains(id)) {
                return;
            }
            try {
                Files.createDirectories(dir);
                int i = 0;
                for (Map.Entry<String, byte[]> e : files.entrySet()) {
                    String name = Path.of(e.getKey()).getFileName().toString();
                    Path local = dir.resolve("copyless-trace-" + id + "-" + i++ + "-" + name).toAbsolutePath();
                    Path tmp = local.resolveSibling(local.getFileName() + ".part");
                    Files.write(tmp, e.getValue());
                    Files.move(tmp, local, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                    LOCAL.put(e.getKey(), local);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("copyless: cannot write the shipped traces into " + dir, e);
            }
            TraceFiles.install(TraceShipment::local);
            WRITTEN.add(id);
        }
    }

    /** The local copy of the trace the driver knew as {@code p}, or {@code p} if none was shipped. */
    static Path local(Path p) {
        Path l = LOCAL.get(p.toAbsolutePath().normalize().toString());
        return l == null ? p : l;
    }

    /** Forgets every copy this JVM made and restores the identity resolver (the driver, when the engine closes). */
    static void forget() {
        synchronized (TraceShipment.class) {
            TraceFiles.reset();
            LOCAL.clear();
            WRITTEN.clear();
        }
    }
}
