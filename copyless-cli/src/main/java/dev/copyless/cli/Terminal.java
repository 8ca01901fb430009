package dev.copyless.cli;

import java.nio.file.Files;
import java.nio.file.Path;

/** Whether stderr or stdout is a terminal: progress goes to stderr only then (or with --progress). */
final class Terminal {
    private Terminal() {}

    static boolean stderrIsTerminal() {
        return isTerminal(2);
    }

    /** Whether stdout is a terminal (then a sweep's CSV rows stay in results.csv). */
    static boolean stdoutIsTerminal() {
        return isTerminal(1);
    }

    private static boolean isTerminal(int fd) {
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString();
            // a serial line (/dev/ttyS*: stderr in the copyless test VM) carries no redrawn progress line
            return target.startsWith("/dev/pts/") || (target.startsWith("/dev/tty") && !target.startsWith("/dev/ttyS"));
        } catch (Exception e) { // not Linux, or no /proc: fall back to the JDK's view of the console
            return System.console() != null && System.console().isTerminal();
        }
    }
}
