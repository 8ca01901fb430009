package dev.copyless.spark;

import java.io.IOException;
import java.lang.module.ModuleFinder;
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
 * worker give every JVM they start, less two kinds of flag that only make the JVM print a warning
 * at every start: {@code --add-opens} of a package this JDK does not have (JDK 25 has no
 * {@code sun.security.action}), and {@code --add-modules=jdk.incubator.vector}, which no class on
 * the engine's class path uses (only Spark's MLlib does). Run at build time
 * ({@code target/spark-jvm.args}); the module's tests and {@code ./copyless sweep --engine spark}
 * start their JVMs with it.
 */
public final class SparkJvmArgs {
    private SparkJvmArgs() {}

    /** The flags, in Spark's order. */
    static List<String> flags() {
        List<String> out = new ArrayList<>();
        for (String f : JavaModuleOptions.defaultModuleOptionArray()) {
            if (!f.equals("--add-modules=jdk.incubator.vector") && !(f.startsWith("--add-opens=") && !opensHere(f))) {
                out.add(f);
            }
        }
        return out;
    }

    /** Whether {@code --add-opens=MODULE/PACKAGE=...} names a package this JDK's module has. */
    static boolean opensHere(String flag) {
        int from = "--add-opens=".length();
        String target = flag.substring(from, flag.indexOf('=', from));
        int slash = target.indexOf('/');
        return ModuleFinder.ofSystem().find(target.substring(0, slash))
                .map(m -> m.descriptor().packages().contains(target.substring(slash + 1))).orElse(false);
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
