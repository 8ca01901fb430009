package dev.copyless.vm;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/** Runs the host tools {@code copyless vm} prepares the VM with (apt-get, dpkg-deb, tar, zstd, ldd): output captured. */
final class Exec {
    private Exec() {}

    /** What a command did: its exit code, its stdout bytes and its stderr text. */
    record Result(int code, byte[] out, String err) {
        String outText() {
            return new String(out, StandardCharsets.UTF_8);
        }

        /** The last non-blank line of stderr (or stdout), for a one-line error. */
        String lastLine() {
            String t = err.isBlank() ? outText() : err;
            List<String> lines = t.strip().lines().filter(l -> !l.isBlank()).toList();
            return lines.isEmpty() ? "(no output)" : lines.get(lines.size() - 1).strip();
        }
    }

    static Result run(List<String> cmd, Path dir, Map<String, String> env, byte[] stdin) {
        ProcessBuilder pb = new ProcessBuilder(cmd);
        if (dir != null) {
            pb.directory(dir.toFile());
        }
        pb.environment().putAll(env);
        try {
            Process p = pb.start();
            CompletableFuture<byte[]> out = drain(p.getInputStream());
            CompletableFuture<byte[]> err = drain(p.getErrorStream());
            try (var in = p.getOutputStream()) {
                if (stdin != null) {
                    in.write(stdin);
                }
            } catch (IOException e) {
                // the tool did not read all of its input: its exit code says what went wrong
            }
            int code = p.waitFor();
            return new Result(code, out.join(), new String(err.join(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            return new Result(127, new byte[0], "cannot run " + cmd.get(0) + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw VmException.failure("interrupted while running " + cmd.get(0));
        }
    }

    static Result run(List<String> cmd) {
        return run(cmd, null, Map.of(), null);
    }

    /** {@code a | b}, e.g. {@code dpkg-deb --fsys-tarfile X | tar -x}; the result is b's, with a's failure if b succeeded. */
    static Result pipe(List<String> a, List<String> b, Path dir) {
        List<ProcessBuilder> builders = new ArrayList<>();
        for (List<String> c : List.of(a, b)) {
            ProcessBuilder pb = new ProcessBuilder(c);
            if (dir != null) {
                pb.directory(dir.toFile());
            }
            builders.add(pb);
        }
        builders.get(0).redirectError(ProcessBuilder.Redirect.DISCARD);
        try {
            List<Process> ps = ProcessBuilder.startPipeline(builders);
            ps.get(0).getOutputStream().close();
            CompletableFuture<byte[]> out = drain(ps.get(1).getInputStream());
            CompletableFuture<byte[]> err = drain(ps.get(1).getErrorStream());
            int codeB = ps.get(1).waitFor();
            int codeA = ps.get(0).waitFor();
            String e = new String(err.join(), StandardCharsets.UTF_8);
            if (codeB == 0 && codeA != 0) {
                return new Result(codeA, out.join(), a.get(0) + " exited with " + codeA);
            }
            return new Result(codeB, out.join(), e);
        } catch (IOException e) {
            return new Result(127, new byte[0], "cannot run " + a.get(0) + " | " + b.get(0) + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw VmException.failure("interrupted while running " + a.get(0));
        }
    }

    private static CompletableFuture<byte[]> drain(InputStream in) {
        return CompletableFuture.supplyAsync(() -> {
            try (in) {
                ByteArrayOutputStream b = new ByteArrayOutputStream();
                in.transferTo(b);
                return b.toByteArray();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** The first executable {@code name} on PATH or in the usual system folders, or null. */
    static Path which(String name) {
        List<String> dirs = new ArrayList<>();
        String path = System.getenv("PATH");
        if (path != null) {
            dirs.addAll(List.of(path.split(":")));
        }
        dirs.addAll(List.of("/usr/local/bin", "/usr/bin", "/bin", "/usr/sbin", "/sbin"));
        for (String d : dirs) {
            if (d.isEmpty()) {
                continue;
            }
            Path p = Path.of(d, name);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }
}
