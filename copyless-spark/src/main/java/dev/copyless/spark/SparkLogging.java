package dev.copyless.spark;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.ConsoleAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.Configurator;
import org.apache.logging.log4j.core.config.DefaultConfiguration;
import org.apache.logging.log4j.core.config.builder.api.ConfigurationBuilder;
import org.apache.logging.log4j.core.config.builder.api.ConfigurationBuilderFactory;
import org.apache.logging.log4j.core.config.builder.impl.BuiltConfiguration;

/**
 * Keeps Spark's logging (log4j 2) to warnings and errors, on stderr, so that a sweep's terminal
 * shows the sweep: without this, Spark logs dozens of INFO lines per job, and log4j's own default
 * writes to stdout, where the sweep streams its CSV rows. A logging configuration the user gave
 * ({@code -Dlog4j2.configurationFile}, or a {@code log4j2.properties} of a Spark installation on
 * the class path) is left alone; Spark's built-in default profile (INFO) is replaced.
 */
final class SparkLogging {
    private SparkLogging() {}

    /** Loggers that warn about nothing a sweep's user can act on. */
    private static final String[] ERRORS_ONLY = {
        "org.apache.hadoop.util.NativeCodeLoader", // "Unable to load native-hadoop library": Spark uses Java code instead
    };

    /** Installs the quiet configuration unless the user configured logging (idempotent). */
    static synchronized void quiet() {
        if (System.getProperty("log4j2.configurationFile") != null) {
            return;
        }
        LoggerContext ctx = (LoggerContext) LogManager.getContext(false);
        Configuration current = ctx.getConfiguration();
        String location = current.getConfigurationSource() == null ? null
                : current.getConfigurationSource().getLocation();
        boolean ours = NAME.equals(current.getName());
        boolean sparkDefault = location != null && location.endsWith("log4j2-defaults.properties");
        if (ours || !(current instanceof DefaultConfiguration || sparkDefault)) {
            return;
        }
        ConfigurationBuilder<BuiltConfiguration> b = ConfigurationBuilderFactory.newConfigurationBuilder();
        b.setConfigurationName(NAME);
        b.add(b.newAppender("stderr", "Console").addAttribute("target", ConsoleAppender.Target.SYSTEM_ERR)
                .add(b.newLayout("PatternLayout").addAttribute("pattern", "spark: %level %c{1}: %m%n")));
        b.add(b.newRootLogger(Level.WARN).add(b.newAppenderRef("stderr")));
        for (String l : ERRORS_ONLY) {
            b.add(b.newLogger(l, Level.ERROR));
        }
        Configurator.reconfigure(b.build());
    }

    /**
     * With a local master (driver and executor in this JVM): also silences Spark's {@code Utils}
     * warning that this host's name resolves to a loopback address, which matters only to a
     * cluster's executors reaching the driver. Only when {@link #quiet()} configured the logging.
     */
    static synchronized void quietLocal() {
        LoggerContext ctx = (LoggerContext) LogManager.getContext(false);
        if (NAME.equals(ctx.getConfiguration().getName())) {
            Configurator.setLevel("org.apache.spark.util.Utils", Level.ERROR);
        }
    }

    private static final String NAME = "copyless-spark-quiet";
}
