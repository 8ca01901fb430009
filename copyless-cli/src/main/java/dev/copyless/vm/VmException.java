package dev.copyless.vm;

/**
 * Why {@code copyless vm} could not run the command: a one-line message for the user and the
 * exit code to leave with ({@link #USAGE} for a mistake in the flags or a missing package the
 * user must install, {@link #FAILURE} for a boot or a guest that failed). Never a stack trace.
 */
public final class VmException extends RuntimeException {
    /** A user's mistake, or something the user must install or change first. */
    public static final int USAGE = 2;
    /** The VM did not boot, or the guest stopped before the command finished. */
    public static final int FAILURE = 1;

    private final int exitCode;

    public VmException(String message, int exitCode) {
        super(message);
        this.exitCode = exitCode;
    }

    public static VmException usage(String message) {
        return new VmException(message, USAGE);
    }

    public static VmException failure(String message) {
        return new VmException(message, FAILURE);
    }

    public int exitCode() {
        return exitCode;
    }
}
