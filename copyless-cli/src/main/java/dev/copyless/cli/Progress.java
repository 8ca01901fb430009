package dev.copyless.cli;

import java.io.PrintWriter;
import java.util.Locale;

/**
 * Progress of long work on stderr, never on stdout (which may be a pipe of results): shown when
 * stderr is a terminal, or when the user asks with {@code --progress}. On a terminal one line is
 * rewritten in place (at most four times a second) and cleared at the end; otherwise a full
 * line is printed at most once a second, and once more at the end, so logs stay readable.
 */
final class Progress implements AutoCloseable {
    private static final Progress OFF = new Progress(null, false, false);

    private final PrintWriter err;
    private final boolean enabled;
    private final boolean terminal;
    private final long start = System.nanoTime();
    private long lastShown = Long.MIN_VALUE;
    private String last = "";
    private String shown = "";
    private int shownWidth;

    private Progress(PrintWriter err, boolean enabled, boolean terminal) {
        this.err = err;
        this.enabled = enabled;
        this.terminal = terminal;
    }

    /** Progress on {@code err}: on when stderr is a terminal or {@code forced}; notes go to {@code err} either way. */
    static Progress on(PrintWriter err, boolean forced) {
        boolean tty = Terminal.stderrIsTerminal();
        return new Progress(err, tty || forced, tty);
    }

    /** No progress and no notes at all. */
    static Progress off() {
        return OFF;
    }

    boolean enabled() {
        return enabled;
    }

    /** Wall time since this progress started (also when it shows nothing). */
    long elapsedNs() {
        return System.nanoTime() - start;
    }

    /** Shows {@code text} if enough time passed since the last line (thread-safe). */
    synchronized void update(String text) {
        if (!enabled) {
            return;
        }
        last = text;
        long now = System.nanoTime();
        long gap = terminal ? 250_000_000L : 1_000_000_000L;
        if (lastShown != Long.MIN_VALUE && now - lastShown < gap) {
            return;
        }
        lastShown = now;
        show(text);
    }

    private void show(String text) {
        shown = text;
        if (terminal) {
            String pad = text.length() < shownWidth ? " ".repeat(shownWidth - text.length()) : "";
            err.print("\r" + text + pad);
            shownWidth = text.length();
        } else {
            err.println(text);
        }
        err.flush();
    }

    /**
     * Prints {@code line} as a line of its own (a note, a warning) without tearing the progress
     * line; the progress line comes back with the next update.
     */
    synchronized void println(String line) {
        if (err == null) {
            return;
        }
        if (enabled && terminal && shownWidth > 0) {
            err.print("\r" + " ".repeat(shownWidth) + "\r");
            shownWidth = 0;
        }
        err.println(line);
        err.flush();
    }

    /** Ends the progress: on a terminal the line is cleared; otherwise the last state is printed, if not yet shown. */
    @Override
    public synchronized void close() {
        if (!enabled) {
            return;
        }
        if (terminal) {
            if (shownWidth > 0) {
                err.print("\r" + " ".repeat(shownWidth) + "\r");
                err.flush();
            }
        } else if (!last.isEmpty() && lastShown != Long.MIN_VALUE && !last.equals(shown)) {
            err.println(last);
            err.flush();
        }
        shownWidth = 0;
    }

    /** "about 3 min 20 s left" from the wall time spent on {@code fraction} of the work, or "" before 1% and 1 s. */
    static String left(long elapsedNs, double fraction) {
        if (!(fraction >= 0.01) || fraction >= 1 || elapsedNs < 1_000_000_000L) {
            return "";
        }
        long s = Math.round(elapsedNs / 1e9 * (1 - fraction) / fraction);
        return "about " + duration(s) + " left";
    }

    /** "45 s", "3 min 20 s", "2 h 5 min". */
    static String duration(long seconds) {
        if (seconds < 60) {
            return seconds + " s";
        }
        if (seconds < 3600) {
            return String.format(Locale.ROOT, "%d min %d s", seconds / 60, seconds % 60);
        }
        if (seconds < 100L * 3600) {
            return String.format(Locale.ROOT, "%d h %d min", seconds / 3600, seconds % 3600 / 60);
        }
        return String.format(Locale.ROOT, "%,d days", seconds / 86400);
    }
}
