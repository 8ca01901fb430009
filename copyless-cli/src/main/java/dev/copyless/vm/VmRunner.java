package dev.copyless.vm;

import java.io.IOException;
import java.io.InputStreamReader;
import java.io.RandomAccessFile;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Boots the test VM once and runs one command in it: writes the run folder (the guest's
 * {@code setup.sh}, a sparse swap image, the console log), starts QEMU ({@link QemuCommand}),
 * streams the command's stdout and stderr as they come, and, after QEMU has exited, reads the
 * exit code the guest wrote to the run folder. That completion marker is the only judge: QEMU
 * exits 0 after a kernel panic too ({@code panic=-1 -no-reboot}). A run without a marker is a
 * {@link VmException#failure} that names the cause it can find (a set-up step, a kernel
 * panic, QEMU's own exit code, the timeout) and where the console log is kept
 * ({@code last-console.log} in the cache). The run folder is removed afterwards, also when the
 * host process is interrupted.
 */
public final class VmRunner {
    private VmRunner() {}

    /** What to run: the VM's shape, the read-only shares, and the command with its environment and folder. */
    public record Run(VmSpec spec, List<Share> shares, Map<String, String> env, String cwd, List<String> command,
                      Duration timeout) {
        public Run {
            shares = List.copyOf(shares);
            env = new LinkedHashMap<>(env);
            command = List.copyOf(command);
        }
    }

    /**
     * Boots, runs, powers off.
     *
     * @return the command's exit code in the guest
     * @throws VmException when the guest did not finish the command
     */
    public static int run(VmAssets.Prepared assets, Run run, Path cache, Writer out, Writer err) {
        Path runs = cache.resolve("runs");
        Path dir;
        try {
            Files.createDirectories(runs);
            dir = Files.createTempDirectory(runs, "run-");
        } catch (IOException e) {
            throw VmException.failure("cannot create a run folder in " + runs + ": " + e.getMessage());
        }
        Process[] qemu = new Process[1];
        Thread cleanup = new Thread(() -> {
            if (qemu[0] != null) {
                qemu[0].destroyForcibly();
            }
            quietDelete(dir);
        }, "copyless-vm-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        try {
            return boot(assets, run, cache, dir, out, err, qemu);
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(cleanup);
            } catch (IllegalStateException e) {
                // the JVM is already shutting down: the hook does the cleanup
            }
            quietDelete(dir);
        }
    }

    private static int boot(VmAssets.Prepared assets, Run run, Path cache, Path dir, Writer out, Writer err, Process[] qemu) {
        Path share = dir.resolve("share");
        Path console = dir.resolve("console.log");
        Path swap = dir.resolve("swap.img");
        Path keptConsole = cache.resolve("last-console.log");
        try {
            Files.createDirectories(share);
            Files.writeString(share.resolve("setup.sh"), GuestScript.setup(run.shares(), run.env(), run.cwd(), run.command()));
            try (RandomAccessFile f = new RandomAccessFile(swap.toFile(), "rw")) {
                f.setLength(run.spec().swapMiB() << 20); // sparse: only what the guest writes takes room
            }
        } catch (IOException e) {
            throw VmException.failure("cannot write the run folder " + dir + ": " + e.getMessage());
        }
        List<Share> all = new ArrayList<>(run.shares());
        all.add(new Share(GuestScript.RUN_TAG, share, GuestScript.RUN_DIR, false));
        List<String> argv = QemuCommand.build(run.spec(), assets.qemu(), assets.vmlinux(), assets.initrd(), swap, console, all);
        Process p;
        try {
            p = new ProcessBuilder(argv).redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
        } catch (IOException e) {
            throw VmException.failure("cannot start " + assets.qemu() + ": " + e.getMessage());
        }
        qemu[0] = p;
        Thread o = pump(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8), out, "copyless-vm-stdout");
        Thread e = pump(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8), err, "copyless-vm-stderr");
        boolean finished;
        try {
            finished = p.waitFor(run.timeout().toMillis(), TimeUnit.MILLISECONDS);
            if (!finished) {
                p.destroy();
                if (!p.waitFor(5, TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor();
                }
            }
            o.join(5000);
            e.join(5000);
        } catch (InterruptedException ex) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw VmException.failure("interrupted; the VM was stopped");
        }
        keepConsole(console, keptConsole);
        if (!finished) {
            throw VmException.failure("the VM did not finish within " + run.timeout().toSeconds() + " s and was stopped;"
                    + " kernel console: " + keptConsole);
        }
        return exitCode(share, console, p.exitValue(), keptConsole);
    }

    /** The guest's exit code from the run folder, or the failure that explains why there is none. */
    static int exitCode(Path share, Path console, int qemuExit, Path keptConsole) {
        Path marker = share.resolve("exit");
        Path error = share.resolve("error");
        try {
            if (Files.exists(error)) {
                throw VmException.failure("the guest could not set up the run: " + Files.readString(error).strip()
                        + "; kernel console: " + keptConsole);
            }
            if (Files.exists(marker)) {
                String s = Files.readString(marker).strip();
                try {
                    return Integer.parseInt(s);
                } catch (NumberFormatException ex) {
                    throw VmException.failure("the guest's completion marker holds '" + s + "', not an exit code; kernel console: "
                            + keptConsole);
                }
            }
            String panic = panicLine(console);
            if (!panic.isEmpty()) {
                throw VmException.failure("the guest kernel died before the command finished (" + panic + "); kernel console: "
                        + keptConsole);
            }
            if (qemuExit != 0) {
                throw VmException.failure("QEMU exited with code " + qemuExit + " before the guest finished (its message is"
                        + " above); kernel console: " + keptConsole);
            }
            throw VmException.failure("the VM powered off without the command finishing (no completion marker); kernel console: "
                    + keptConsole);
        } catch (IOException ex) {
            throw VmException.failure("cannot read the run folder " + share + ": " + ex.getMessage());
        }
    }

    /** The first line of the console that says the kernel panicked or oopsed, or empty. */
    static String panicLine(Path console) throws IOException {
        if (!Files.exists(console)) {
            return "";
        }
        for (String line : Files.readAllLines(console, StandardCharsets.ISO_8859_1)) {
            String l = line.replace("\r", "");
            if (l.contains("Kernel panic") || l.contains("Oops:") || l.contains("BUG:")) {
                return l.replaceFirst("^\\[[ 0-9.]+\\] ", "").strip();
            }
        }
        return "";
    }

    private static void keepConsole(Path console, Path kept) {
        try {
            if (Files.exists(console)) {
                Files.copy(console, kept, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            // diagnostics only
        }
    }

    private static Thread pump(Reader in, Writer out, String name) {
        Thread t = new Thread(() -> {
            char[] buf = new char[8192];
            try (in) {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    synchronized (out) {
                        out.write(buf, 0, n);
                        out.flush();
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static void quietDelete(Path dir) {
        try (var s = Files.walk(dir)) {
            for (Path q : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(q);
            }
        } catch (IOException | UncheckedIOException e) {
            // best effort: a leftover run folder in the cache is harmless
        }
    }
}
