package dev.copyless.spark;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.launcher.JavaModuleOptions;

/**
 * Writes the JVM flags a Spark driver needs on this JDK as a java {@code @argfile}, one flag a
 * line: Spark's own list ({@link JavaModuleOptions}: the {@code --add-opens} its serializers and
 * Netty need, {@code --enable-native-access=ALL-UNNAMED}, ...), which spark-submit and Spark's
 * worker give every JVM they start. Run at build time ({@code target/spark-jvm.args}); the
 * module's tests and {@code ./copyless sweep --engine spark} start their JVMs with it.
 */
public final class SparkJvmArgs {
    private SparkJvmArgs() {}

    /** The flags, in Spark's order. */
    static List<String> flags() {
        return new ArrayList<>(List.of(JavaModuleOptions.defaultModuleOptionArray()));
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            throw new IllegalArgumentException("usage: SparkJvmArgs OUTPUT_FILE");
        }
        Path out = Path.of(args[0]);
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.write(out, flags(), StandardCharsets.UTF_8);
    }
}
