package dev.copyless.trace;

import dev.copyless.input.UserError;

/**
 * A user's mistake about a trace: a file that is missing, unreadable, truncated, corrupt or not
 * a copyless trace, a Lackey line that does not parse, a recording that cannot run. The message
 * names the file (and byte or line) and what to do; the CLI prints it on one line and exits 2.
 */
public final class TraceException extends UserError {
    public TraceException(String message) {
        super(message);
    }
}
