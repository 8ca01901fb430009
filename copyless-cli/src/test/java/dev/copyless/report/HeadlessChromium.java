package dev.copyless.report;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Test helper: opens a local HTML file in Debian's headless Chromium ({@code /usr/bin/chromium})
 * with a fresh profile and every background network feature off, either dumping the DOM after
 * load or saving a screenshot. Each launch is bounded by a timeout, after which Chromium and its
 * child processes are killed.
 */
final class HeadlessChromium {
    static final Path BINARY = Path.of("/usr/bin/chromium");
    static final long TIMEOUT_SECONDS = 60;

    /** What one Chromium launch left: its stdout (the DOM for --dump-dom) and its stderr log. */
    record Launch(boolean finished, int exitCode, String stdout, String stderr) {
        /**
         * Log lines that report a page error. Chromium logs every console message at INFO level
         * ({@code INFO:CONSOLE}), so errors are recognised by their text: an uncaught exception,
         * a failed load, or an error message.
         */
        List<String> consoleErrors() {
            List<String> bad = new ArrayList<>();
            for (String line : stderr.split("\n")) {
                String l = line.toLowerCase(Locale.ROOT);
                boolean console = line.contains(":CONSOLE");
                if (line.contains("Uncaught")
                        || console && (l.contains("error") || l.contains("failed to load") || l.contains("refused"))) {
                    bad.add(line);
                }
            }
            return bad;
        }
    }

    private HeadlessChromium() {}

    static boolean available() {
        return Files.isExecutable(BINARY);
    }

    /** Loads the page, lets it finish (including its load handlers) and returns the serialised DOM. */
    static Launch dumpDom(Path html) {
        return launch(html, List.of("--virtual-time-budget=5000", "--dump-dom"));
    }

    /** Saves a screenshot of the page at the given window size. */
    static Launch screenshot(Path html, Path png, int width, int height) {
        return launch(html, List.of("--hide-scrollbars", "--virtual-time-budget=5000", "--window-size=" + width + "," + height,
                "--screenshot=" + png.toAbsolutePath()));
    }

    private static Launch launch(Path html, List<String> extra) {
        Path profile = null;
        Path out = null;
        Path err = null;
        Process p = null;
        try {
            profile = Files.createTempDirectory("copyless-chromium-profile-");
            out = Files.createTempFile("copyless-chromium-", ".out");
            err = Files.createTempFile("copyless-chromium-", ".err");
            List<String> cmd = new ArrayList<>(List.of(BINARY.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                    "--disable-quic", "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--disable-extensions",
                    "--user-data-dir=" + profile, "--enable-logging=stderr", "--v=0"));
            cmd.addAll(extra);
            cmd.add(html.toAbsolutePath().toUri().toString());
            p = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            boolean finished = p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            if (!finished) {
                kill(p);
            }
            return new Launch(finished, finished ? p.exitValue() : -1, Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for chromium", e);
        } finally {
            if (p != null && p.isAlive()) {
                kill(p);
            }
            deleteQuietly(profile);
            deleteQuietly(out);
            deleteQuietly(err);
        }
    }

    private static void kill(Process p) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        try {
            p.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void deleteQuietly(Path path) {
        if (path == null || !Files.exists(path)) {
            return;
        }
        try (Stream<Path> s = Files.walk(path)) {
            s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            // a profile file Chromium still held: the temp dir is cleaned up by the OS
        }
    }

    /** The value of an attribute of the dumped {@code <body>} tag, or null. */
    static String bodyAttribute(String dom, String name) {
        Matcher body = Pattern.compile("<body([^>]*)>").matcher(dom);
        if (!body.find()) {
            return null;
        }
        Matcher a = Pattern.compile("\\b" + Pattern.quote(name) + "=\"([^\"]*)\"").matcher(body.group(1));
        return a.find() ? a.group(1) : null;
    }

    /** The text of {@code <pre id="console-errors">}, or null when the element is missing. */
    static String consoleErrorsElement(String dom) {
        Matcher m = Pattern.compile("<pre id=\"console-errors\"[^>]*>(.*?)</pre>", Pattern.DOTALL).matcher(dom);
        return m.find() ? m.group(1) : null;
    }
}
