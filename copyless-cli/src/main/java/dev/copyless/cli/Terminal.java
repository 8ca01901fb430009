package dev.copyless.cli;

import java.nio.file.Files;
import java.nio.file.Path;

/** Whether stderr is a terminal: progress bars go there only then (stdout may well be redirected). */
final class Terminal {
    private Terminal() {}

    static boolean stderrIsTerminal() {
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
        } catch (Exception e) { // not Linux, or no /proc: fall back to the JDK's view of the console
            return System.console() != null && System.console().isTerminal();
        }
    }
}
