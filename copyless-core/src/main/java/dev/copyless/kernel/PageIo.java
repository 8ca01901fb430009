package dev.copyless.kernel;

import dev.copyless.host.PageContent;
import dev.copyless.metrics.Counter;
import dev.copyless.mm.PageState;
import dev.copyless.swap.SwapDevice;
import dev.copyless.swap.SwapFaults;

/**
 * Page I/O to swap devices, as {@code mm/page_io.c}: {@code swap_writepage} and
 * {@code swap_read_folio}, with the faults a {@link SwapFaults} injector draws (failed, torn
 * and slow writes; failed, persistent and slow reads). Moves bytes through the
 * {@link PageStore}; knows nothing of guests or of which page a slot belongs to.
 */
final class PageIo {
    /** {@link #swapReadFolio} results. */
    static final int IO_OK = 0;
    static final int IO_NO_FRAME = 1;
    static final int IO_ERROR = 2;
    static final int IO_BAD_CHECKSUM = 3;

    private final Kernel k;

    PageIo(Kernel k) {
        this.k = k;
    }

    /**
     * {@code swap_writepage}: writes the frame of a resident {@code word} into {@code slot}.
     * Under fault injection the write can fail ({@code EIO}), be slow, or tear. A torn write
     * that the device reports at completion ({@code end_swap_bio_write}) is found by the slot's
     * CRC32C while the folio is still in the swap cache, and written again (at most
     * {@link SwapFaults#MAX_WRITE_ATTEMPTS} attempts, then it counts as a failed write); a
     * silent one is only found when the slot is read. Slow I/O and rewrites add to {@code op}.
     *
     * @return false when the page could not be written (it must stay resident)
     */
    boolean swapWritepage(Op op, SwapDevice d, int slot, long word) {
        int node = PageState.nodeOrDevice(word);
        int pfn = PageState.id(word);
        SwapFaults faults = k.faults;
        if (!faults.enabled()) {
            k.store.writeSlot(node, pfn, d.id(), slot, PageContent.PAGE);
            return true;
        }
        for (int attempt = 1; ; attempt++) {
            op.ns += slowIo();
            if (faults.writeError()) {
                k.stat.inc(Counter.SWAP_WRITE_ERRORS);
                return false;
            }
            if (!faults.tornWrite()) {
                k.store.writeSlot(node, pfn, d.id(), slot, PageContent.PAGE);
                return true;
            }
            k.stat.inc(Counter.SWAP_TORN_WRITES);
            k.store.writeSlot(node, pfn, d.id(), slot, faults.tornBytes());
            if (faults.tornWriteSilent() || k.store.slotIntact(d.id(), slot)) {
                return true; // acknowledged (only a read will find it), or torn over identical data
            }
            k.stat.inc(Counter.SWAP_CHECKSUM_FAILURES);
            if (attempt == SwapFaults.MAX_WRITE_ATTEMPTS) {
                k.stat.inc(Counter.SWAP_WRITE_ERRORS);
                return false;
            }
            k.stat.inc(Counter.SWAP_REWRITES);
            op.ns += k.block.waitNs(d, true, node, k.now());
        }
    }

    /**
     * {@code swap_read_folio}: reads a slot into a frame. Under fault injection a read can be
     * slow or fail with {@code EIO}; a failed read is retried up to
     * {@link SwapFaults#MAX_READ_RETRIES} times (not for readahead, {@code async}, which just
     * gives up), unless the error is persistent. A read that succeeds is checked against the
     * slot's CRC32C. Slow I/O and retries add to {@code op}; the read itself is the caller's
     * to charge.
     *
     * @return {@link #IO_OK}, {@link #IO_ERROR} or {@link #IO_BAD_CHECKSUM}
     */
    int swapReadFolio(Op op, SwapDevice d, int slot, int node, int pfn, boolean async) {
        SwapFaults faults = k.faults;
        if (faults.enabled()) {
            boolean bad = false;
            for (int attempt = 0; ; attempt++) {
                op.ns += slowIo();
                if (!bad && !faults.readError()) {
                    break;
                }
                k.stat.inc(Counter.SWAP_READ_ERRORS);
                if (!bad && faults.readErrorPersistent()) {
                    bad = true; // a bad sector: every retry fails (a later write to the slot remaps it)
                }
                if (async || attempt == SwapFaults.MAX_READ_RETRIES) {
                    return IO_ERROR;
                }
                k.stat.inc(Counter.SWAP_READ_RETRIES);
                op.ns += k.block.waitNs(d, false, node, k.now());
            }
        }
        if (!k.store.readSlot(d.id(), slot, node, pfn)) {
            k.stat.inc(Counter.SWAP_CHECKSUM_FAILURES);
            return IO_BAD_CHECKSUM;
        }
        return IO_OK;
    }

    /** Draws a slow I/O: counts it and returns its extra time. */
    private long slowIo() {
        long extra = k.faults.slowIoNs();
        if (extra > 0) {
            k.stat.inc(Counter.SWAP_SLOW_IO);
        }
        return extra;
    }
}
