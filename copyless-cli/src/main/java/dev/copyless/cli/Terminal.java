package dev.copyless.cli;

import java.nio.file.Files;
import java.nio.file.Path;

/** Whether stderr is a terminal: progress bars go there only then (stdout may well be redirected). */
final class Terminal {
    private Terminal() {}

    static boolean stderrIsTerminal() {
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
            // a serial line (/dev/ttyS*: stderr in the copyless test VM) carries no redrawn progress bar
            return target.startsWith("/dev/pts/") || (target.startsWith("/dev/tty") && !target.startsWith("/dev/ttyS"));
        } catch (Exception e) { // not Linux, or no /proc: fall back to the JDK's view of the console
            return System.console() != null && System.console().isTerminal();
        }
    }
}
