package dev.copyless.spark;

import dev.copyless.host.HostOutOfMemoryException;
import dev.copyless.input.UserError;
import dev.copyless.scenario.Scenario;
import dev.copyless.scenario.ScenarioException;
import dev.copyless.sweep.SweepEngine;
import dev.copyless.sweep.SweepPoint;
import java.io.IOException;
import java.io.Serializable;
import java.lang.ref.Reference;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.spark.SimpleFutureAction;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import scala.collection.Iterator;
import scala.jdk.javaapi.CollectionConverters;
import scala.runtime.AbstractFunction0;
import scala.runtime.AbstractFunction1;
import scala.runtime.AbstractFunction2;
import scala.runtime.BoxedUnit;
import scala.util.Failure;
import scala.util.Try;

/**
 * The sweep engine on Apache Spark ({@code copyless sweep --engine spark --master URL}). The
 * points become an RDD of one partition per point, so the scheduler spreads them over every
 * executor core; each task computes {@link SweepPoint#row} on its executor against the base
 * scenario, shipped once per executor as a broadcast variable, and the traces the grid's points
 * name, shipped once as another ({@link TraceShipment}). The driver submits one job with a
 * result handler ({@link SparkContext#submitJob}) and hands each row to the sink on the calling
 * thread as soon as its point finishes, so an interrupted Spark sweep leaves every finished row
 * in {@code results.csv} and {@code --resume} picks up from there, as on the local engine.
 *
 * <p>A point that fails on an executor (a {@link ScenarioException}, a
 * {@link HostOutOfMemoryException}) returns its exception as its task's result ({@link Outcome});
 * the driver throws it on the calling thread and cancels the job, so the user sees the same
 * one-line error as on the local engine, Spark logs no stack trace and does not retry a point
 * that would fail the same way again. A task that fails in Spark's own terms (an executor lost,
 * out of memory) fails the job after Spark's retries, and {@link #unwrap} makes that one line.
 * Spark's UI and console progress bar are off unless the configuration turns them on, and Spark
 * logs warnings and errors only ({@link SparkLogging}).
 */
public final class SparkSweepEngine implements SweepEngine {
    /** The master when neither {@code --master} nor spark-submit gives one. */
    static final String DEFAULT_MASTER = "local[*]";

    private final SparkSession session;
    private final JavaSparkContext jsc;

    private SparkSweepEngine(SparkSession session) {
        this.session = session;
        this.jsc = JavaSparkContext.fromSparkContext(session.sparkContext());
    }

    /**
     * Starts a Spark session for {@code master}; null takes the master from Spark's configuration
     * ({@code spark.master}, which spark-submit sets) or else {@link #DEFAULT_MASTER}.
     * {@code spark.*} system properties (e.g. {@code -Dspark.executor.memory=6g}) are honoured.
     */
    static SparkSweepEngine open(String master) {
        String m = master != null ? master : System.getProperty("spark.master", DEFAULT_MASTER);
        boolean local = m.startsWith("local");
        requireStandaloneMaster(m);
        SparkLogging.quiet(local); // before the first SparkConf call: that is when Spark looks up this host
        SparkConf conf = new SparkConf(); // reads spark.* system properties, as spark-submit passes them
        conf.setMaster(m);
        conf.setIfMissing("spark.app.name", "copyless sweep");
        if (local) { // driver and executors in this JVM: nothing needs to reach the driver from elsewhere
            conf.setIfMissing("spark.driver.host", "127.0.0.1");
            conf.setIfMissing("spark.driver.bindAddress", "127.0.0.1");
        }
        conf.setIfMissing("spark.log.level", "WARN"); // Spark re-reads its logging setup while the session starts
        conf.setIfMissing("spark.ui.enabled", "false");
        conf.setIfMissing("spark.ui.showConsoleProgress", "false");
        SparkSession s;
        try {
            s = SparkSession.builder().config(conf).getOrCreate();
        } catch (Exception e) { // Spark's own SparkException is a checked exception
            throw new ScenarioException("--master " + m + ": Spark could not start ("
                    + firstLine(e) + "); expected local[N], local[*], spark://HOST:PORT, yarn or k8s://URL");
        }
        SparkLogging.again(); // the session may have loaded Spark's default logging profile
        return new SparkSweepEngine(s);
    }

    /**
     * For {@code spark://HOST:PORT[,HOST:PORT...]}: one of the masters must accept a connection,
     * or the sweep is refused at once in one line (Spark itself would retry for a minute, logging
     * a stack trace each time, before giving up).
     */
    static void requireStandaloneMaster(String master) {
        if (!master.startsWith("spark://")) {
            return;
        }
        List<String> why = new ArrayList<>();
        for (String hp : master.substring("spark://".length()).split(",")) {
            int colon = hp.lastIndexOf(':');
            int port;
            try {
                port = colon < 0 ? 7077 : Integer.parseInt(hp.substring(colon + 1));
            } catch (NumberFormatException e) {
                port = -1;
            }
            String host = colon < 0 ? hp : hp.substring(0, colon);
            if (host.isEmpty() || port < 1 || port > 65_535) {
                throw new ScenarioException("--master " + master + ": expected spark://HOST:PORT (a standalone"
                        + " master, e.g. spark://node1:7077), got '" + hp + "'");
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(host, port), 5_000);
                return;
            } catch (IOException e) {
                why.add(hp + ": " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
            }
        }
        throw new ScenarioException("--master " + master + ": no Spark master answers (" + String.join("; ", why)
                + "); start one ($SPARK_HOME/sbin/start-master.sh) or correct the URL");
    }

    @Override
    public String describe() {
        return "spark " + jsc.sc().master();
    }

    @Override
    public void run(Scenario base, List<SweepPoint> points, Sink sink) throws Exception {
        if (points.isEmpty()) {
            return;
        }
        TraceShipment traces = TraceShipment.of(TraceShipment.tracesOf(base, points));
        List<Object> partitions = new ArrayList<>(points.size());
        for (int i = 0; i < points.size(); i++) {
            partitions.add(i);
        }
        BlockingQueue<Finished> finished = new LinkedBlockingQueue<>();
        Broadcast<Scenario> baseB;
        Broadcast<TraceShipment> tracesB;
        SimpleFutureAction<BoxedUnit> job;
        try {
            baseB = jsc.broadcast(base);
            tracesB = jsc.broadcast(traces);
            JavaRDD<SweepPoint> rdd = jsc.parallelize(points, points.size()); // one partition per point
            jsc.setJobDescription("copyless sweep: " + points.size() + " points");
            jsc.sc().setInterruptOnCancel(true); // a failed sweep stops the points still running
            job = jsc.sc().submitJob(rdd.rdd(), new RunPoint(baseB, tracesB),
                    CollectionConverters.asScala(partitions).toSeq(), new Handler(finished), new Done());
        } catch (IllegalStateException e) { // the context stopped: e.g. the master went away
            throw new ScenarioException("the Spark job could not start (" + firstLine(e) + "); check that --master "
                    + jsc.sc().master() + " is up and reachable from here");
        }
        boolean ok = false;
        try {
            for (int received = 0; received < points.size(); ) {
                Finished f = finished.poll(100, TimeUnit.MILLISECONDS);
                if (f != null) {
                    if (f.outcome().error() != null) {
                        throw f.outcome().error(); // a user's mistake prints as one line; a bug with its stack
                    }
                    sink.accept(points.get(f.partition()), f.outcome().row());
                    received++;
                } else if (job.isCompleted() && finished.isEmpty()) {
                    // every result is handed over before the job completes: this is a failure
                    if (shuttingDown()) { // Ctrl-C: Spark's shutdown hook stopped the job; the sweep's hook says the rest
                        Thread.sleep(Long.MAX_VALUE);
                    }
                    throw failure(job);
                }
            }
            ok = true;
        } finally {
            if (ok) {
                destroyAndWait(baseB);
                destroyAndWait(tracesB);
            } else {
                job.cancel(); // the broadcasts are left to Spark's ContextCleaner (see destroyAndWait)
            }
        }
    }

    /**
     * Destroys a finished sweep's broadcast variable and waits until every block manager has
     * dropped its blocks. The Java-visible {@code destroy()} only sends the removal (non-blocking
     * by default since Spark 3.0, SPARK-26771), and Spark's {@code ContextCleaner}, which has the
     * variable registered too, removes it again once it is garbage: when both removals run at
     * once, the one that loses logs "Asked to remove block broadcast_N, which does not exist" on
     * the sweep's terminal. Waiting, with the variable kept reachable until the removal is done,
     * leaves the cleaner nothing to remove. After a failed sweep nothing is removed here: the
     * cleaner (one removal at a time) or the session's stop does it, and a blocking removal that
     * waits on an executor that is gone ({@code spark.rpc.askTimeout}) cannot replace the sweep's
     * error. {@code destroy(boolean)} is {@code private[spark]} in Scala, public to Java.
     */
    private static void destroyAndWait(Broadcast<?> b) {
        try {
            b.destroy(true);
        } finally {
            Reference.reachabilityFence(b);
        }
    }

    /** Stops the Spark session (its executors, on a cluster) and forgets the traces this JVM resolved. */
    @Override
    public void close() {
        try {
            session.stop();
        } finally {
            TraceShipment.forget();
        }
    }

    /** Whether this JVM is exiting (its shutdown hooks run). */
    private static boolean shuttingDown() {
        Thread probe = new Thread(() -> { });
        try {
            Runtime.getRuntime().addShutdownHook(probe);
            Runtime.getRuntime().removeShutdownHook(probe);
            return false;
        } catch (IllegalStateException e) {
            return true;
        }
    }

    /**
     * The exception a failed job ends with: what the point threw on its executor (Spark carries it
     * back as the cause of its {@code SparkException}) when it is a user's mistake or a bug of
     * ours, else a one-line error with Spark's reason (an executor lost, out of memory...).
     */
    static Exception failure(SimpleFutureAction<BoxedUnit> job) {
        Try<BoxedUnit> t = job.value().get();
        if (!(t instanceof Failure<BoxedUnit> f)) {
            return new IllegalStateException("Spark job ended without every point's result");
        }
        return unwrap(f.exception());
    }

    static Exception unwrap(Throwable spark) {
        for (Throwable c = spark; c != null; c = c.getCause()) {
            if (c instanceof UserError || c instanceof HostOutOfMemoryException) {
                return (RuntimeException) c;
            }
            if (c.getClass().getName().startsWith("dev.copyless.") && c instanceof RuntimeException re) {
                return re; // a bug of ours on an executor: reported as an internal error, with its stack trace
            }
        }
        return new ScenarioException("the Spark job failed: " + firstLine(spark) + " (on a cluster, check the"
                + " executors' logs; a point of a large host needs executor memory: spark.executor.memory, docs/SWEEP.md)");
    }

    private static String firstLine(Throwable e) {
        String m = e.getMessage() == null ? e.toString() : e.getMessage();
        int nl = m.indexOf('\n');
        return (nl < 0 ? m : m.substring(0, nl)).strip();
    }

    /** A finished point: its partition (its index in the points run) and what its task returned. */
    private record Finished(int partition, Outcome outcome) {}

    /**
     * What a task returns: the point's row, or what the point threw. A point's exception is a
     * result, not a task failure, so Spark neither retries a point that would fail the same way
     * again nor logs its stack trace; the driver throws it as the local engine does.
     */
    record Outcome(LinkedHashMap<String, Object> row, RuntimeException error) implements Serializable {
        private static final long serialVersionUID = 1L;
    }

    /** The task: runs a partition's one point on an executor. */
    private static final class RunPoint
            extends AbstractFunction1<Iterator<SweepPoint>, Outcome>
            implements Serializable {
        private static final long serialVersionUID = 1L;
        private final Broadcast<Scenario> base;
        private final Broadcast<TraceShipment> traces;

        RunPoint(Broadcast<Scenario> base, Broadcast<TraceShipment> traces) {
            this.base = base;
            this.traces = traces;
        }

        @Override
        public Outcome apply(Iterator<SweepPoint> it) {
            SweepPoint p = it.next();
            try {
                traces.value().install();
                return new Outcome(p.row(base.value()), null);
            } catch (RuntimeException e) {
                return new Outcome(null, e);
            }
        }
    }

    /** On the driver's scheduler thread: queues each point's row for the thread that runs the sweep. */
    private static final class Handler extends AbstractFunction2<Object, Outcome, BoxedUnit>
            implements Serializable {
        private static final long serialVersionUID = 1L;
        private final transient BlockingQueue<Finished> queue;

        Handler(BlockingQueue<Finished> queue) {
            this.queue = queue;
        }

        @Override
        public BoxedUnit apply(Object partition, Outcome outcome) {
            queue.add(new Finished((Integer) partition, outcome));
            return BoxedUnit.UNIT;
        }
    }

    /** The job's own result: nothing, every row went through the handler. */
    private static final class Done extends AbstractFunction0<BoxedUnit> implements Serializable {
        private static final long serialVersionUID = 1L;

        @Override
        public BoxedUnit apply() {
            return BoxedUnit.UNIT;
        }
    }
}
