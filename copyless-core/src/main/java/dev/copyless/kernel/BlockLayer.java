package dev.copyless.kernel;

import dev.copyless.clock.CostModel;
import dev.copyless.metrics.Counter;
import dev.copyless.metrics.VmStat;
import dev.copyless.swap.SwapDevice;
import dev.copyless.swap.SwapProfile;

/**
 * The block layer under swap, as {@code block/blk-mq.c} and the device behind it serve
 * {@code submit_bio}: every 4 KiB swap read and write of the simulated host, for every policy
 * alike (a demand fault, readahead, reclaim's writes, a copyless hypercall's plugged reads, the
 * retries of fault injection), is submitted here with the virtual time it is submitted at, and
 * gets back the time it completes.
 *
 * <p>Model, per device: {@code queue-depth} slots (the requests the device serves at once: NVMe
 * submission queue entries the device works on, SATA NCQ tags), each with the time it is busy
 * until, and one bandwidth server with its own busy-until time. A request waits for the
 * earliest free slot, then pays the device's latency, then its 4 KiB transfer is serialized on
 * the bandwidth server; the slot is held until the transfer ends. So requests submitted
 * together overlap their latencies up to the queue depth and share the bandwidth: at queue
 * depth 1 they run one after the other; at depth {@code n} or more, {@code n} of them take one
 * latency plus {@code n} transfers. The wait for a slot and for the bandwidth server is the
 * queueing delay ({@code swap_queue_delay_ns}), charged to whoever waits for the completion
 * (the vCPU's fault, kswapd's pass, the hypercall).
 *
 * <p>A {@code SWP_SYNCHRONOUS_IO} device (zram, queue depth 0) has no device queue: each I/O
 * is done by the CPU that submits it, at latency plus transfer, and I/Os from different CPUs
 * do not wait for each other (zram's per-CPU compression streams).
 *
 * <p>DMA across the link: a device on node {@code D} reading into a frame on node {@code F != D}
 * moves the page's 4 KiB over the link {@code D -> F} (a write: {@code F -> D}) while the
 * device transfers it; the transfer waits for the link ({@link Interconnect}), and that wait
 * delays the completion. Allocation-free; single-threaded.
 */
final class BlockLayer {
    private final SwapDevice[] devices;
    private final Interconnect links;
    private final VmStat stat;
    /** Per device, a binary min-heap of its slots' busy-until times (empty for a synchronous device). */
    private final long[][] slots;
    /** Per device, virtual ns until which its bandwidth server is busy. */
    private final long[] bandwidthBusyUntil;

    BlockLayer(SwapDevice[] devices, Interconnect links, VmStat stat) {
        this.devices = devices;
        this.links = links;
        this.stat = stat;
        this.slots = new long[devices.length][];
        this.bandwidthBusyUntil = new long[devices.length];
        for (int d = 0; d < devices.length; d++) {
            SwapProfile p = devices[d].profile();
            if (p.synchronousIo() ? p.queueDepth() != 0 : p.queueDepth() < 1) {
                throw new IllegalArgumentException("swap device " + devices[d].name() + ": queue depth "
                        + p.queueDepth() + (p.synchronousIo() ? ", expected 0 (no device queue)" : ", expected at least 1"));
            }
            slots[d] = new long[p.queueDepth()];
        }
    }

    /**
     * {@code submit_bio} of one 4 KiB read ({@code write} false) or write of device {@code d}
     * into or out of a frame on {@code frameNode}, submitted at virtual time {@code t}.
     *
     * @return the virtual time the I/O completes (at least {@code t + latency + transfer})
     */
    long submitBio(SwapDevice d, boolean write, int frameNode, long t) {
        SwapProfile p = d.profile();
        long latency = write ? p.writeNs() : p.readNs();
        long transfer = p.transferNs();
        boolean queued = !p.synchronousIo();
        long[] heap = slots[d.id()];
        long slotFree = queued ? Math.max(t, heap[0]) : t;
        long ready = slotFree + latency;
        long xferStart = queued ? Math.max(ready, bandwidthBusyUntil[d.id()]) : ready;
        long done = xferStart + transfer;
        if (queued) {
            bandwidthBusyUntil[d.id()] = done;
            stat.add(Counter.SWAP_QUEUE_DELAY_NS, (slotFree - t) + (xferStart - ready));
        }
        if (frameNode != d.node()) {
            int from = write ? frameNode : d.node();
            int to = write ? d.node() : frameNode;
            done += links.transfer(from, to, xferStart, CostModel.PAGE_SIZE); // DMA across the link
        }
        if (queued) {
            replaceTop(heap, done); // the slot is held until the data has landed
        }
        return done;
    }

    /**
     * The time a single I/O submitted at {@code t} keeps its submitter waiting:
     * {@link #submitBio}'s completion minus {@code t}.
     */
    long waitNs(SwapDevice d, boolean write, int frameNode, long t) {
        return submitBio(d, write, frameNode, t) - t;
    }

    /** Replaces the heap's smallest busy-until time with {@code v} and restores the heap order. */
    private static void replaceTop(long[] heap, long v) {
        int n = heap.length;
        int i = 0;
        while (true) {
            int c = 2 * i + 1;
            if (c >= n) {
                break;
            }
            if (c + 1 < n && heap[c + 1] < heap[c]) {
                c++;
            }
            if (heap[c] >= v) {
                break;
            }
            heap[i] = heap[c];
            i = c;
        }
        heap[i] = v;
    }
}
