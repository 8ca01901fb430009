package dev.copyless.spark;

import dev.copyless.cli.CopylessCommand;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * The main class of {@code copyless-spark-submit.jar}: {@code spark-submit --class
 * dev.copyless.spark.SparkSubmitMain copyless-spark-submit.jar --grid G --out DIR [--resume]}
 * runs {@code copyless sweep --engine spark} with spark-submit's master and configuration
 * (docs/SWEEP.md). The arguments are the sweep command's; {@code --engine} defaults to
 * {@code spark}, and {@code --master} is best left to spark-submit.
 */
public final class SparkSubmitMain {
    private SparkSubmitMain() {}

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** The exit code of {@code copyless sweep ARGS} on the Spark engine. */
    static int run(String[] args, PrintWriter out, PrintWriter err) {
        List<String> a = new ArrayList<>(List.of("sweep"));
        boolean engine = false;
        for (String s : args) {
            engine |= s.equals("--engine") || s.startsWith("--engine=");
        }
        if (!engine) {
            a.addAll(List.of("--engine", "spark"));
        }
        a.addAll(List.of(args));
        return CopylessCommand.execute(a.toArray(String[]::new), out, err);
    }
}
