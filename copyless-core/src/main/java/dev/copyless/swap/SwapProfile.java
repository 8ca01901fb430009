package dev.copyless.swap;

/**
 * Latency, bandwidth and queue depth of a swap device kind. The time of one page I/O on an
 * idle device is {@code latency + 4096 / bandwidth}; with several in flight, the simulated
 * host's block layer ({@code kernel/BlockLayer}) lets up to {@code queueDepth} of them wait
 * their latency together and serializes their transfers on the device's bandwidth. Sources in
 * {@code docs/COST-MODEL.md} ("Devices and links").
 *
 * @param name           profile name used in scenarios ({@code nvme}, {@code ssd}, {@code zram})
 * @param readNs         device latency of a 4 KiB read
 * @param writeNs        device latency of a 4 KiB write
 * @param bytesPerSecond sustained bandwidth
 * @param queueDepth     requests the device serves at once; 0 for a {@code SWP_SYNCHRONOUS_IO}
 *                       device (zram), which has no device queue: each I/O runs on the CPU that
 *                       submits it
 */
public record SwapProfile(String name, long readNs, long writeNs, long bytesPerSecond, int queueDepth) {
    /** NVMe: queue depth 64, where the 3 GB/s bandwidth caps 4 KiB reads long before (about 30 in flight at 40 us). */
    public static final SwapProfile NVME = new SwapProfile("nvme", 40_000, 20_000, 3_000_000_000L, 64);
    /** SATA SSD: NCQ's 32 commands (ATA_MAX_QUEUE). */
    public static final SwapProfile SSD = new SwapProfile("ssd", 120_000, 80_000, 500_000_000L, 32);
    /** zram: synchronous, no device queue. */
    public static final SwapProfile ZRAM = new SwapProfile("zram", 1_500, 3_000, 4_000_000_000L, 0);

    /** A profile with the queue depth of the kind {@code name} names (0 for zram, 32 for an unknown kind). */
    public SwapProfile(String name, long readNs, long writeNs, long bytesPerSecond) {
        this(name, readNs, writeNs, bytesPerSecond, defaultQueueDepth(name));
    }

    /** The queue depth of a profile kind: nvme 64, ssd 32, zram 0 (none); 32 for any other name. */
    public static int defaultQueueDepth(String name) {
        return switch (name) {
            case "nvme" -> 64;
            case "zram" -> 0;
            default -> 32;
        };
    }

    /**
     * True for a device the kernel flags {@code SWP_SYNCHRONOUS_IO} (zram): {@code do_swap_page}
     * reads it directly, without swap cache or readahead, and each page is decompressed on the
     * CPU, so reads of a batch do not overlap.
     */
    public boolean synchronousIo() {
        return "zram".equals(name);
    }

    public static SwapProfile byName(String name) {
        return switch (name) {
            case "nvme" -> NVME;
            case "ssd" -> SSD;
            case "zram" -> ZRAM;
            default -> null;
        };
    }

    /** Time to move 4 KiB at the device's bandwidth. */
    public long transferNs() {
        return 4096L * 1_000_000_000L / bytesPerSecond;
    }

    /** Time of one 4 KiB swap-in. */
    public long pageReadNs() {
        return readNs + transferNs();
    }

    /** Time of one 4 KiB swap-out. */
    public long pageWriteNs() {
        return writeNs + transferNs();
    }
}
