package dev.copyless.hypervisor;

import dev.copyless.clock.CostModel;
import dev.copyless.host.HostMemory;
import dev.copyless.host.VnodeLayout;
import dev.copyless.metrics.Counter;
import dev.copyless.metrics.VmStat;
import dev.copyless.mm.Errno;
import dev.copyless.mm.MigrationOrder;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * The hypervisor: registers VMs with the host (guest RAM bound per vNode), keeps each VM's
 * {@link MovedPageList} up to date from the host's MMU notifications and exports it to the
 * guest (claims 1 and 10), and takes the guest's migration hypercall to the host's
 * {@link HostMemory#migratePages} (claim 1's request "via the hypervisor").
 *
 * <p>{@link #hypercall} is the only way in: it decodes the binary request block of
 * {@code docs/ABI.md}, validates all of it (structure, sequence number, rate limit, destination
 * vNode and host node, every gfn inside the calling VM, no gfn twice), and only then calls the
 * host. A refusal writes the reply header and changes nothing else: no host call, no rate-limit
 * tokens, no counter but the refusal counters; only a well-formed block consumes its sequence
 * number. The calling VM is the one whose vCPU exited: no field of the block names a VM, and
 * gfns are numbers within the caller's own memory, so a VM can neither read, map nor move
 * another VM's pages.
 */
public final class Hypervisor {
    /** Hypercall number in the KVM vendor range (documented in docs/ABI.md). */
    public static final int KVM_HC_COPYLESS_MIGRATE = 0x1001;

    private final HostMemory host;
    private final CostModel cost;
    private final VmStat stat;
    private final LongSupplier clock;
    private final HypercallConfig config;
    private final RequestChannel channel;
    private final List<VmRecord> vms = new ArrayList<>();
    /** The decoded entries of the call in progress (copied in once: the guest cannot change them under us). */
    private final int[] src = new int[HypercallAbi.MAX_ENTRIES];
    private final int[] dst = new int[HypercallAbi.MAX_ENTRIES];
    private final int[] status = new int[HypercallAbi.MAX_ENTRIES];

    /** Per VM: the host's id, its layout, its list, and the hypercall state (last sequence number, rate limit). */
    private static final class VmRecord {
        final int hostVmId;
        final VnodeLayout layout;
        final MovedPageList list;
        final TokenBucket calls;
        final TokenBucket pages;
        long lastSeq;

        VmRecord(int hostVmId, VnodeLayout layout, MovedPageList list, HypercallConfig c) {
            this.hostVmId = hostVmId;
            this.layout = layout;
            this.list = list;
            this.calls = new TokenBucket(c.rateLimitCalls(), c.burstNs(), 1);
            this.pages = new TokenBucket(c.rateLimitPages(), c.burstNs(), HypercallAbi.MAX_ENTRIES);
        }
    }

    /** A hypervisor with no rate limit and a fault-free channel, whose clock stands still (tests, benchmarks). */
    public Hypervisor(HostMemory host, CostModel cost, VmStat stat) {
        this(host, cost, stat, () -> 0L, HypercallConfig.DEFAULT);
    }

    /**
     * @param clock  virtual time now (the engine's), for the rate limits
     * @param config rate limits and request channel faults (scenario section {@code hypercall:})
     */
    public Hypervisor(HostMemory host, CostModel cost, VmStat stat, LongSupplier clock, HypercallConfig config) {
        this.host = host;
        this.cost = cost;
        this.stat = stat;
        this.clock = clock;
        this.config = config;
        this.channel = new RequestChannel(this, stat, config);
    }

    /**
     * Creates a VM: {@code vnodeStart[v]} is the first gfn of vNode v, bound ({@code MPOL_BIND})
     * to host node {@code vnodeNode[v]} like QEMU's {@code host-nodes=N,policy=bind}.
     *
     * @param holdBack claim 12: hold the VM's moved pages back from their source node until
     *                 the guest asks (enabled when the guest runs copyless)
     * @return the VM id
     */
    public int createVm(int gfns, int[] vnodeStart, int[] vnodeNode, boolean holdBack) {
        VnodeLayout layout = new VnodeLayout(gfns, vnodeStart, vnodeNode);
        MovedPageList list = new MovedPageList(gfns);
        int id = host.registerVm(gfns, vnodeStart, vnodeNode, list::update);
        host.setHoldBack(id, holdBack);
        vms.add(new VmRecord(id, layout, list, config));
        return vms.size() - 1;
    }

    /** The data object exported to the VM (the host-side writer; the guest maps {@link MovedPageList#segment()}). */
    public MovedPageList movedPageList(int vm) {
        return vms.get(vm).list;
    }

    /** The VM's moved-page list as mapped read-only into the guest: header and entries of docs/ABI.md. */
    public MemorySegment exportMovedPageList(int vm) {
        return vms.get(vm).list.segment();
    }

    public HostMemory host() {
        return host;
    }

    /** The request channel the guests submit their hypercalls on. */
    public RequestChannel channel() {
        return channel;
    }

    public HypercallConfig config() {
        return config;
    }

    /** The highest sequence number VM {@code vm}'s calls have consumed (0: none yet). */
    public long lastSequence(int vm) {
        return vms.get(vm).lastSeq;
    }

    /**
     * {@code KVM_HC_COPYLESS_MIGRATE} with the binary ABI of docs/ABI.md: decodes and validates
     * the request block, and if it is accepted asks the host to migrate each source gfn's data
     * from its new source location straight to the node bound to the destination vNode
     * (claim 1). Writes the reply: header, and on acceptance a {@code move_pages(2)}-style
     * status per entry (0, {@code -EAGAIN} stale, {@code -ENOMEM}).
     *
     * @param vm      the VM whose vCPU exited (never taken from the block)
     * @param request the request block; its size is the length the guest passed
     * @param reply   the reply buffer; at least 32 + 4 * count bytes
     * @return virtual nanoseconds the call took (exit, handling, I/O), or {@code -errno} of an
     *         {@link AbiError} when refused
     * @throws IllegalArgumentException for a VM id the hypervisor never created (a hypervisor bug, not guest input)
     */
    public long hypercall(int vm, MemorySegment request, MemorySegment reply) {
        if (vm < 0 || vm >= vms.size()) {
            throw new IllegalArgumentException("no VM " + vm);
        }
        VmRecord r = vms.get(vm);
        long replyLen = reply.byteSize();
        if (replyLen < HypercallAbi.REP_HEADER) {
            return refuse(AbiError.REPLY_TOO_SMALL, null, 0, HypercallAbi.NO_INDEX);
        }
        long len = request.byteSize();
        if (len < HypercallAbi.REQ_HEADER) {
            return refuse(AbiError.REQUEST_TOO_SHORT, reply, 0, HypercallAbi.NO_INDEX);
        }
        long seq = HypercallAbi.u64(request, HypercallAbi.REQ_SEQ);
        if (HypercallAbi.u32(request, HypercallAbi.REQ_MAGIC) != HypercallAbi.MAGIC) {
            return refuse(AbiError.BAD_MAGIC, reply, seq, HypercallAbi.NO_INDEX);
        }
        if (HypercallAbi.u16(request, HypercallAbi.REQ_VERSION) != HypercallAbi.VERSION) {
            return refuse(AbiError.BAD_VERSION, reply, seq, HypercallAbi.NO_INDEX);
        }
        if (HypercallAbi.u16(request, HypercallAbi.REQ_FLAGS) != 0) {
            return refuse(AbiError.BAD_FLAGS, reply, seq, HypercallAbi.NO_INDEX);
        }
        if (!reservedZero(request)) {
            return refuse(AbiError.RESERVED_NOT_ZERO, reply, seq, HypercallAbi.NO_INDEX);
        }
        MigrationOrder order = HypercallAbi.order(HypercallAbi.u8(request, HypercallAbi.REQ_ORDER));
        if (order == null) {
            return refuse(AbiError.BAD_ORDER, reply, seq, HypercallAbi.NO_INDEX);
        }
        long count = Integer.toUnsignedLong(HypercallAbi.u32(request, HypercallAbi.REQ_COUNT));
        if (count == 0) {
            return refuse(AbiError.EMPTY_BATCH, reply, seq, HypercallAbi.NO_INDEX);
        }
        if (count > HypercallAbi.MAX_ENTRIES) {
            return refuse(AbiError.BATCH_TOO_LARGE, reply, seq, HypercallAbi.NO_INDEX);
        }
        int n = (int) count;
        if (len != HypercallAbi.requestLength(n)) {
            return refuse(AbiError.LENGTH_MISMATCH, reply, seq, HypercallAbi.NO_INDEX);
        }
        if (replyLen < HypercallAbi.replyLength(n)) {
            return refuse(AbiError.REPLY_TOO_SMALL, reply, seq, HypercallAbi.NO_INDEX);
        }
        if (Long.compareUnsigned(seq, r.lastSeq) <= 0) {
            return refuse(AbiError.REPLAY, reply, seq, HypercallAbi.NO_INDEX);
        }
        r.lastSeq = seq; // a well-formed block consumes its number, whatever follows: a fence for older ones
        long now = clock.getAsLong();
        if (!r.calls.allows(now, 1) || !r.pages.allows(now, n)) {
            return refuse(AbiError.THROTTLED, reply, seq, HypercallAbi.NO_INDEX);
        }
        int dstVnode = HypercallAbi.u16(request, HypercallAbi.REQ_DST_VNODE);
        if (dstVnode >= r.layout.vnodes()) {
            return refuse(AbiError.BAD_VNODE, reply, seq, HypercallAbi.NO_INDEX);
        }
        if (HypercallAbi.u16(request, HypercallAbi.REQ_DST_HOST_NODE) != r.layout.node(dstVnode)) {
            return refuse(AbiError.BAD_HOST_NODE, reply, seq, HypercallAbi.NO_INDEX);
        }
        for (int i = 0; i < n; i++) {
            long off = HypercallAbi.REQ_HEADER + (long) i * HypercallAbi.ENTRY;
            long s = HypercallAbi.u64(request, off);
            long d = HypercallAbi.u64(request, off + 8);
            AbiError e = validateEntry(r, dstVnode, s, d, i);
            if (e != null) {
                return refuse(e, reply, seq, i);
            }
            src[i] = (int) s;
            dst[i] = (int) d;
        }
        r.calls.take(now, 1);
        r.pages.take(now, n);
        stat.inc(Counter.HYPERCALLS);
        stat.add(Counter.HYPERCALL_PAGES, n);
        long ns = cost.hypercallExitNs + (long) n * cost.hypercallPageNs;
        java.util.Arrays.fill(status, 0, n, Errno.OK);
        ns += host.migratePages(r.hostVmId, src, dst, n, order, status);
        HypercallAbi.writeReplyHeader(reply, seq, Errno.OK, 0, n, HypercallAbi.NO_INDEX);
        for (int i = 0; i < n; i++) {
            int st = status[i];
            HypercallAbi.writeEntryStatus(reply, i, st);
            if (st == -Errno.EAGAIN) {
                stat.inc(Counter.HYPERCALL_STALE);
            } else if (st != Errno.OK) {
                stat.inc(Counter.HYPERCALL_ERRORS);
            }
        }
        return ns;
    }

    /** Bytes 25..63 of the header are reserved: all zero. */
    private static boolean reservedZero(MemorySegment request) {
        if (HypercallAbi.u8(request, 25) != 0 || HypercallAbi.u16(request, 26) != 0
                || HypercallAbi.u32(request, 28) != 0) {
            return false;
        }
        for (int off = 32; off < HypercallAbi.REQ_HEADER; off += 8) {
            if (HypercallAbi.u64(request, off) != 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * Checks entry {@code i}: both gfns inside the calling VM (unsigned u64 below its size),
     * distinct, the destination on the requested vNode, and neither gfn named by an earlier
     * entry (a repeated destination would let the second migration overwrite the first; a chain
     * would move a page that the batch itself has just unbacked). Earlier entries are already
     * in {@link #src} / {@link #dst}.
     */
    private AbiError validateEntry(VmRecord r, int dstVnode, long s, long d, int i) {
        if (Long.compareUnsigned(s, r.layout.gfns()) >= 0 || Long.compareUnsigned(d, r.layout.gfns()) >= 0) {
            return AbiError.GFN_OUT_OF_RANGE;
        }
        int sg = (int) s;
        int dg = (int) d;
        if (sg == dg) {
            return AbiError.SAME_GFN;
        }
        if (r.layout.vnodeOf(dg) != dstVnode) {
            return AbiError.WRONG_VNODE;
        }
        for (int j = 0; j < i; j++) {
            int s2 = src[j];
            int d2 = dst[j];
            if (sg == s2 || sg == d2 || dg == s2 || dg == d2) {
                return AbiError.REPEATED_GFN;
            }
        }
        return null;
    }

    /** A refusal: the refusal counters, the reply header (when there is room), {@code -errno}. */
    private long refuse(AbiError e, MemorySegment reply, long seq, int badIndex) {
        stat.inc(Counter.HYPERCALL_REFUSED);
        if (e == AbiError.REPLAY) {
            stat.inc(Counter.HYPERCALL_REPLAYS_REFUSED);
        } else if (e == AbiError.THROTTLED) {
            stat.inc(Counter.HYPERCALL_THROTTLED);
        }
        if (reply != null) {
            HypercallAbi.writeReplyHeader(reply, seq, -e.errno, e.code, 0, badIndex);
        }
        return -e.errno;
    }
}
