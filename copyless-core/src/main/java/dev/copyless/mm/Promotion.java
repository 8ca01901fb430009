package dev.copyless.mm;

/**
 * How the host brings a demoted page back to its pinned node: the host's NUMA balancing mode
 * ({@code kernel.numa_balancing}) as it applies to the guest's memory ({@code host.demotion.promotion}).
 * Shared vocabulary: the scenario names it, the simulated kernel acts on it, the Linux backend
 * refuses anything but {@link Mode#OFF}.
 *
 * <ul>
 *   <li>{@link Mode#OFF}: never. Stock Linux for QEMU's guest RAM: {@code policy=bind} is a plain
 *       {@code MPOL_BIND} without {@code MPOL_F_NUMA_BALANCING}, so {@code task_numa_work} skips
 *       the VMA ({@code vma_policy_mof}) and {@code mpol_misplaced} never migrates from it.</li>
 *   <li>{@link Mode#TIERING}: {@code numa_balancing=2} ({@code NUMA_BALANCING_MEMORY_TIERING}) on a
 *       VMA bound with {@code MPOL_F_NUMA_BALANCING}: the host's scanner (the simulated kernel's {@code HostNumaScanner})
 *       makes the PTEs of pages on a lower tier {@code PROT_NONE} and stamps their scan time, and
 *       the hinting fault promotes a page only when it comes within {@code hotThresholdNs} of the
 *       scan and the destination node's rate limit allows (the simulated kernel's {@code NumaTiering}).</li>
 *   <li>{@link Mode#ON_TOUCH}: every demoted page is promoted on its first touch after demotion,
 *       with direct reclaim on a full node. Not a Linux behaviour: an upper bound on promotion.</li>
 * </ul>
 *
 * @param hotThresholdNs  {@code numa_balancing_hot_threshold_ms} (1000 ms): a hint fault this soon
 *                        after the scan marks the page hot
 * @param rateLimitMBps   {@code numa_balancing_promote_rate_limit_MBps} (65536): promotion
 *                        candidates per destination node per second, in MiB
 * @param scanPeriodNs    how often the host scanner passes over each VM
 *                        ({@code numa_balancing_scan_period_min_ms}, 1000 ms)
 * @param scanPages       pages of guest memory one pass covers ({@code numa_balancing_scan_size_mb},
 *                        256 MiB)
 */
public record Promotion(Mode mode, long hotThresholdNs, long rateLimitMBps, long scanPeriodNs, long scanPages) implements java.io.Serializable {
    /** The host's promotion mode; {@link #key()} is its scenario spelling. */
    public enum Mode {
        OFF("off"), TIERING("tiering"), ON_TOUCH("on-touch");

        private final String key;

        Mode(String key) {
            this.key = key;
        }

        public String key() {
            return key;
        }

        /** The mode spelled {@code key}, or null. */
        public static Mode byKey(String key) {
            for (Mode m : values()) {
                if (m.key.equals(key)) {
                    return m;
                }
            }
            return null;
        }
    }

    public static final long DEFAULT_HOT_THRESHOLD_NS = 1_000_000_000L;
    public static final long DEFAULT_RATE_LIMIT_MBPS = 65_536;
    public static final long DEFAULT_SCAN_PERIOD_NS = 1_000_000_000L;
    public static final long DEFAULT_SCAN_PAGES = 256L << 8;

    /** Stock: no promotion. */
    public static final Promotion OFF = of(Mode.OFF);
    /** Promotion on first touch (the non-stock upper bound). */
    public static final Promotion ON_TOUCH = of(Mode.ON_TOUCH);
    /** {@code numa_balancing=2} with Linux's default tunables. */
    public static final Promotion TIERING = of(Mode.TIERING);

    public Promotion {
        if (mode == null || hotThresholdNs <= 0 || rateLimitMBps <= 0 || scanPeriodNs <= 0 || scanPages <= 0) {
            throw new IllegalArgumentException("promotion needs a mode and positive tunables");
        }
    }

    /** {@code mode} with Linux's default tunables. */
    public static Promotion of(Mode mode) {
        return new Promotion(mode, DEFAULT_HOT_THRESHOLD_NS, DEFAULT_RATE_LIMIT_MBPS, DEFAULT_SCAN_PERIOD_NS,
                DEFAULT_SCAN_PAGES);
    }

    /** The rate limit in 4 KiB pages per second ({@code MB_TO_PAGES}). */
    public long rateLimitPages() {
        return rateLimitMBps << 8;
    }
}
