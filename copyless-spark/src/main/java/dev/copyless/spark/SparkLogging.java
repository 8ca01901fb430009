package dev.copyless.spark;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.ConsoleAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.DefaultConfiguration;
import org.apache.logging.log4j.core.config.builder.api.ConfigurationBuilder;
import org.apache.logging.log4j.core.config.builder.api.ConfigurationBuilderFactory;
import org.apache.logging.log4j.core.config.builder.impl.BuiltConfiguration;
import org.apache.spark.SparkContext;

/**
 * Keeps Spark's logging (log4j 2) to warnings and errors, on stderr, so that a sweep's terminal
 * shows the sweep: without this, Spark logs dozens of INFO lines per job, and log4j's own default
 * writes to stdout, where the sweep streams its CSV rows. A logging configuration the user gave
 * ({@code -Dlog4j2.configurationFile}, or a {@code log4j2.properties} of a Spark installation on
 * the class path) is left alone; log4j's bare default and Spark's built-in default profile (INFO)
 * are replaced. The configuration is installed in the logger context of Spark's class loader:
 * under spark-submit copyless's classes come from a child class loader, whose own context Spark
 * never logs to.
 */
final class SparkLogging {
    private SparkLogging() {}

    private static final String NAME = "copyless-spark-quiet";
    /** Loggers that warn about nothing a sweep's user can act on. */
    private static final String NATIVE_HADOOP = "org.apache.hadoop.util.NativeCodeLoader"; // Spark uses Java code instead
    /** Warns that this host's name resolves to a loopback address: only a cluster's executors care. */
    private static final String SPARK_UTILS = "org.apache.spark.util.Utils";

    /**
     * Installs the quiet configuration unless the user configured logging (idempotent); with
     * {@code local} (a local master: driver and executors in this JVM) Spark's host-name warning
     * is silenced too. Call it before the first {@code SparkConf}: that is when Spark looks up
     * this host.
     */
    static synchronized void quiet(boolean local) {
        if (System.getProperty("log4j2.configurationFile") != null) {
            return;
        }
        LoggerContext ctx = (LoggerContext) LogManager.getContext(SparkContext.class.getClassLoader(), false);
        Configuration current = ctx.getConfiguration();
        String location = current.getConfigurationSource() == null ? null
                : current.getConfigurationSource().getLocation();
        boolean ours = NAME.equals(current.getName());
        boolean sparkDefault = location != null && location.endsWith("log4j2-defaults.properties");
        if (ours && (!local || current.getLoggers().containsKey(SPARK_UTILS))) {
            return;
        }
        if (!ours && !(current instanceof DefaultConfiguration || sparkDefault)) {
            return; // the user's
        }
        ConfigurationBuilder<BuiltConfiguration> b = ConfigurationBuilderFactory.newConfigurationBuilder();
        b.setConfigurationName(NAME);
        b.add(b.newAppender("stderr", "Console").addAttribute("target", ConsoleAppender.Target.SYSTEM_ERR)
                .add(b.newLayout("PatternLayout").addAttribute("pattern", "spark: %level %c{1}: %m%n")));
        b.add(b.newRootLogger(Level.WARN).add(b.newAppenderRef("stderr")));
        b.add(b.newLogger(NATIVE_HADOOP, Level.ERROR));
        if (local) {
            b.add(b.newLogger(SPARK_UTILS, Level.ERROR));
        }
        ctx.reconfigure(b.build());
    }

    /** {@link #quiet(boolean)} again, keeping what it set (a session may have loaded Spark's default profile meanwhile). */
    static synchronized void again() {
        LoggerContext ctx = (LoggerContext) LogManager.getContext(SparkContext.class.getClassLoader(), false);
        quiet(ctx.getConfiguration().getLoggers().containsKey(SPARK_UTILS));
    }
}
