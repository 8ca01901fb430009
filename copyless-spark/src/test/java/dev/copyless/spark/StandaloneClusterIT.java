package dev.copyless.spark;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.copyless.spark.Sweeps.Result;
import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real Spark standalone cluster on this machine: a Master and a Worker as child JVMs on
 * loopback, from a Spark home whose {@code jars/} are links to the Spark jars this module was
 * built with (a Spark distribution's layout; the Worker starts executor JVMs from it). Two apps
 * run a grid whose base scenario replays a trace: {@code copyless sweep --engine spark --master
 * spark://...} with this JVM as the driver, and {@code spark-submit} of
 * {@code copyless-spark-submit.jar} as docs/SWEEP.md shows it. Both give the local engine's rows,
 * and the executor's directory holds the shipped trace. Run by failsafe after {@code package}, so
 * the submit jar is this build's.
 */
class StandaloneClusterIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final List<Process> started = new ArrayList<>();
    private Path home;

    @AfterEach
    void stopCluster() throws InterruptedException, IOException {
        for (Process p : started.reversed()) { // the worker (and its executors) first, then the master
            List<ProcessHandle> children = p.descendants().toList();
            p.destroy();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
            children.forEach(ProcessHandle::destroyForcibly);
        }
        started.clear();
        if (home != null) { // the links to the Spark jars go before the temporary directory does (JUnit warns of each)
            try (Stream<Path> links = Files.list(home.resolve("jars"))) {
                for (Path l : links.toList()) {
                    Files.delete(l);
                }
            }
        }
    }

    @Test
    void aGridRunsOnAStandaloneMasterAndWorkerWithTheLocalEnginesRows(@TempDir Path tmp) throws Exception {
        Path submitJar = Path.of("target", "copyless-spark-submit.jar").toAbsolutePath();
        assertThat(submitJar).as("failsafe runs after package, which builds the submit jar").exists();
        home = sparkHome(tmp.resolve("spark-home"));
        Path work = Files.createDirectories(tmp.resolve("work"));
        int port = freePort();
        int masterUi = freePort();
        String master = "spark://127.0.0.1:" + port;
        start(home, tmp.resolve("master.log"), "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
                "--port", "" + port, "--webui-port", "" + masterUi);
        start(home, tmp.resolve("worker.log"), "org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1",
                "--webui-port", "" + freePort(), "--cores", "2", "--memory", "2g", "--work-dir", work.toString(), master);
        awaitWorker(masterUi, tmp);

        Path grid = Sweeps.tracedGrid(Files.createDirectories(tmp.resolve("grid")));
        Result local = Sweeps.sweep("--grid", grid.toString(), "--out", tmp.resolve("local").toString());
        assertThat(local.code()).as(local.err()).isZero();
        List<String> rows = Sweeps.sortedByPoint(tmp.resolve("local/results.csv"));

        // 1. this JVM drives: the executors get copyless's classes from its class path
        Map<String, String> conf = Map.of("spark.driver.host", "127.0.0.1", "spark.driver.bindAddress", "127.0.0.1",
                "spark.executor.extraClassPath", copylessClassPath(), "spark.cores.max", "2");
        conf.forEach(System::setProperty);
        Result spark;
        try {
            spark = Sweeps.sweep("--grid", grid.toString(), "--out", tmp.resolve("cluster").toString(), "--engine",
                    "spark", "--master", master);
        } finally {
            conf.keySet().forEach(System::clearProperty);
        }
        assertThat(spark.code()).as(spark.err() + logs(tmp)).isZero();
        assertThat(spark.err()).contains("spark " + master);
        assertThat(Sweeps.sortedByPoint(tmp.resolve("cluster/results.csv"))).isEqualTo(rows);
        // the trace reached the executor JVM once, by the broadcast, into its directory under the worker's
        byte[] trace = Files.readAllBytes(grid.resolveSibling("two.cltrace"));
        List<Path> copies;
        try (Stream<Path> s = Files.walk(work)) {
            copies = s.filter(f -> f.getFileName().toString().matches("copyless-trace-.*-two\\.cltrace")).toList();
        }
        assertThat(copies).hasSize(1);
        assertThat(Files.readAllBytes(copies.get(0))).isEqualTo(trace);

        // 2. spark-submit of the submit jar, the master from spark-submit
        Path out = tmp.resolve("submitted");
        ProcessBuilder submit = new ProcessBuilder(java(), "@" + Path.of("target", "spark-jvm.args").toAbsolutePath(), "-cp",
                home.resolve("jars") + File.separator + "*", "org.apache.spark.deploy.SparkSubmit", "--master", master,
                "--conf", "spark.driver.host=127.0.0.1", "--conf", "spark.driver.bindAddress=127.0.0.1",
                "--class", "dev.copyless.spark.SparkSubmitMain", submitJar.toString(),
                "--grid", grid.toString(), "--out", out.toString())
                .redirectOutput(tmp.resolve("submit.out").toFile()).redirectError(tmp.resolve("submit.err").toFile());
        env(submit, home);
        Process p = submit.start();
        started.add(p);
        assertThat(p.waitFor(3, TimeUnit.MINUTES)).as("spark-submit finished").isTrue();
        String err = Files.readString(tmp.resolve("submit.err"));
        assertThat(p.exitValue()).as(err + logs(tmp)).isZero();
        assertThat(err).contains("spark " + master).contains("sweep: 2 runs (2 points x 1 seed) in");
        assertThat(Sweeps.sortedByPoint(out.resolve("results.csv"))).isEqualTo(rows);
        assertThat(out.resolve("report.html")).isNotEmptyFile();
    }

    /** A Spark home as a distribution lays it out: RELEASE, and jars/ (links to this module's Spark jars, no copyless). */
    private static Path sparkHome(Path home) throws IOException {
        Path jars = Files.createDirectories(home.resolve("jars"));
        Files.writeString(home.resolve("RELEASE"), "Spark 4.2.0 (the jars copyless-spark was built with)\n");
        for (String j : Files.readString(Path.of("target", "spark-classpath.txt")).strip().split(File.pathSeparator)) {
            Path jar = Path.of(j);
            Files.createSymbolicLink(jars.resolve(jar.getFileName()), jar);
        }
        return home;
    }

    /** The copyless entries of this JVM's class path (module classes and jars), for the executors. */
    private static String copylessClassPath() {
        List<String> out = new ArrayList<>();
        for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (Files.isDirectory(Path.of(e)) || e.contains("copyless")) {
                out.add(e);
            }
        }
        return String.join(File.pathSeparator, out);
    }

    private void start(Path home, Path log, String mainClass, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(java(), "@" + Path.of("target", "spark-jvm.args").toAbsolutePath(),
                "-Xmx512m", "-cp", home.resolve("jars") + File.separator + "*", mainClass));
        cmd.addAll(List.of(args));
        ProcessBuilder b = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        env(b, home);
        started.add(b.start());
    }

    private static void env(ProcessBuilder b, Path home) {
        b.environment().put("SPARK_HOME", home.toString());
        b.environment().put("SPARK_SCALA_VERSION", "2.13");
        b.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        b.environment().put("JAVA_HOME", System.getProperty("java.home")); // the worker starts executors on this JDK 25
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** Waits until the master's status page lists one alive worker. */
    private void awaitWorker(int masterUi, Path tmp) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + masterUi + "/json/"))
                .timeout(Duration.ofSeconds(5)).build();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (System.nanoTime() < deadline) {
            for (Process p : started) {
                assertThat(p.isAlive()).as("master and worker running" + logs(tmp)).isTrue();
            }
            try {
                JsonNode status = JSON.readTree(http.send(req, HttpResponse.BodyHandlers.ofString()).body());
                if (status.path("aliveworkers").asInt() >= 1) {
                    return;
                }
            } catch (IOException e) {
                // the master's page is not up yet
            }
            Thread.sleep(500);
        }
        throw new AssertionError("no worker registered with the master within 90 s" + logs(tmp));
    }

    private static String logs(Path tmp) {
        StringBuilder b = new StringBuilder();
        for (String f : List.of("master.log", "worker.log", "submit.err")) {
            try {
                List<String> l = Files.readAllLines(tmp.resolve(f));
                b.append("\n--- ").append(f).append(" (last lines)\n")
                        .append(String.join("\n", l.subList(Math.max(0, l.size() - 30), l.size())));
            } catch (IOException e) {
                // not written
            }
        }
        return b.toString();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
