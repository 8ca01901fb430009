package dev.copyless.hypervisor;

import dev.copyless.metrics.Counter;
import dev.copyless.metrics.VmStat;
import dev.copyless.mm.Errno;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The guest-to-host request channel in front of {@link Hypervisor#hypercall}: a virtio-like
 * queue that, with the scenario's {@code hypercall:} fault rates, loses, repeats or reorders
 * requests (docs/ABI.md, "Request channel"). One seeded draw per request picks at most one
 * fault:
 *
 * <ul>
 *   <li><b>drop</b> ({@code hypercall_dropped}): the request never reaches the hypervisor; the
 *       guest waits {@link #timeoutNs()} and sees {@code -ETIMEDOUT};</li>
 *   <li><b>duplicate</b> ({@code hypercall_duplicated}): the hypervisor receives the request
 *       twice; the guest reads the first reply, the second is a replay, refused with
 *       {@code -EALREADY} and no change of state, and its reply is discarded;</li>
 *   <li><b>reorder</b> ({@code hypercall_reordered}): the request is held back past the guest's
 *       timeout ({@code -ETIMEDOUT}) and delivered right after the first later request of the
 *       same VM that leaves the VM's consumed sequence number at or above the held one's, so
 *       that it is always refused as a replay. A later request that consumes nothing (malformed,
 *       or itself a replay) or a lower number does not release it; a held request that nothing
 *       fences is never delivered. At most one request per VM is held.</li>
 * </ul>
 *
 * So a request the guest has seen time out can never be carried out afterwards, whatever the
 * guest sends next, and the guest may fall back to a copy at once. With every rate 0 the
 * channel is a plain call and draws no random number.
 *
 * <p>Concurrency: any number of vCPU threads of any VMs may submit at once. The fault draws come
 * from one seeded stream (taken under its monitor); each VM's held request is guarded by that
 * VM's own {@link VmQueue}; the hypercalls themselves run outside both, and replies that no
 * guest waits for go to a per-thread buffer.
 */
public final class RequestChannel {
    private final Hypervisor hypervisor;
    private final VmStat stat;
    private final HypercallConfig config;
    private final SplittableRandom rng;
    /** Per VM, in VM id order: its held-back request. */
    private final List<VmQueue> queues = new CopyOnWriteArrayList<>();

    /** One VM's held-back (reordered) request, if any: guarded by the queue's monitor. */
    private static final class VmQueue {
        final MemorySegment held = MemorySegment.ofArray(new long[HypercallAbi.REQUEST_AREA / 8]);
        long heldLength;
        /** The held request's sequence number (0 for a block shorter than its header). */
        long heldSeq;
    }

    /** Per thread: where replies that no guest waits for go (duplicates, held requests), and a held block being delivered. */
    private static final class Scratch {
        final MemorySegment discard = MemorySegment.ofArray(new long[HypercallAbi.REPLY_AREA / 8]);
        final MemorySegment block = MemorySegment.ofArray(new long[HypercallAbi.REQUEST_AREA / 8]);
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    RequestChannel(Hypervisor hypervisor, VmStat stat, HypercallConfig config) {
        this.hypervisor = hypervisor;
        this.stat = stat;
        this.config = config;
        this.rng = config.faulty() ? new SplittableRandom(config.channelSeed()) : null;
    }

    /** The hypervisor created a VM: it gets the next id, and a queue. */
    void addVm() {
        queues.add(new VmQueue());
    }

    /** Virtual time a guest waits for a reply that does not come. */
    public long timeoutNs() {
        return config.timeoutNs();
    }

    /** New attempts the guest makes after a timeout before it falls back. */
    public int retries() {
        return config.retries();
    }

    /**
     * Sends one request of VM {@code vm} (the VM of the vCPU that exits) and returns what that
     * guest sees: the hypercall's result ({@link Hypervisor#hypercall}), or {@code -ETIMEDOUT}
     * with a reply header saying so.
     */
    public long submit(int vm, MemorySegment request, MemorySegment reply) {
        if (rng == null) {
            return hypervisor.hypercall(vm, request, reply);
        }
        VmQueue q = queues.get(vm);
        double r;
        synchronized (rng) {
            r = rng.nextDouble();
        }
        if (r < config.dropRate()) {
            stat.inc(Counter.HYPERCALL_DROPPED);
            return timedOut(request, reply);
        }
        r -= config.dropRate();
        boolean reorder = r < config.reorderRate();
        if (reorder) {
            synchronized (q) {
                if (q.heldLength == 0) {
                    stat.inc(Counter.HYPERCALL_REORDERED);
                    hold(q, request);
                    return timedOut(request, reply);
                }
            }
        }
        boolean duplicate = !reorder && r - config.reorderRate() < config.duplicateRate();
        long result = hypervisor.hypercall(vm, request, reply);
        Scratch scratch = SCRATCH.get();
        if (duplicate) {
            stat.inc(Counter.HYPERCALL_DUPLICATED);
            hypervisor.hypercall(vm, request, scratch.discard);
        }
        long len;
        synchronized (q) { // released only once the VM's fence covers it: it can only be refused as a replay
            len = q.heldLength;
            if (len > 0 && Long.compareUnsigned(hypervisor.lastSequence(vm), q.heldSeq) >= 0) {
                MemorySegment.copy(q.held, 0, scratch.block, 0, len);
                q.heldLength = 0;
            } else {
                len = 0;
            }
        }
        if (len > 0) {
            hypervisor.hypercall(vm, scratch.block.asSlice(0, len), scratch.discard);
        }
        return result;
    }

    /** Whether VM {@code vm} has a request held back (tests). */
    public boolean holding(int vm) {
        if (vm >= queues.size()) {
            return false;
        }
        VmQueue q = queues.get(vm);
        synchronized (q) {
            return q.heldLength > 0;
        }
    }

    /** Holds a copy of {@code request} (at most the request area's size), with {@code q}'s monitor held. */
    private static void hold(VmQueue q, MemorySegment request) {
        long len = Math.min(request.byteSize(), HypercallAbi.REQUEST_AREA);
        MemorySegment.copy(request, 0, q.held, 0, len);
        q.heldLength = len;
        q.heldSeq = len >= HypercallAbi.REQ_HEADER ? HypercallAbi.u64(request, HypercallAbi.REQ_SEQ) : 0;
    }
    /** The guest side of a timeout: a reply header with {@code -ETIMEDOUT} and the request's sequence number. */
    private static long timedOut(MemorySegment request, MemorySegment reply) {
        long seq = request.byteSize() >= HypercallAbi.REQ_HEADER ? HypercallAbi.u64(request, HypercallAbi.REQ_SEQ) : 0;
        if (reply.byteSize() >= HypercallAbi.REP_HEADER) {
            HypercallAbi.writeReplyHeader(reply, seq, -Errno.ETIMEDOUT, 0, 0, HypercallAbi.NO_INDEX);
        }
        return -Errno.ETIMEDOUT;
    }
}
