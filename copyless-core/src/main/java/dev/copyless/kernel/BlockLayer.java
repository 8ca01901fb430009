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
 * submission queue entries the device works on, SATA NCQ tags) and one bandwidth server, each
 * kept as a {@link Calendar} of when it is busy (busy-until times that tolerate requests
 * arriving out of time order from agents running side by side). A request waits for a free
 * slot and holds it for its latency and transfer; after the latency its 4 KiB transfer is
 * serialized on the bandwidth server. So requests submitted
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
    private final Interconnect links;
    private final VmStat stat;
    /** Per device, its queue slots over time ({@code queue-depth} servers); null for a synchronous device. */
    private final Calendar[] slots;
    /** Per device, its bandwidth over time (one server); null for a synchronous device. */
    private final Calendar[] bandwidth;

    BlockLayer(SwapDevice[] devices, Interconnect links, VmStat stat) {
        this.links = links;
        this.stat = stat;
        this.slots = new Calendar[devices.length];
        this.bandwidth = new Calendar[devices.length];
        for (int d = 0; d < devices.length; d++) {
            SwapProfile p = devices[d].profile();
            if (p.synchronousIo() ? p.queueDepth() != 0 : p.queueDepth() < 1) {
                throw new IllegalArgumentException("swap device " + devices[d].name() + ": queue depth "
                        + p.queueDepth() + (p.synchronousIo() ? ", expected 0 (no device queue)" : ", expected at least 1"));
            }
            if (!p.synchronousIo()) {
                slots[d] = new Calendar(p.queueDepth());
                bandwidth[d] = new Calendar(1);
            }
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
        long alone = t + latency + transfer;
        long xferStart;
        long done;
        if (p.synchronousIo()) {
            xferStart = t + latency;
            done = alone;
        } else {
            long slotWait = slots[d.id()].reserve(t, latency + transfer) - alone; // a free slot, held for the request
            done = bandwidth[d.id()].reserve(t + slotWait + latency, transfer); // the transfer on the shared bandwidth
            xferStart = done - transfer;
            stat.add(Counter.SWAP_QUEUE_DELAY_NS, done - alone);
        }
        if (frameNode != d.node()) {
            int from = write ? frameNode : d.node();
            int to = write ? d.node() : frameNode;
            done += links.transfer(from, to, xferStart, CostModel.PAGE_SIZE); // DMA across the link
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
}
