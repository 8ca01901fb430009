package dev.copyless.trace;

import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * {@code copyless trace record}: runs a command under Valgrind Lackey and converts its memory
 * trace into a trace file while it runs. Lackey writes its trace to Valgrind's log, which goes
 * to a named pipe ({@code mkfifo}) that this class reads concurrently: the text trace is never
 * stored, on disk or in memory, and the program's own stdin, stdout and stderr stay its own.
 *
 * <p>Valgrind runs with {@code --tool=lackey --trace-mem=yes --basic-counts=no
 * --trace-sched=yes}: the scheduler trace tells which thread each access belongs to (see
 * {@link LackeyParser}). Child processes are not traced ({@code --trace-children=no}, Valgrind's
 * default): a script is traced as its interpreter only.
 *
 * <p>User errors ({@link TraceException}, one line): Valgrind not installed, a command that
 * cannot start, an output path that cannot be written (checked before anything runs), a
 * command that exits with a non-zero status. In every error case the partial trace is deleted.
 */
public final class ValgrindRecorder {
    private ValgrindRecorder() {}

    /** The Valgrind options used, before the command. */
    public static final List<String> VALGRIND_OPTIONS = List.of("--tool=lackey", "--trace-mem=yes",
            "--basic-counts=no", "--trace-sched=yes");

    /**
     * Records {@code command} into the trace file {@code out}.
     *
     * @param valgrind the valgrind executable, or null to find it on PATH
     * @param note     receives one-line notes for the user (for example that the command is a script)
     */
    public static TraceInfo record(Path valgrind, List<String> command, Path out, Consumer<String> note) {
        if (command.isEmpty()) {
            throw new TraceException("trace record: expected a command after --, e.g. copyless trace record -o t"
                    + TraceFormat.EXTENSION + " -- sort big.txt");
        }
        String path = System.getenv("PATH");
        Path vg = findValgrind(valgrind, path);
        Path exe = findCommand(command.get(0), path);
        if (isScript(exe)) {
            note.accept("note: " + command.get(0) + " is a script; valgrind traces its interpreter, not the programs"
                    + " it starts (give the program itself to trace it)");
        }
        TraceWriter writer = TraceWriter.create(out); // an unwritable output fails here, before anything runs
        Path dir = null;
        Path fifo = null;
        Process p = null;
        try (writer) {
            dir = Files.createTempDirectory("copyless-lackey-");
            fifo = dir.resolve("lackey.fifo");
            dir.toFile().deleteOnExit(); // on Ctrl-C too; deleted after the pipe (reverse order)
            fifo.toFile().deleteOnExit();
            mkfifo(fifo);
            List<String> argv = new ArrayList<>();
            argv.add(vg.toString());
            argv.addAll(VALGRIND_OPTIONS);
            argv.add("--log-file=" + fifo);
            argv.add(exe.toString());
            argv.addAll(command.subList(1, command.size()));
            try {
                p = new ProcessBuilder(argv).inheritIO().start();
            } catch (IOException e) {
                throw new TraceException("trace record: cannot start " + vg + ": " + e.getMessage());
            }
            AtomicBoolean opened = new AtomicBoolean();
            Process proc = p;
            Path pipe = fifo;
            // If valgrind exits without ever opening the pipe (the command could not start), the
            // reader below would wait forever in open(): open the write end once to release it.
            Thread.ofPlatform().daemon().name("copyless-lackey-unblock").start(() -> {
                try {
                    proc.waitFor();
                } catch (InterruptedException e) {
                    return;
                }
                if (!opened.get()) {
                    try (FileOutputStream release = new FileOutputStream(pipe.toFile())) {
                        release.flush();
                    } catch (IOException e) {
                        // the reader is gone already
                    }
                }
            });
            LackeyConverter converter = new LackeyConverter(writer);
            try (InputStream in = new FileInputStream(fifo.toFile())) {
                opened.set(true);
                LackeyParser.parse(in, "valgrind output", converter);
            }
            int rc = p.waitFor();
            if (rc != 0) {
                throw new TraceException(command.get(0) + " exited with status " + rc + " under valgrind"
                        + (rc == 126 || rc == 127 ? " (it could not be started)" : "") + "; no trace written");
            }
            return converter.finish();
        } catch (IOException e) {
            throw new TraceException("trace record: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TraceException("trace record: interrupted; no trace written");
        } finally {
            if (p != null && p.isAlive()) {
                p.destroyForcibly();
            }
            try {
                if (fifo != null) {
                    Files.deleteIfExists(fifo);
                }
                if (dir != null) {
                    Files.deleteIfExists(dir);
                }
            } catch (IOException e) {
                // a leftover empty temp directory is harmless
            }
        }
    }

    /** The valgrind executable: {@code given}, or the first on {@code path}. */
    static Path findValgrind(Path given, String path) {
        if (given != null) {
            if (!Files.isRegularFile(given) || !Files.isExecutable(given)) {
                throw new TraceException("--valgrind: " + given + " is not an executable file");
            }
            return given;
        }
        Path found = onPath("valgrind", path);
        if (found == null) {
            throw new TraceException("valgrind is not installed: install it (apt-get install valgrind) or give its"
                    + " path with --valgrind PATH");
        }
        return found;
    }

    /** The executable a command name runs: a path, or the first match on {@code path}. */
    static Path findCommand(String name, String path) {
        if (name.contains("/")) {
            Path p = Path.of(name);
            if (!Files.exists(p)) {
                throw new TraceException(name + ": no such file; cannot start the command");
            }
            if (!Files.isRegularFile(p) || !Files.isExecutable(p)) {
                throw new TraceException(name + ": not an executable file; cannot start the command");
            }
            return p;
        }
        Path found = onPath(name, path);
        if (found == null) {
            throw new TraceException(name + ": command not found (not on PATH); cannot start the command");
        }
        return found;
    }

    private static Path onPath(String name, String path) {
        if (path == null) {
            return null;
        }
        for (String d : path.split(":")) {
            Path p = Path.of(d.isEmpty() ? "." : d).resolve(name);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    private static boolean isScript(Path exe) {
        try (InputStream in = Files.newInputStream(exe)) {
            return in.read() == '#' && in.read() == '!';
        } catch (IOException e) {
            return false;
        }
    }

    private static void mkfifo(Path fifo) throws IOException, InterruptedException {
        Process m;
        try {
            m = new ProcessBuilder("mkfifo", "-m", "600", fifo.toString()).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new TraceException("trace record: cannot run mkfifo (coreutils) to create a pipe for valgrind's"
                    + " output: " + e.getMessage());
        }
        String msg = new String(m.getInputStream().readAllBytes()).trim();
        if (m.waitFor() != 0) {
            throw new TraceException("trace record: mkfifo " + fifo + " failed: " + msg);
        }
    }
}
