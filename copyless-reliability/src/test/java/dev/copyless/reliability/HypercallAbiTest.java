package dev.copyless.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.copyless.clock.CostModel;
import dev.copyless.clock.Engine;
import dev.copyless.host.Verification;
import dev.copyless.hypervisor.AbiError;
import dev.copyless.hypervisor.HypercallAbi;
import dev.copyless.hypervisor.HypercallConfig;
import dev.copyless.hypervisor.Hypervisor;
import dev.copyless.hypervisor.MovedPageList;
import dev.copyless.hypervisor.MovedPageListView;
import dev.copyless.kernel.HostConfig;
import dev.copyless.kernel.HostNode;
import dev.copyless.kernel.OffHeapPageStore;
import dev.copyless.kernel.SimulatedHost;
import dev.copyless.metrics.Counter;
import dev.copyless.metrics.VmStat;
import dev.copyless.mm.Errno;
import dev.copyless.mm.MigrationOrder;
import dev.copyless.mm.PageState;
import dev.copyless.mm.Promotion;
import dev.copyless.swap.FaultConfig;
import dev.copyless.swap.SwapDevice;
import dev.copyless.swap.SwapFaults;
import dev.copyless.swap.SwapProfile;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/**
 * The hypercall ABI of docs/ABI.md at the hypervisor's binary entry point: one test per class
 * of refused call, each asserting the error code, the reply header and that no host state
 * changed (every gfn's location, both moved-page lists, the counters but the refusal ones, free
 * frames and slots, the sequence numbers as documented); the isolation of one VM from another;
 * the accepted call; and the guest's view of the exported moved-page list.
 */
class HypercallAbiTest {
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final HypercallWorld w = HypercallWorld.builder().build();

    /** Calls VM {@code vm} with {@code request} and asserts a refusal of class {@code e} that changed nothing. */
    private MemorySegment assertRefused(int vm, MemorySegment request, MemorySegment reply, AbiError e) {
        long seq = request.byteSize() >= HypercallAbi.REQ_HEADER ? request.get(U64, HypercallAbi.REQ_SEQ) : 0;
        HypercallWorld.Snapshot before = w.snapshot();
        long r = w.hv().hypercall(vm, request, reply);
        assertThat(r).as("return of a %s refusal", e).isEqualTo(-e.errno);
        if (reply.byteSize() >= HypercallAbi.REP_HEADER) {
            assertThat(HypercallAbi.replyStatus(reply)).isEqualTo(-e.errno);
            assertThat(HypercallAbi.replyDetail(reply)).isEqualTo(e);
            assertThat(HypercallAbi.replyCount(reply)).isZero();
            assertThat(HypercallAbi.replySeq(reply)).isEqualTo(seq);
        }
        Refusals.assertUnchangedBy(w, before, e, vm, seq);
        return reply;
    }

    private MemorySegment assertRefused(int vm, MemorySegment request, AbiError e) {
        return assertRefused(vm, request, HypercallWorld.reply(), e);
    }

    private static MemorySegment withLength(MemorySegment block, long length) {
        MemorySegment out = MemorySegment.ofArray(new byte[(int) length]);
        MemorySegment.copy(block, 0, out, 0, Math.min(length, block.byteSize()));
        return out;
    }

    // ------------------------------------------------------------------ accepted

    @Test
    void aValidRequestMigratesAndRepliesPerEntry() {
        int src = w.movedGfn(1, 0);
        int dst = w.vm(1).vnodeStart(1) + 2;
        MemorySegment req = w.request(1, 1, new int[] {src}, new int[] {dst});
        MemorySegment reply = HypercallWorld.reply();
        long r = w.hv().hypercall(1, req, reply);
        assertThat(r).isPositive();
        assertThat(HypercallAbi.replyStatus(reply)).isEqualTo(Errno.OK);
        assertThat(HypercallAbi.replyDetail(reply)).isNull();
        assertThat(HypercallAbi.replyCount(reply)).isEqualTo(1);
        assertThat(HypercallAbi.replySeq(reply)).isEqualTo(w.lastCallerSeq(1));
        assertThat(HypercallAbi.replyBadIndex(reply)).isEqualTo(HypercallAbi.NO_INDEX);
        assertThat(HypercallAbi.entryStatus(reply, 0)).isEqualTo(Errno.OK);
        assertThat(w.host().locate(1, src)).isEqualTo(PageState.UNBACKED_WORD);
        assertThat(PageState.nodeOrDevice(w.host().locate(1, dst))).isEqualTo(HypercallWorld.vnodeNodes()[1][1]);
        assertThat(w.hv().lastSequence(1)).isEqualTo(w.lastCallerSeq(1));
        assertThat(w.hv().lastSequence(0)).as("sequence numbers are per VM").isZero();
        assertThat(w.stat().get(Counter.HYPERCALLS)).isEqualTo(1);
        assertThat(w.stat().get(Counter.HYPERCALL_REFUSED)).isZero();
        w.checkInvariants();
    }

    @Test
    void aStaleEntryIsAnsweredEagainInAnAcceptedCall() {
        int notMoved = w.vm(0).vnodeStart(0); // even gfns stay resident on their pinned node
        assertThat(w.hv().movedPageList(0).isMoved(notMoved)).isFalse();
        MemorySegment reply = HypercallWorld.reply();
        long r = w.hv().hypercall(0, w.request(0, 1, new int[] {notMoved}, new int[] {w.vm(0).vnodeStart(1)}), reply);
        assertThat(r).isPositive();
        assertThat(HypercallAbi.entryStatus(reply, 0)).isEqualTo(-Errno.EAGAIN);
        assertThat(w.stat().get(Counter.HYPERCALL_STALE)).isEqualTo(1);
    }

    // ------------------------------------------------------------------ one test per refused class

    @Test
    void replyTooSmall() {
        MemorySegment tiny = MemorySegment.ofArray(new byte[HypercallAbi.REP_HEADER - 1]);
        assertRefused(0, w.validRequest(0), tiny, AbiError.REPLY_TOO_SMALL);
        int[] src = {w.movedGfn(0, 0), w.movedGfn(0, 0) + 2};
        int[] dst = {w.vm(0).vnodeStart(1), w.vm(0).vnodeStart(1) + 1};
        MemorySegment headerOnly = MemorySegment.ofArray(new byte[(int) HypercallAbi.replyLength(2) - 1]);
        assertRefused(0, w.request(0, 1, src, dst), headerOnly, AbiError.REPLY_TOO_SMALL);
    }

    @Test
    void requestShorterThanItsHeader() {
        for (int len : new int[] {0, 1, 8, 16, HypercallAbi.REQ_HEADER - 1}) {
            assertRefused(0, withLength(w.validRequest(0), len), AbiError.REQUEST_TOO_SHORT);
        }
    }

    @Test
    void badMagic() {
        MemorySegment req = w.validRequest(0);
        req.set(U32, HypercallAbi.REQ_MAGIC, 0x4C595044);
        assertRefused(0, req, AbiError.BAD_MAGIC);
    }

    @Test
    void unknownVersion() {
        for (int version : new int[] {0, 2, 0xFFFF}) {
            MemorySegment req = w.validRequest(0);
            req.set(U16, HypercallAbi.REQ_VERSION, (short) version);
            assertRefused(0, req, AbiError.BAD_VERSION);
        }
    }

    @Test
    void nonZeroFlags() {
        MemorySegment req = w.validRequest(0);
        req.set(U16, HypercallAbi.REQ_FLAGS, (short) 1);
        assertRefused(0, req, AbiError.BAD_FLAGS);
    }

    @Test
    void everyReservedByteMustBeZero() {
        for (int off = HypercallAbi.REQ_RESERVED; off < HypercallAbi.REQ_HEADER; off++) {
            MemorySegment req = w.validRequest(0);
            req.set(ValueLayout.JAVA_BYTE, off, (byte) 0x80);
            assertRefused(0, req, AbiError.RESERVED_NOT_ZERO);
        }
    }

    @Test
    void unknownOrder() {
        for (int order : new int[] {2, 0x7F, 0xFF}) {
            MemorySegment req = w.validRequest(0);
            req.set(ValueLayout.JAVA_BYTE, HypercallAbi.REQ_ORDER, (byte) order);
            assertRefused(0, req, AbiError.BAD_ORDER);
        }
    }

    @Test
    void emptyBatch() {
        assertRefused(0, w.request(0, 1, new int[0], new int[0]), AbiError.EMPTY_BATCH);
    }

    @Test
    void batchTooLarge() {
        int n = HypercallAbi.MAX_ENTRIES + 1;
        int[] src = new int[n];
        int[] dst = new int[n];
        assertRefused(0, w.request(0, 1, src, dst), AbiError.BATCH_TOO_LARGE);
        MemorySegment huge = w.validRequest(0);
        huge.set(U32, HypercallAbi.REQ_COUNT, -1); // 2^32 - 1 as u32
        assertRefused(0, huge, AbiError.BATCH_TOO_LARGE);
    }

    @Test
    void lengthDisagreesWithCount() {
        MemorySegment req = w.validRequest(0);
        assertRefused(0, withLength(req, req.byteSize() + 1), AbiError.LENGTH_MISMATCH);
        assertRefused(0, withLength(req, req.byteSize() - 1), AbiError.LENGTH_MISMATCH);
        assertRefused(0, withLength(req, req.byteSize() + HypercallAbi.ENTRY), AbiError.LENGTH_MISMATCH);
        assertRefused(0, withLength(req, HypercallAbi.REQ_HEADER), AbiError.LENGTH_MISMATCH);
    }

    @Test
    void replaysAreRefusedAndDoNotConsumeAnything() {
        MemorySegment req = w.validRequest(0);
        MemorySegment copy = withLength(req, req.byteSize());
        assertThat(w.hv().hypercall(0, req, HypercallWorld.reply())).isPositive();
        assertRefused(0, copy, AbiError.REPLAY); // the same block again
        MemorySegment older = w.validRequest(0);
        older.set(U64, HypercallAbi.REQ_SEQ, w.hv().lastSequence(0) - 1);
        assertRefused(0, older, AbiError.REPLAY);
        MemorySegment zero = w.validRequest(0);
        zero.set(U64, HypercallAbi.REQ_SEQ, 0L);
        assertRefused(0, zero, AbiError.REPLAY);
        assertThat(w.stat().get(Counter.HYPERCALL_REPLAYS_REFUSED)).isEqualTo(3);
    }

    @Test
    void aRefusedWellFormedCallConsumesItsSequenceNumber() {
        MemorySegment bad = w.request(0, 1, new int[] {w.movedGfn(0, 0)}, new int[] {w.vm(0).vnodeStart(0)});
        assertRefused(0, bad, AbiError.WRONG_VNODE);
        long consumed = w.hv().lastSequence(0);
        MemorySegment sameNumber = w.validRequest(0);
        sameNumber.set(U64, HypercallAbi.REQ_SEQ, consumed);
        assertRefused(0, sameNumber, AbiError.REPLAY);
        MemorySegment malformed = w.validRequest(0);
        malformed.set(U16, HypercallAbi.REQ_FLAGS, (short) 4);
        long malformedSeq = malformed.get(U64, HypercallAbi.REQ_SEQ);
        assertRefused(0, malformed, AbiError.BAD_FLAGS);
        MemorySegment fixed = withLength(malformed, malformed.byteSize());
        fixed.set(U16, HypercallAbi.REQ_FLAGS, (short) 0);
        assertThat(fixed.get(U64, HypercallAbi.REQ_SEQ)).isEqualTo(malformedSeq);
        assertThat(w.hv().hypercall(0, fixed, HypercallWorld.reply())).as("a malformed block left its number unused")
                .isPositive();
    }

    @Test
    void throttled() {
        HypercallWorld limited = HypercallWorld.builder().config(HypercallConfig.DEFAULT.withRateLimits(100, 0)).build(); // 1 call per 10 ms burst
        MemorySegment first = limited.validRequest(0);
        assertThat(limited.hv().hypercall(0, first, HypercallWorld.reply())).isPositive();
        MemorySegment second = limited.validRequest(0);
        long seq = second.get(U64, HypercallAbi.REQ_SEQ);
        HypercallWorld.Snapshot before = limited.snapshot();
        MemorySegment reply = HypercallWorld.reply();
        assertThat(limited.hv().hypercall(0, second, reply)).isEqualTo(-Errno.EBUSY);
        assertThat(HypercallAbi.replyDetail(reply)).isEqualTo(AbiError.THROTTLED);
        Refusals.assertUnchangedBy(limited, before, AbiError.THROTTLED, 0, seq);
        assertThat(limited.stat().get(Counter.HYPERCALL_THROTTLED)).isEqualTo(1);
        limited.engine().advanceTo(limited.engine().now() + 10_000_000L); // one token back 10 ms of virtual time after the calls
        assertThat(limited.hv().hypercall(0, limited.validRequest(0), HypercallWorld.reply())).isPositive();
    }

    @Test
    void destinationVnodeNotTheCallers() {
        MemorySegment req = w.validRequest(1);
        req.set(U16, HypercallAbi.REQ_DST_VNODE, (short) 2); // VM 1 has vNodes 0 and 1
        assertRefused(1, req, AbiError.BAD_VNODE);
        req = w.validRequest(1);
        req.set(U16, HypercallAbi.REQ_DST_VNODE, (short) 0xFFFF);
        assertRefused(1, req, AbiError.BAD_VNODE);
    }

    @Test
    void destinationHostNodeNotBoundToTheVnode() {
        for (int node : new int[] {0, 2, 7, 0xFFFF}) { // VM 0's vNode 1 is bound to host node 1
            MemorySegment req = w.validRequest(0);
            req.set(U16, HypercallAbi.REQ_DST_HOST_NODE, (short) node);
            MemorySegment reply = assertRefused(0, req, HypercallWorld.reply(), AbiError.BAD_HOST_NODE);
            assertThat(HypercallAbi.replyBadIndex(reply)).isEqualTo(HypercallAbi.NO_INDEX);
        }
    }

    @Test
    void gfnOutsideTheCallingVm() {
        int gfns = w.vm(0).gfns();
        int src = w.movedGfn(0, 0);
        int dst = w.vm(0).vnodeStart(1);
        long[] outside = {gfns, gfns + 1L, 1L << 32, (1L << 32) + src, -1L, Long.MIN_VALUE};
        for (long bad : outside) {
            for (int field = 0; field < 2; field++) {
                MemorySegment req = w.request(0, 1, new int[] {src, src + 2}, new int[] {dst, dst + 1});
                req.set(U64, HypercallAbi.REQ_HEADER + HypercallAbi.ENTRY + 8L * field, bad);
                MemorySegment reply = assertRefused(0, req, HypercallWorld.reply(), AbiError.GFN_OUT_OF_RANGE);
                assertThat(HypercallAbi.replyBadIndex(reply)).as("the offending entry").isEqualTo(1);
            }
        }
    }

    @Test
    void sameSourceAndDestination() {
        int src = w.vm(0).vnodeStart(1) + 1;
        assertRefused(0, w.request(0, 1, new int[] {src}, new int[] {src}), AbiError.SAME_GFN);
    }

    @Test
    void destinationNotOnTheDestinationVnode() {
        assertRefused(0, w.request(0, 1, new int[] {w.movedGfn(0, 0)}, new int[] {2}), AbiError.WRONG_VNODE);
    }

    @Test
    void aGfnNamedTwice() {
        int s = w.movedGfn(0, 0);
        int s1 = w.movedGfn(0, 1); // a moved page already on the destination vNode
        int d = w.vm(0).vnodeStart(1);
        int[][][] cases = {
            {{s, s}, {d, d + 1}},           // the same source twice
            {{s, s + 2}, {d, d}},           // the same destination twice
            {{s, d}, {d, d + 2}},           // a chain: the second moves what the first just filled
            {{s1, s}, {d, s1}},             // the second's destination is the first's source
        };
        for (int[][] c : cases) {
            MemorySegment reply = assertRefused(0, w.request(0, 1, c[0], c[1]), HypercallWorld.reply(),
                    AbiError.REPEATED_GFN);
            assertThat(HypercallAbi.replyBadIndex(reply)).isEqualTo(1);
        }
    }

    /**
     * The entry checks (15-18) run entry by entry in index order, and for one entry in the
     * order 15, 16, 17, 18: the first entry that fails any check decides, even when a later
     * entry fails a check with a lower number.
     */
    @Test
    void theFirstBadEntryDecidesAndWithinAnEntryTheChecksRunInOrder() {
        int s = w.movedGfn(0, 0);
        int d = w.vm(0).vnodeStart(1);
        MemorySegment req = w.request(0, 1, new int[] {s, s + 2}, new int[] {2, d}); // entry 0: WRONG_VNODE (17)
        req.set(U64, HypercallAbi.REQ_HEADER + HypercallAbi.ENTRY, 1L << 40);      // entry 1: GFN_OUT_OF_RANGE (15)
        MemorySegment reply = assertRefused(0, req, HypercallWorld.reply(), AbiError.WRONG_VNODE);
        assertThat(HypercallAbi.replyBadIndex(reply)).isZero();
        // one entry with source == destination on the wrong vNode: 16 comes before 17
        reply = assertRefused(0, w.request(0, 1, new int[] {2}, new int[] {2}), HypercallWorld.reply(),
                AbiError.SAME_GFN);
        assertThat(HypercallAbi.replyBadIndex(reply)).isZero();
        // the refusals about the whole block (13, 14) come before any entry's
        MemorySegment both = w.request(0, 1, new int[] {s}, new int[] {2});
        both.set(U16, HypercallAbi.REQ_DST_HOST_NODE, (short) 7);
        assertThat(HypercallAbi.replyBadIndex(assertRefused(0, both, HypercallWorld.reply(), AbiError.BAD_HOST_NODE)))
                .isEqualTo(HypercallAbi.NO_INDEX);
    }

    /** The reply's room for the statuses is checked after the length (10) and before the replay check (11). */
    @Test
    void theReplyRoomIsCheckedAfterTheLengthAndBeforeTheReplay() {
        int s = w.movedGfn(0, 0);
        int d = w.vm(0).vnodeStart(1);
        MemorySegment req = w.request(0, 1, new int[] {s, s + 2}, new int[] {d, d + 1}); // its reply needs 40 bytes
        req.set(U64, HypercallAbi.REQ_SEQ, 0L); // and it is a replay
        assertRefused(0, req, MemorySegment.ofArray(new byte[36]), AbiError.REPLY_TOO_SMALL);
        assertRefused(0, withLength(req, req.byteSize() + 1), MemorySegment.ofArray(new byte[36]),
                AbiError.LENGTH_MISMATCH);
        assertRefused(0, req, MemorySegment.ofArray(new byte[40]), AbiError.REPLAY);
    }

    /**
     * The largest sequence number, 2^64-1, is a valid number: a block that carries it is
     * accepted and consumes it, and from then on every block of that VM is a replay, for good.
     * Only that VM is fenced.
     */
    @Test
    void theLastSequenceNumberFencesItsVmForGoodAndNoOther() {
        MemorySegment last = w.validRequest(0);
        last.set(U64, HypercallAbi.REQ_SEQ, -1L);
        assertThat(w.hv().hypercall(0, last, HypercallWorld.reply())).isPositive();
        assertThat(w.hv().lastSequence(0)).isEqualTo(-1L);
        for (long seq : new long[] {1, 2, Long.MAX_VALUE, Long.MIN_VALUE, -2L, -1L}) {
            MemorySegment req = w.validRequest(0);
            req.set(U64, HypercallAbi.REQ_SEQ, seq);
            assertRefused(0, req, AbiError.REPLAY);
        }
        assertThat(w.hv().hypercall(1, w.validRequest(1), HypercallWorld.reply())).as("another VM is not fenced")
                .isPositive();
    }

    /**
     * A VM cannot name another VM's pages, but it shares host nodes with it: an accepted
     * migration onto a full node makes the host reclaim that node (direct reclaim, as Linux
     * does), and the pages it swaps out may be another VM's. They keep their bytes. Node 1 is
     * full of VM 1's pages; VM 0 migrates one page onto it.
     */
    @Test
    void anAcceptedCallOntoAFullNodeReclaimsWhatThatNodeHoldsAnotherVmsPagesIncluded() {
        VmStat stat = new VmStat();
        HostNode[] nodes = {new HostNode(0, 32, 0, 0, 0),
            new HostNode(1, 16, 0, 0, 0)};
        SwapDevice[] swaps = {new SwapDevice(0, "nvme0",
                SwapProfile.NVME, 64)};
        CostModel cost = CostModel.defaults(new int[][] {{10, 21}, {21, 10}});
        try (SimulatedHost host = new SimulatedHost(nodes, swaps, cost, stat,
                new Engine(), new HostConfig(4, 0, new int[] {-1, -1}, Promotion.OFF, 0, 64),
                new OffHeapPageStore(new int[] {32, 16}, new int[] {64}),
                new SwapFaults(FaultConfig.NONE))) {
            Hypervisor hv = new Hypervisor(host, cost, stat);
            int vm0 = hv.createVm(16, new int[] {0, 8}, new int[] {0, 1}, true);
            int vm1 = hv.createVm(16, new int[] {0}, new int[] {1}, true);
            for (int g = 0; g < 16; g++) {
                host.populate(vm1, g);
            }
            host.populate(vm0, 0);
            host.pageOut(vm0, 0);
            assertThat(host.node(1).freeFrames()).as("node 1 is full of VM 1's pages").isZero();
            long[] vm1Before = new long[16];
            for (int g = 0; g < 16; g++) {
                vm1Before[g] = host.locate(vm1, g);
            }
            MemorySegment req = MemorySegment.ofArray(new byte[(int) HypercallAbi.requestLength(1)]);
            HypercallAbi.encodeRequest(req, 1, 1, 1, MigrationOrder.MIGRATE_BEFORE_MAP,
                    new int[] {0}, new int[] {8}, 1);
            MemorySegment reply = HypercallWorld.reply();
            assertThat(hv.hypercall(vm0, req, reply)).isPositive();
            assertThat(HypercallAbi.entryStatus(reply, 0)).isEqualTo(Errno.OK);
            assertThat(PageState.nodeOrDevice(host.locate(vm0, 8))).isEqualTo(1);
            int swappedOut = 0;
            for (int g = 0; g < 16; g++) {
                if (host.locate(vm1, g) != vm1Before[g]) {
                    assertThat(PageState.isSwapped(host.locate(vm1, g))).isTrue();
                    swappedOut++;
                }
            }
            assertThat(swappedOut).as("VM 1's pages reclaimed to make room").isPositive();
            Verification v = host.verifyAll();
            assertThat(v.pagesLost()).isZero();
            assertThat(v.verified()).isEqualTo(17);
        }
    }

    // ------------------------------------------------------------------ isolation of VMs

    /**
     * VM 1 has 16 gfns; the numbers 16..31 exist only in VM 0. Whatever VM 1 writes, it can only
     * name its own gfns: VM 0's numbers are refused with EFAULT and VM 0's host state, list and
     * sequence number never change; a gfn number both VMs have means VM 1's own page; and no field
     * of the block names a VM (a "vm id" in a reserved field is refused).
     */
    @Test
    void oneVmCanNeverReadMapOrMoveAnothersPages() {
        int vm1Gfns = w.vm(1).gfns();
        int vm0Gfns = w.vm(0).gfns();
        assertThat(vm0Gfns).isGreaterThan(vm1Gfns);
        HypercallWorld.Snapshot start = w.snapshot();
        int ownSrc = w.movedGfn(1, 0);
        int ownDst = w.vm(1).vnodeStart(1);
        for (int g = vm1Gfns; g < vm0Gfns; g++) {
            assertRefused(1, w.request(1, 1, new int[] {g}, new int[] {ownDst}), AbiError.GFN_OUT_OF_RANGE);
            assertRefused(1, w.request(1, 1, new int[] {ownSrc}, new int[] {g}), AbiError.GFN_OUT_OF_RANGE);
        }
        // a reserved field used as a "VM id" is refused: the caller is the VM whose vCPU exited
        for (int off : new int[] {25, 26, 28, 32, 40, 48, 56}) {
            MemorySegment forged = w.validRequest(1);
            forged.set(ValueLayout.JAVA_BYTE, off, (byte) 1); // "VM 0" would be 0, which is no forgery: try 1, the caller's
            assertRefused(1, forged, AbiError.RESERVED_NOT_ZERO);
        }
        // the same gfn numbers in VM 1's own block move VM 1's page, never VM 0's
        int shared = w.movedGfn(1, 0);
        assertThat(w.hv().movedPageList(0).isMoved(shared)).as("gfn " + shared + " is moved in both VMs").isTrue();
        long vm0Before = w.host().locate(0, shared);
        MemorySegment reply = HypercallWorld.reply();
        assertThat(w.hv().hypercall(1, w.request(1, 1, new int[] {shared}, new int[] {ownDst}), reply)).isPositive();
        assertThat(HypercallAbi.entryStatus(reply, 0)).isEqualTo(Errno.OK);
        assertThat(w.host().locate(1, shared)).isEqualTo(PageState.UNBACKED_WORD);
        assertThat(w.host().locate(0, shared)).isEqualTo(vm0Before);
        HypercallWorld.Snapshot end = w.snapshot();
        assertThat(end.states()[0]).as("VM 0's host state").isEqualTo(start.states()[0]);
        assertThat(end.lists()[0]).as("VM 0's moved-page list").isEqualTo(start.lists()[0]);
        assertThat(end.lastSeq()[0]).as("VM 0's sequence number").isZero();
        // VM 1 cannot read VM 0's list either: its mapping is its own, and ends at its own size
        MovedPageListView vm1List = new MovedPageListView(w.hv().exportMovedPageList(1));
        assertThat(vm1List.capacity()).isEqualTo(vm1Gfns);
        assertThatThrownBy(() -> vm1List.entry(vm1Gfns)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> w.hv().exportMovedPageList(1).set(ValueLayout.JAVA_BYTE, 64, (byte) 1))
                .as("the guest's mapping is read-only").hasMessageContaining("read-only");
        w.checkInvariants();
    }

    @Test
    void aVmIdTheHypervisorNeverCreatedIsAHypervisorBugNotAGuestInput() {
        assertThatThrownBy(() -> w.hv().hypercall(2, w.validRequest(0), HypercallWorld.reply()))
                .isInstanceOf(IllegalArgumentException.class);
    }

    // ------------------------------------------------------------------ the exported list as a guest sees it

    @Test
    void theGuestViewReadsTheLiveListThroughItsHeader() {
        MemorySegment shared = w.hv().exportMovedPageList(0);
        assertThat(shared.get(U32, HypercallAbi.LIST_MAGIC_OFF)).isEqualTo(HypercallAbi.LIST_MAGIC);
        assertThat(shared.get(U16, HypercallAbi.LIST_VERSION)).isEqualTo((short) HypercallAbi.LIST_FORMAT);
        assertThat(shared.get(U16, HypercallAbi.LIST_ENTRY_SIZE)).isEqualTo((short) 1);
        assertThat(shared.get(U64, HypercallAbi.LIST_CAPACITY)).isEqualTo(w.vm(0).gfns());
        MovedPageList list = w.hv().movedPageList(0);
        MovedPageListView view = new MovedPageListView(shared);
        assertThat(view.size()).isEqualTo(list.size()).isEqualTo(16);
        long[] entries = new long[w.vm(0).gfns()];
        long gen = view.read(0, entries, 0, entries.length);
        assertThat(gen % 2).as("a consistent snapshot has an even generation").isZero();
        assertThat(gen).isEqualTo(list.generation());
        for (int g = 0; g < entries.length; g++) {
            assertThat(entries[g]).isEqualTo(list.entry(g));
            assertThat(MovedPageList.kind(entries[g])).isEqualTo(g % 2 == 1 ? PageState.SWAPPED : 0);
        }
        // live: a host change shows at once, with a newer generation
        int g = 4;
        w.host().pageOut(0, g);
        assertThat(view.isMoved(g)).isTrue();
        assertThat(view.generation()).isGreaterThan(gen);
        assertThat(MovedPageList.kind(view.entry(g))).isEqualTo(PageState.SWAPPED);
        assertThat(shared.get(ValueLayout.JAVA_BYTE, HypercallAbi.LIST_HEADER + g)).as("one byte per gfn, docs/ABI.md")
                .isEqualTo((byte) (MovedPageList.locationId(view.entry(g)) + 1));
        assertThat(view.size()).isEqualTo(17);
    }

    @Test
    void theGuestViewRefusesAForeignSegment() {
        MemorySegment bytes = MemorySegment.ofArray(new byte[128]);
        assertThatThrownBy(() -> new MovedPageListView(bytes)).hasMessageContaining("magic");
        MemorySegment shared = w.hv().exportMovedPageList(1);
        MemorySegment truncated = MemorySegment.ofArray(new byte[(int) shared.byteSize() - 8]);
        MemorySegment.copy(shared, 0, truncated, 0, truncated.byteSize());
        assertThatThrownBy(() -> new MovedPageListView(truncated)).hasMessageContaining("capacity");
        assertThatThrownBy(() -> new MovedPageListView(MemorySegment.ofArray(new byte[8])))
                .hasMessageContaining("header");
    }

    /** A reader that races the writer on another thread only ever sees consistent snapshots. */
    @Test
    void seqcountReadersNeverSeeATornSnapshot() throws Exception {
        MovedPageList list = new MovedPageList(64);
        MovedPageListView view = new MovedPageListView(list.segment());
        java.lang.reflect.Method update = MovedPageList.class.getDeclaredMethod("update", int.class, long.class,
                boolean.class);
        update.setAccessible(true);
        long swapped = PageState.swapped(0, 5);
        Thread writer = new Thread(() -> {
            try {
                // each round lists every gfn, then unlists every gfn: a consistent snapshot is all or nothing in a round's halves
                for (int round = 0; round < 2_000; round++) {
                    for (int g = 0; g < 64; g++) {
                        update.invoke(list, g, swapped, true);
                    }
                    for (int g = 0; g < 64; g++) {
                        update.invoke(list, g, swapped, false);
                    }
                }
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
        });
        writer.start();
        long[] snap = new long[64];
        long snapshots = 0;
        while (writer.isAlive()) {
            long gen = view.read(0, snap, 0, 64);
            // generation g (even) = g/2 updates done; within a round of 128 updates the first k gfns are set
            long done = (gen / 2) % 128;
            for (int g = 0; g < 64; g++) {
                boolean expectListed = done <= 64 ? g < done : g >= done - 64;
                assertThat(snap[g] != 0).as("gfn %d at generation %d", g, gen).isEqualTo(expectListed);
            }
            snapshots++;
        }
        writer.join();
        assertThat(snapshots).isPositive();
        assertThat(view.size()).isZero();
    }
}
