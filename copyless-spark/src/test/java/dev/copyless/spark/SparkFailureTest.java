package dev.copyless.spark;

import static org.assertj.core.api.Assertions.assertThat;

import dev.copyless.host.HostOutOfMemoryException;
import dev.copyless.scenario.ScenarioException;
import java.net.ServerSocket;
import java.nio.file.Files;
import org.apache.spark.SparkException;
import org.junit.jupiter.api.Test;

/**
 * A failed Spark job as the user sees it: what a point threw, when Spark carries it as the
 * cause; otherwise Spark's reason in one line, as a user error (exit 2) that says where to look.
 */
class SparkFailureTest {
    @Test
    void aCopylessExceptionInsideSparksIsThrownAsItWas() {
        HostOutOfMemoryException oom = new HostOutOfMemoryException("sweep point 3 (x=1;seed=1), policy naive: out");
        SparkException spark = new SparkException("Job aborted due to stage failure: Task 3 failed\n\tat x.y(Z.java:1)",
                new RuntimeException("wrapper", oom));
        assertThat(SparkSweepEngine.unwrap(spark)).isSameAs(oom);
        IllegalStateException bug = new IllegalStateException("a bug") {
            // an anonymous class: dev.copyless.spark.SparkFailureTest$1, a copyless class
        };
        assertThat(SparkSweepEngine.unwrap(new SparkException("aborted", bug))).isSameAs(bug);
    }

    @Test
    void sparksOwnFailureIsOneLineNamingTheExecutorsMemory() {
        Exception e = SparkSweepEngine.unwrap(new SparkException("Job aborted due to stage failure: Task 0 in stage 0.0"
                + " failed 4 times, most recent failure: ExecutorLostFailure (executor 1 exited)\nDriver stacktrace:\n"
                + "\tat org.apache.spark.scheduler.DAGScheduler.failJobAndIndependentStages(DAGScheduler.scala:1)",
                new OutOfMemoryError("Java heap space")));
        assertThat(e).isInstanceOf(ScenarioException.class);
        assertThat(e.getMessage()).doesNotContain("\n").startsWith("the Spark job failed: Job aborted due to stage"
                + " failure: Task 0 in stage 0.0 failed 4 times").contains("spark.executor.memory");
    }

    @Test
    void aStandaloneMasterThatDoesNotAnswerIsRefusedAtOnceInOneLine() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort(); // closed again: nothing listens there
        }
        Sweeps.Result r = Sweeps.sweep("--grid", "../examples/sweep-memory-pressure.yaml", "--out",
                Files.createTempDirectory("nomaster").resolve("o").toString(), "--engine", "spark",
                "--master", "spark://127.0.0.1:" + port);
        assertThat(r.code()).as(r.err()).isEqualTo(2);
        assertThat(r.err().strip()).doesNotContain("\n").startsWith("copyless: error: --master spark://127.0.0.1:" + port
                + ": no Spark master answers (127.0.0.1:" + port + ": Connection refused)").contains("start-master.sh");
        assertThat(Sweeps.sweep("--grid", "../examples/sweep-memory-pressure.yaml", "--engine", "spark", "--master",
                "spark://node1:x").err()).contains("expected spark://HOST:PORT");
    }
}
