package dev.copyless.kernel;

import dev.copyless.swap.SwapDevice;
import java.util.Arrays;

/**
 * The I/O of one batch submitted together ({@code blk_start_plug} / {@code blk_finish_plug}):
 * it is held while the batch is prepared and handed to the {@link BlockLayer} together when the
 * plug is finished, so it is in flight together up to each device's queue depth and shares its
 * bandwidth. Used by {@link Migrate#migratePages} for the swap reads of one hypercall and by
 * {@link Vmscan} for the writes of one reclaim pass ({@code shrink_lruvec}'s plug). A {@code SWP_SYNCHRONOUS_IO} device (zram) is never plugged: it decompresses page
 * by page on the CPU. Reuses its arrays: allocates only when a batch is larger than every
 * batch before it.
 */
final class BlkPlug {
    private SwapDevice[] devices = new SwapDevice[16];
    private int[] frameNodes = new int[16];
    private boolean[] writes = new boolean[16];
    private int count;

    /** Starts a batch: nothing queued. */
    BlkPlug start() {
        Arrays.fill(devices, 0, count, null);
        count = 0;
        return this;
    }

    /** Queues one 4 KiB read from {@code d} into a frame on {@code frameNode}. */
    void addRead(SwapDevice d, int frameNode) {
        add(d, frameNode, false);
    }

    /** Queues one 4 KiB write to {@code d} from a frame on {@code frameNode}. */
    void addWrite(SwapDevice d, int frameNode) {
        add(d, frameNode, true);
    }

    private void add(SwapDevice d, int frameNode, boolean write) {
        if (count == devices.length) {
            devices = Arrays.copyOf(devices, count * 2);
            frameNodes = Arrays.copyOf(frameNodes, count * 2);
            writes = Arrays.copyOf(writes, count * 2);
        }
        devices[count] = d;
        writes[count] = write;
        frameNodes[count++] = frameNode;
    }

    /**
     * {@code blk_finish_plug} at virtual time {@code t}: submits the queued I/O together, in the
     * order it was queued.
     *
     * @return how long after {@code t} the last of them completes (0 when nothing was queued)
     */
    long finish(BlockLayer block, long t) {
        long last = t;
        for (int i = 0; i < count; i++) {
            last = Math.max(last, block.submitBio(devices[i], writes[i], frameNodes[i], t));
        }
        start();
        return last - t;
    }
}
