package dev.copyless.scenario;

import dev.copyless.input.UserError;

/**
 * A user's mistake in a scenario (or a flag that feeds one): the message names the file or
 * key, says what was found and what is expected. The CLI prints it on one line and exits 2.
 */
public final class ScenarioException extends UserError {
    public ScenarioException(String message) {
        super(message);
    }
}
