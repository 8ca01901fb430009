package dev.copyless.input;

/**
 * A mistake in what the user gave copyless (a scenario, a trace, a grid, a flag, an output
 * path): the message is one line that names the file or key, says what is wrong and what to
 * do. The CLI prints it after one prefix and exits with status 2, with no stack trace; nothing
 * was changed. Each input kind has its own subclass ({@code ScenarioException},
 * {@code TraceException}).
 */
public class UserError extends RuntimeException {
    public UserError(String message) {
        super(message);
    }

    public UserError(String message, Throwable cause) {
        super(message, cause);
    }
}
