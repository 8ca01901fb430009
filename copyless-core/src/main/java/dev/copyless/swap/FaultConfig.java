package dev.copyless.swap;

/**
 * What the swap fault injector ({@link SwapFaults}) injects: the scenario's {@code faults:}
 * section. Every rate is a probability per I/O (or per fault, for the two conditional rates) in
 * 0..1; all default to 0, which injects nothing and draws no random number.
 *
 * @param seed                       seed of the injector's own random stream
 * @param swapReadErrorRate          a swap read fails with {@code EIO}
 * @param swapReadErrorPersistentRate a read error is persistent (a bad sector: every retry fails and the page is lost)
 * @param swapWriteErrorRate         a swap write fails with {@code EIO} ({@code swap_writepage} error: the page stays resident)
 * @param tornWriteRate              only part of a swap write reaches the device
 * @param tornWriteSilentRate        a torn write is acknowledged as complete, so only the read-time checksum finds it
 * @param slowIoRate                 a swap I/O takes {@code slowIoNs} longer
 * @param slowIoNs                   the extra time of a slow I/O
 */
public record FaultConfig(long seed, double swapReadErrorRate, double swapReadErrorPersistentRate,
                          double swapWriteErrorRate, double tornWriteRate, double tornWriteSilentRate,
                          double slowIoRate, long slowIoNs) implements java.io.Serializable {
    /** No faults. */
    public static final FaultConfig NONE = new FaultConfig(0, 0, 0, 0, 0, 0, 0, 0);

    public FaultConfig {
        check("swap-read-error-rate", swapReadErrorRate);
        check("swap-read-error-persistent-rate", swapReadErrorPersistentRate);
        check("swap-write-error-rate", swapWriteErrorRate);
        check("torn-write-rate", tornWriteRate);
        check("torn-write-silent-rate", tornWriteSilentRate);
        check("slow-io-rate", slowIoRate);
        if (slowIoNs < 0) {
            throw new IllegalArgumentException("slow-io-ns must be >= 0, got " + slowIoNs);
        }
    }

    private static void check(String name, double rate) {
        if (!(rate >= 0 && rate <= 1)) {
            throw new IllegalArgumentException(name + " must be in 0..1, got " + rate);
        }
    }

    /**
     * Whether a fault can destroy a page's only copy: a persistent read error (a bad sector) or
     * a torn write the device acknowledged as whole. The other faults cost time or a retry.
     */
    public boolean destroysData() {
        return swapReadErrorRate > 0 && swapReadErrorPersistentRate > 0 || tornWriteRate > 0 && tornWriteSilentRate > 0;
    }

    /** Whether any fault can happen. */
    public boolean enabled() {
        return swapReadErrorRate > 0 || swapWriteErrorRate > 0 || tornWriteRate > 0 || (slowIoRate > 0 && slowIoNs > 0);
    }
}
