package dev.copyless.hypervisor;

import dev.copyless.metrics.Counter;
import dev.copyless.metrics.VmStat;
import dev.copyless.mm.Errno;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.SplittableRandom;

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
 *       timeout ({@code -ETIMEDOUT}) and delivered right after the next request of the same VM
 *       reaches the hypervisor; that newer request consumed a higher sequence number, so the
 *       held one is refused as a replay. A held request that nothing overtakes is never
 *       delivered.</li>
 * </ul>
 *
 * Because every request the guest builds is well formed, the request that overtakes a held
 * one always consumes its sequence number (accepted or not): a request the guest has given up
 * on can never be carried out afterwards, so the guest may fall back to a copy at once. With
 * every rate 0 the channel is a plain call and draws no random number.
 */
public final class RequestChannel {
    private final Hypervisor hypervisor;
    private final VmStat stat;
    private final HypercallConfig config;
    private final SplittableRandom rng;
    /** Per VM: a held-back (reordered) request block, or null. */
    private MemorySegment[] held = new MemorySegment[0];
    private long[] heldLength = new long[0];
    /** Where replies that no guest waits for go (duplicates, overtaken requests). */
    private final MemorySegment discard = MemorySegment.ofArray(new long[HypercallAbi.REPLY_AREA / 8]);

    RequestChannel(Hypervisor hypervisor, VmStat stat, HypercallConfig config) {
        this.hypervisor = hypervisor;
        this.stat = stat;
        this.config = config;
        this.rng = config.faulty() ? new SplittableRandom(config.channelSeed()) : null;
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
        double r = rng.nextDouble();
        if (r < config.dropRate()) {
            stat.inc(Counter.HYPERCALL_DROPPED);
            return timedOut(request, reply);
        }
        r -= config.dropRate();
        boolean reorder = r < config.reorderRate();
        if (reorder && heldLength(vm) == 0) {
            stat.inc(Counter.HYPERCALL_REORDERED);
            hold(vm, request);
            return timedOut(request, reply);
        }
        boolean duplicate = !reorder && r - config.reorderRate() < config.duplicateRate();
        long result = hypervisor.hypercall(vm, request, reply);
        if (duplicate) {
            stat.inc(Counter.HYPERCALL_DUPLICATED);
            hypervisor.hypercall(vm, request, discard);
        }
        long len = heldLength(vm);
        if (len > 0) {
            heldLength[vm] = 0;
            hypervisor.hypercall(vm, held[vm].asSlice(0, len), discard);
        }
        return result;
    }

    /** Whether VM {@code vm} has a request held back (tests). */
    public boolean holding(int vm) {
        return heldLength(vm) > 0;
    }

    private long heldLength(int vm) {
        return vm < heldLength.length ? heldLength[vm] : 0;
    }

    private void hold(int vm, MemorySegment request) {
        if (vm >= held.length) {
            held = Arrays.copyOf(held, vm + 1);
            heldLength = Arrays.copyOf(heldLength, vm + 1);
        }
        long len = Math.min(request.byteSize(), HypercallAbi.REQUEST_AREA);
        if (held[vm] == null) {
            held[vm] = MemorySegment.ofArray(new long[HypercallAbi.REQUEST_AREA / 8]);
        }
        MemorySegment.copy(request, 0, held[vm], 0, len);
        heldLength[vm] = len;
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
