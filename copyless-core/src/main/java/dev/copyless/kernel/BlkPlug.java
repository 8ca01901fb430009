package dev.copyless.kernel;

import dev.copyless.swap.SwapProfile;

/**
 * The reads of one batch submitted together ({@code blk_start_plug} / {@code blk_finish_plug}):
 * a block device takes them at once, so the batch waits one device latency (the longest of
 * its devices) plus one transfer per page. Used by {@link Migrate#migratePages} for the swap
 * reads of one hypercall. A {@code SWP_SYNCHRONOUS_IO} device (zram) is never plugged: it
 * decompresses page by page on the CPU.
 */
final class BlkPlug {
    private long latencyNs;
    private long transferNs;

    /** Starts a batch: nothing queued. */
    BlkPlug start() {
        latencyNs = 0;
        transferNs = 0;
        return this;
    }

    /** Queues one 4 KiB read from a device with {@code profile}. */
    void addRead(SwapProfile profile) {
        latencyNs = Math.max(latencyNs, profile.readNs());
        transferNs += profile.transferNs();
    }

    /** What the batch waits for its queued reads. */
    long finishNs() {
        return latencyNs + transferNs;
    }
}
