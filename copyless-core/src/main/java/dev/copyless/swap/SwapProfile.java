package dev.copyless.swap;

/**
 * Latency and bandwidth of a swap device kind, for 4 KiB pages at queue depth 1. The time of
 * one page I/O is {@code latency + 4096 / bandwidth}. Sources in {@code docs/COST-MODEL.md}.
 *
 * @param name           profile name used in scenarios ({@code nvme}, {@code ssd}, {@code zram})
 * @param readNs         device latency of a 4 KiB read
 * @param writeNs        device latency of a 4 KiB write
 * @param bytesPerSecond sustained bandwidth
 */
public record SwapProfile(String name, long readNs, long writeNs, long bytesPerSecond) {
    public static final SwapProfile NVME = new SwapProfile("nvme", 40_000, 20_000, 3_000_000_000L);
    public static final SwapProfile SSD = new SwapProfile("ssd", 120_000, 80_000, 500_000_000L);
    public static final SwapProfile ZRAM = new SwapProfile("zram", 1_500, 3_000, 4_000_000_000L);

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

    /** Time of {@code pages} sequential writes issued together (reclaim writes a batch). */
    public long batchWriteNs(int pages) {
        return pages == 0 ? 0 : writeNs + pages * transferNs();
    }
}
