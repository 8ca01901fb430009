package dev.copyless;

import static org.assertj.core.api.Assertions.assertThat;

import dev.copyless.guest.GuestVm;
import dev.copyless.hypervisor.AbiError;
import dev.copyless.hypervisor.HypercallAbi;
import dev.copyless.hypervisor.HypercallConfig;
import dev.copyless.metrics.Counter;
import dev.copyless.mm.Errno;
import dev.copyless.mm.MigrationOrder;
import dev.copyless.mm.PageState;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * A seeded fuzz test of the hypervisor's decoder and handler ({@code Hypervisor.hypercall}):
 * 300,000 inputs from two VMs (random bytes, valid requests, and valid requests mutated by bit
 * flips, truncations, extensions and field edits; replies of random sizes too). For each input:
 * no exception escapes; the result is an accepted call (reply status 0, a documented status per
 * entry, the sequence number consumed, the invariants hold) or a documented {@link AbiError}
 * (the return value and the reply's status and detail agree); and a refused call changed
 * nothing (host locations, both moved-page lists, counters but the refusal ones, free frames
 * and slots, sequence numbers as documented). Every refusal class is reached.
 */
class HypercallFuzzTest {
    private static final int INPUTS = 300_000;
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** Rate limit that throttles some inputs: 1 µs of virtual time passes per input. */
    private static final HypercallConfig CONFIG = HypercallConfig.DEFAULT.withRateLimits(50_000, 0);

    private final SplittableRandom rnd = new SplittableRandom(0x5EED_AB1L);
    private HypercallWorld w = new HypercallWorld(CONFIG);
    private long now;

    @Test
    void decoderAndHandlerSurviveEveryInputAndRefusalsChangeNothing() {
        Map<AbiError, Integer> refused = new EnumMap<>(AbiError.class);
        int accepted = 0;
        int migrated = 0;
        for (int i = 0; i < INPUTS; i++) {
            if (i % 512 == 0) {
                reshuffle();
            }
            if (w.hv.lastSequence(0) > 1L << 40 || w.hv.lastSequence(1) > 1L << 40) {
                w = new HypercallWorld(CONFIG); // a flipped high bit fenced a VM's sequence numbers for good
                now = 0;
            }
            now += 1_000;
            w.engine.advanceTo(now);
            int vm = rnd.nextInt(2);
            MemorySegment req = input(vm);
            MemorySegment reply = MemorySegment.ofArray(new byte[replySize()]);
            byte[] replyBefore = reply.toArray(ValueLayout.JAVA_BYTE);
            long seq = req.byteSize() >= HypercallAbi.REQ_HEADER ? req.get(U64, HypercallAbi.REQ_SEQ) : 0;
            HypercallWorld.Snapshot before = w.snapshot();
            long r;
            try {
                r = w.hv.hypercall(vm, req, reply);
            } catch (Throwable t) {
                throw new AssertionError("input " + i + " escaped with " + t + ": " + hex(req), t);
            }
            if (r >= 0) {
                accepted++;
                migrated += checkAccepted(i, vm, req, reply, seq, before);
            } else {
                AbiError e = checkRefused(i, vm, req, reply, replyBefore, seq, before, r);
                refused.merge(e, 1, Integer::sum);
            }
        }
        assertThat(accepted).as("accepted calls").isGreaterThan(INPUTS / 20);
        assertThat(migrated).as("pages migrated by accepted calls").isGreaterThan(INPUTS / 20);
        assertThat(refused.keySet()).as("every refusal class reached: %s", refused).containsExactlyInAnyOrder(AbiError.values());
    }

    // ------------------------------------------------------------------ checks

    private int checkAccepted(int i, int vm, MemorySegment req, MemorySegment reply, long seq,
                              HypercallWorld.Snapshot before) {
        int n = req.get(U32, HypercallAbi.REQ_COUNT);
        check(i, req, HypercallAbi.replyStatus(reply) == Errno.OK && HypercallAbi.replyCount(reply) == n
                && HypercallAbi.replySeq(reply) == seq, "accepted reply header");
        check(i, req, w.hv.lastSequence(vm) == seq, "an accepted call consumes its sequence number");
        check(i, req, w.stat.get(Counter.HYPERCALLS) == before.counters()[Counter.HYPERCALLS.ordinal()] + 1,
                "hypercalls counted");
        check(i, req, w.stat.get(Counter.HYPERCALL_REFUSED) == before.counters()[Counter.HYPERCALL_REFUSED.ordinal()],
                "no refusal counted");
        check(i, req, Arrays.equals(w.snapshot().states()[1 - vm], before.states()[1 - vm]),
                "the other VM's pages are untouched");
        int ok = 0;
        for (int k = 0; k < n; k++) {
            int st = HypercallAbi.entryStatus(reply, k);
            check(i, req, st == Errno.OK || st == -Errno.EAGAIN || st == -Errno.ENOMEM, "entry status " + st);
            if (st == Errno.OK) {
                ok++;
                int src = (int) req.get(U64, HypercallAbi.REQ_HEADER + (long) k * HypercallAbi.ENTRY);
                check(i, req, w.host.locate(vm, src) == PageState.UNBACKED_WORD, "a migrated source is unbacked");
            }
        }
        try {
            w.checkInvariants();
        } catch (IllegalStateException e) {
            throw new AssertionError("input " + i + " broke an invariant: " + hex(req), e);
        }
        return ok;
    }

    private AbiError checkRefused(int i, int vm, MemorySegment req, MemorySegment reply, byte[] replyBefore, long seq,
                                  HypercallWorld.Snapshot before, long r) {
        AbiError e;
        if (reply.byteSize() < HypercallAbi.REP_HEADER) {
            e = AbiError.REPLY_TOO_SMALL;
            check(i, req, Arrays.equals(reply.toArray(ValueLayout.JAVA_BYTE), replyBefore),
                    "a reply too small for the header is not written");
        } else {
            e = HypercallAbi.replyDetail(reply);
            check(i, req, e != null, "the reply names a documented refusal, detail "
                    + reply.get(U16, HypercallAbi.REP_DETAIL));
            check(i, req, HypercallAbi.replyStatus(reply) == -e.errno && HypercallAbi.replyCount(reply) == 0,
                    "reply status agrees with detail " + e);
        }
        check(i, req, r == -e.errno, "return " + r + " is -errno of " + e);
        HypercallWorld.Snapshot after = w.snapshot();
        for (int v = 0; v < 2; v++) {
            check(i, req, Arrays.equals(after.states()[v], before.states()[v]), e + " changed vm" + v + "'s pages");
            check(i, req, Arrays.equals(after.lists()[v], before.lists()[v]), e + " changed vm" + v + "'s list");
        }
        check(i, req, Arrays.equals(after.countersButRefusals(), before.countersButRefusals()), e + " counted");
        check(i, req, after.counters()[Counter.HYPERCALL_REFUSED.ordinal()]
                == before.counters()[Counter.HYPERCALL_REFUSED.ordinal()] + 1, "refusal counted once");
        check(i, req, Arrays.equals(after.freeFrames(), before.freeFrames()) && after.freeSlots() == before.freeSlots(),
                e + " changed free frames or slots");
        long[] expected = before.lastSeq().clone();
        if (!e.structural() && e != AbiError.REPLAY) {
            expected[vm] = seq;
        }
        check(i, req, Arrays.equals(after.lastSeq(), expected), e + ": sequence numbers " + Arrays.toString(after.lastSeq())
                + ", expected " + Arrays.toString(expected));
        return e;
    }

    private static void check(int i, MemorySegment req, boolean ok, String what) {
        if (!ok) {
            throw new AssertionError("input " + i + ": " + what + ": " + hex(req));
        }
    }

    private static String hex(MemorySegment s) {
        byte[] b = s.toArray(ValueLayout.JAVA_BYTE);
        return b.length + " bytes " + HexFormat.of().formatHex(b, 0, Math.min(b.length, 160));
    }

    // ------------------------------------------------------------------ inputs

    /** Keeps moved pages around: fills unbacked gfns and swaps some resident ones out. */
    private void reshuffle() {
        for (GuestVm vm : w.vms) {
            for (int g = 0; g < vm.gfns(); g++) {
                long word = w.host.locate(vm.id(), g);
                if (PageState.kind(word) == PageState.UNBACKED) {
                    w.host.populate(vm.id(), g);
                } else if (PageState.isResident(word) && rnd.nextInt(3) == 0) {
                    w.host.pageOut(vm.id(), g);
                }
            }
        }
        w.checkInvariants();
    }

    private int replySize() {
        return switch (rnd.nextInt(20)) {
            case 0 -> rnd.nextInt(HypercallAbi.REP_HEADER + 1);
            case 1 -> HypercallAbi.REP_HEADER + rnd.nextInt(64);
            default -> HypercallAbi.REPLY_AREA;
        };
    }

    private MemorySegment input(int vm) {
        int kind = rnd.nextInt(10);
        if (kind < 2) {
            return randomBytes();
        }
        MemorySegment req = valid(vm);
        if (kind < 4) {
            return req;
        }
        int mutations = 1 + rnd.nextInt(3);
        for (int m = 0; m < mutations; m++) {
            req = mutate(vm, req);
        }
        return req;
    }

    private MemorySegment randomBytes() {
        int len = rnd.nextBoolean() ? rnd.nextInt(200) : (int) HypercallAbi.requestLength(rnd.nextInt(10));
        byte[] b = new byte[len];
        for (int k = 0; k < len; k++) {
            b[k] = (byte) rnd.nextInt(256);
        }
        MemorySegment s = MemorySegment.ofArray(b);
        if (len >= 8 && rnd.nextBoolean()) { // get past the magic and version now and then
            s.set(U32, 0, HypercallAbi.MAGIC);
            s.set(U16, 4, (short) HypercallAbi.VERSION);
        }
        return s;
    }

    /** A valid request of VM {@code vm}: distinct sources anywhere, distinct destinations on the destination vNode. */
    private MemorySegment valid(int vm) {
        GuestVm g = w.vm(vm);
        int dstVnode = rnd.nextInt(2);
        int first = g.vnodeStart(dstVnode);
        int size = HypercallWorld.VNODE_PAGES[vm][dstVnode];
        int[] dstPool = shuffled(first, size);
        int[] srcPool = shuffled(g.vnodeStart(1 - dstVnode), HypercallWorld.VNODE_PAGES[vm][1 - dstVnode]);
        int n = 1 + rnd.nextInt(Math.min(rnd.nextInt(8) == 0 ? size : 4, size));
        int[] src = new int[n];
        int[] dst = new int[n];
        for (int k = 0; k < n; k++) {
            src[k] = srcPool[k];
            dst[k] = dstPool[k];
        }
        MemorySegment block = MemorySegment.ofArray(new byte[(int) HypercallAbi.requestLength(n)]);
        long seq = w.hv.lastSequence(vm) + 1 + (rnd.nextInt(4) == 0 ? rnd.nextInt(1000) : 0);
        MigrationOrder order = rnd.nextBoolean() ? MigrationOrder.MAP_THEN_MIGRATE : MigrationOrder.MIGRATE_BEFORE_MAP;
        HypercallAbi.encodeRequest(block, seq, dstVnode, HypercallWorld.VNODE_NODES[vm][dstVnode], order, src, dst, n);
        return block;
    }

    private int[] shuffled(int first, int n) {
        int[] a = new int[n];
        for (int k = 0; k < n; k++) {
            a[k] = first + k;
        }
        for (int k = n - 1; k > 0; k--) {
            int j = rnd.nextInt(k + 1);
            int t = a[k];
            a[k] = a[j];
            a[j] = t;
        }
        return a;
    }

    private MemorySegment mutate(int vm, MemorySegment req) {
        long len = req.byteSize();
        switch (rnd.nextInt(4)) {
            case 0 -> { // bit flip
                if (len > 0) {
                    long off = rnd.nextLong(len);
                    req.set(ValueLayout.JAVA_BYTE, off, (byte) (req.get(ValueLayout.JAVA_BYTE, off) ^ (1 << rnd.nextInt(8))));
                }
                return req;
            }
            case 1 -> { // truncation
                return resized(req, len == 0 ? 0 : rnd.nextLong(len));
            }
            case 2 -> { // extension, zeros or an extra entry's worth of random bytes
                MemorySegment out = resized(req, len + 1 + rnd.nextInt(rnd.nextBoolean() ? 16 : 64));
                if (rnd.nextBoolean()) {
                    for (long k = len; k < out.byteSize(); k++) {
                        out.set(ValueLayout.JAVA_BYTE, k, (byte) rnd.nextInt(256));
                    }
                }
                return out;
            }
            default -> {
                if (len >= HypercallAbi.REQ_HEADER) {
                    editField(vm, req);
                }
                return req;
            }
        }
    }

    private static MemorySegment resized(MemorySegment req, long len) {
        MemorySegment out = MemorySegment.ofArray(new byte[(int) len]);
        MemorySegment.copy(req, 0, out, 0, Math.min(len, req.byteSize()));
        return out;
    }

    private void editField(int vm, MemorySegment req) {
        GuestVm g = w.vm(vm);
        long last = w.hv.lastSequence(vm);
        switch (rnd.nextInt(10)) {
            case 0 -> req.set(U32, HypercallAbi.REQ_MAGIC, rnd.nextInt());
            case 1 -> req.set(U16, HypercallAbi.REQ_VERSION, (short) rnd.nextInt(4));
            case 2 -> req.set(U16, HypercallAbi.REQ_FLAGS, (short) (1 << rnd.nextInt(16)));
            case 3 -> req.set(U64, HypercallAbi.REQ_SEQ, pick(0, last, Math.max(0, last - 1), last + 1, last + 2,
                    1 + rnd.nextLong(Math.min(Math.max(last, 0), 1L << 40) + 1000)));
            case 4 -> {
                int n = req.get(U32, HypercallAbi.REQ_COUNT);
                req.set(U32, HypercallAbi.REQ_COUNT, (int) pick(0, 1, n - 1, n + 1, 512, 513, rnd.nextInt(), -1));
            }
            case 5 -> req.set(U16, HypercallAbi.REQ_DST_VNODE, (short) pick(0, 1, 2, 3, 0xFFFF));
            case 6 -> req.set(U16, HypercallAbi.REQ_DST_HOST_NODE, (short) pick(0, 1, 2, 3, 0xFFFF));
            case 7 -> req.set(ValueLayout.JAVA_BYTE, HypercallAbi.REQ_ORDER, (byte) rnd.nextInt(4));
            case 8 -> req.set(ValueLayout.JAVA_BYTE, HypercallAbi.REQ_RESERVED
                    + rnd.nextInt(HypercallAbi.REQ_HEADER - HypercallAbi.REQ_RESERVED), (byte) (1 + rnd.nextInt(255)));
            default -> {
                long entries = (req.byteSize() - HypercallAbi.REQ_HEADER) / 8;
                if (entries > 0) {
                    long off = HypercallAbi.REQ_HEADER + 8 * rnd.nextLong(entries);
                    int other = w.vm(1 - vm).gfns();
                    long gfn = pick(g.gfns() - 1, g.gfns(), other - 1, g.gfns() + rnd.nextInt(other + 1), 1L << 32,
                            (1L << 32) + rnd.nextInt(g.gfns()), -1, rnd.nextInt(g.gfns()));
                    req.set(U64, off, gfn);
                }
            }
        }
    }

    private long pick(long... choices) {
        return choices[rnd.nextInt(choices.length)];
    }
}
