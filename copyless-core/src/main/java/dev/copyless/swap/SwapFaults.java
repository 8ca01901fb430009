package dev.copyless.swap;

import dev.copyless.host.PageContent;

/**
 * The swap fault injector: decides, I/O by I/O, whether a swap read or write fails, tears or
 * is slow, from its own seeded random stream (SplitMix64), so that a run stays a pure function
 * of (scenario, policy) and faults do not shift the workload's random numbers. A rate of 0
 * draws nothing: a scenario without faults runs exactly as before.
 *
 * <p>The host calls it from {@code swap_writepage} and {@code swap_read_folio}; what a fault
 * does to the page (stays resident, retried, lost) is the host's business
 * ({@link dev.copyless.kernel.SimulatedHost}).
 */
public final class SwapFaults {
    /** Reads retried after a failed swap read before the page is given up as lost. */
    public static final int MAX_READ_RETRIES = 3;
    /** Write attempts of one page whose torn writes are caught at completion before the write counts as failed. */
    public static final int MAX_WRITE_ATTEMPTS = 3;

    private final FaultConfig config;
    private final boolean enabled;
    private long state;

    public SwapFaults(FaultConfig config) {
        this.config = config;
        this.enabled = config.enabled();
        this.state = config.seed();
    }

    public FaultConfig config() {
        return config;
    }

    /** Whether any fault can happen (if not, the host skips every call). */
    public boolean enabled() {
        return enabled;
    }

    private double next() {
        long z = (state += 0x9E3779B97F4A7C15L);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z ^= z >>> 31;
        return (z >>> 11) * 0x1.0p-53;
    }

    private boolean draw(double rate) {
        return rate > 0 && next() < rate;
    }

    /** This swap read fails ({@code EIO}). */
    public boolean readError() {
        return draw(config.swapReadErrorRate());
    }

    /** The read error just drawn is persistent: the slot cannot be read at all. */
    public boolean readErrorPersistent() {
        return draw(config.swapReadErrorPersistentRate());
    }

    /** This swap write fails ({@code EIO}). */
    public boolean writeError() {
        return draw(config.swapWriteErrorRate());
    }

    /** This swap write tears. */
    public boolean tornWrite() {
        return draw(config.tornWriteRate());
    }

    /** How many bytes of a torn write reach the device: 0 to 7 whole 512-byte sectors. */
    public int tornBytes() {
        return (int) (next() * (PageContent.PAGE / 512)) * 512;
    }

    /** The torn write just drawn is acknowledged as complete (not caught at completion). */
    public boolean tornWriteSilent() {
        return draw(config.tornWriteSilentRate());
    }

    /** Extra nanoseconds of this I/O: {@code slow-io-ns} with probability {@code slow-io-rate}, else 0. */
    public long slowIoNs() {
        return config.slowIoNs() > 0 && draw(config.slowIoRate()) ? config.slowIoNs() : 0;
    }
}
