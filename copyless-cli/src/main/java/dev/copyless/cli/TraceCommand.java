package dev.copyless.cli;

import dev.copyless.scenario.Units;
import dev.copyless.trace.TraceFormat;
import dev.copyless.trace.TraceInfo;
import dev.copyless.trace.TraceReader;
import dev.copyless.trace.ValgrindRecorder;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code copyless trace}: record a real program's memory accesses under Valgrind Lackey into a
 * compact trace file ({@code record}), and summarise a trace file ({@code info}). A trace is
 * replayed with {@code run --trace FILE} or {@code compare --trace FILE}, or by a scenario task
 * with {@code pattern: trace}.
 */
@Command(name = "trace", mixinStandardHelpOptions = true,
        description = {"Record a program's memory accesses (Valgrind Lackey) into a trace file, or summarise one.",
                "Replay a trace with 'copyless compare --trace FILE' (or run), or a scenario task with pattern: trace."},
        subcommands = {TraceCommand.Record.class, TraceCommand.Info.class})
final class TraceCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    /** No subcommand: the usage on stderr, exit code 2. */
    @Override
    public Integer call() {
        return CopylessCommand.usageError(spec);
    }

    /** {@code copyless trace record -o FILE [--valgrind PATH] -- CMD ARGS...}. */
    @Command(name = "record", mixinStandardHelpOptions = true,
            description = {"Record CMD ARGS's memory accesses under Valgrind Lackey into FILE.",
                    "Runs CMD under valgrind --tool=lackey --trace-mem=yes and converts its accesses while it runs (the"
                            + " text trace is never stored). The program keeps its own stdin, stdout and stderr."
                            + " Valgrind is slow (tens of times); trace a small run.",
                    "Example: copyless trace record -o sort.cltrace -- sort -o /dev/null big.txt"})
    static final class Record implements Callable<Integer> {
        @Option(names = {"-o", "--output"}, required = true, paramLabel = "FILE",
                description = "Trace file to write (replaced atomically; nothing is left behind on failure).")
        Path output;

        @Option(names = "--valgrind", paramLabel = "PATH", description = "The valgrind executable (default: on PATH).")
        Path valgrind;

        @Parameters(arity = "1..*", paramLabel = "CMD", description = "The command and its arguments, after --.")
        List<String> command;

        @picocli.CommandLine.Mixin
        ProgressOption progressOption;

        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter err = spec.commandLine().getErr();
            long start = System.nanoTime();
            TraceInfo info;
            try (Progress progress = Progress.on(err, progressOption.progress)) {
                info = ValgrindRecorder.record(valgrind, command, output, progress::println,
                        (accesses, pages) -> progress.update(String.format(Locale.ROOT,
                                "recording: %,d page accesses, %,d pages so far (%s)", accesses, pages,
                                Progress.duration(progress.elapsedNs() / 1_000_000_000L))));
            }
            PrintWriter out = spec.commandLine().getOut();
            out.printf(Locale.ROOT, "recorded %s in %.1f s%n", String.join(" ", command),
                    (System.nanoTime() - start) / 1e9);
            summary(out, info);
            return 0;
        }
    }

    /** {@code copyless trace info FILE}. */
    @Command(name = "info", mixinStandardHelpOptions = true,
            description = "Check a trace file (checksum and structure) and print its summary.")
    static final class Info implements Callable<Integer> {
        @Parameters(arity = "1", paramLabel = "FILE", description = "The trace file.")
        Path file;

        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            summary(spec.commandLine().getOut(), TraceReader.read(file, null));
            return 0;
        }
    }

    /** The summary that {@code trace info} and {@code trace record} print. */
    static void summary(PrintWriter out, TraceInfo t) {
        out.printf(Locale.ROOT, "trace         %s (copyless trace format v%d, %s bytes)%n", t.file(), t.version(),
                n(t.fileBytes()));
        out.printf(Locale.ROOT, "accesses      %s page accesses (loads %s, stores %s, modifies %s)%n", n(t.accesses()),
                n(t.loads()), n(t.stores()), n(t.modifies()));
        out.printf(Locale.ROOT, "instructions  %s%n", n(t.instructions()));
        out.printf(Locale.ROOT, "pages         %s distinct 4 KiB pages, virtual pages 0x%x..0x%x%n", n(t.pages()),
                t.minVpn(), t.maxVpn());
        out.printf(Locale.ROOT, "footprint     %s (%s)%n", mib(t.footprintBytes()), Units.size(t.pages()));
        out.printf(Locale.ROOT, "threads       %d%n", t.threads().size());
        out.printf(Locale.ROOT, "%n%-8s %12s %16s %16s %10s %12s%n", "thread", "valgrind-tid", "accesses", "instructions",
                "pages", "footprint");
        for (TraceInfo.Thread th : t.threads()) {
            out.printf(Locale.ROOT, "%-8d %12d %16s %16s %10s %12s%n", th.index(), th.sourceTid(), n(th.accesses()),
                    n(th.instructions()), n(th.pages()), mib(th.pages() * TraceFormat.PAGE_SIZE));
        }
        out.flush();
    }

    private static String n(long v) {
        return String.format(Locale.ROOT, "%,d", v);
    }

    private static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.2f MiB", bytes / (double) (1 << 20));
    }
}
