package dev.copyless.host;

/**
 * The simulated host could not find a frame on a node even after direct reclaim (every
 * frame is unreclaimable or swap is full): the end of a run, reported to the user with the
 * node and what to change, like the kernel's OOM report.
 */
public final class HostOutOfMemoryException extends RuntimeException {
    public HostOutOfMemoryException(String message) {
        super(message);
    }
}
