package dev.copyless.reliability;

import dev.copyless.clock.CostModel;
import dev.copyless.clock.Engine;
import dev.copyless.guest.GuestVm;
import dev.copyless.hypervisor.AbiError;
import dev.copyless.hypervisor.HypercallAbi;
import dev.copyless.hypervisor.HypercallConfig;
import dev.copyless.kernel.HostConfig;
import dev.copyless.kernel.HostNode;
import dev.copyless.kernel.SimulatedHost;
import dev.copyless.metrics.Counter;
import dev.copyless.metrics.VmStat;
import dev.copyless.mm.Errno;
import dev.copyless.mm.MigrationOrder;
import dev.copyless.mm.PageState;
import dev.copyless.sim.Invariants;
import dev.copyless.swap.SwapDevice;
import dev.copyless.swap.SwapProfile;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * The seeded fuzz of the hypercall ABI (issue 3): drives the hypervisor's decoder and handler
 * ({@link Hypervisor#hypercall}, the request of claim 1 as the hypervisor receives it from a
 * guest) with random bytes, valid requests, and valid requests mutated by bit flips,
 * truncations, extensions and field edits, and replies of random sizes, from the two VMs of a
 * small {@link HypercallWorld}. For each input it checks that no exception escapes; that the result is an
 * accepted call (reply status 0, a documented status per entry, the sequence number consumed,
 * migrated sources unbacked, the other VM untouched, the invariants hold) or a documented
 * {@link AbiError} (the return value and the reply's status and detail agree); and that a
 * refused call changed nothing (host locations, both moved-page lists, counters but the refusal
 * ones, free frames and slots, sequence numbers as {@link AbiError} documents). A failed check
 * is recorded as a violation, never thrown.
 *
 * <p>Deterministic: one seed gives one {@link Result}. Virtual time advances 1 µs per input and
 * the world's rate limit is 50,000 calls/s, so some inputs are throttled. The test suite runs it
 * ({@code HypercallFuzzTest}) and so does the CLI's {@code copyless reliability}.
 */
public final class HypercallFuzzer {
    /** What a fuzz run found. */
    public record Result(long inputs, long accepted, long pagesMigrated, Map<AbiError, Long> refused,
                         long violations, List<String> firstViolations) {
        /** No input escaped, broke an invariant or changed state when refused. */
        public boolean clean() {
            return violations == 0;
        }
    }

    /** How many violations a {@link Result} describes. */
    private static final int DESCRIBED = 10;
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** Rate limit that throttles some inputs: 1 µs of virtual time passes per input. */
    private static final HypercallConfig CONFIG = HypercallConfig.DEFAULT.withRateLimits(50_000, 0);
    private static final long NS_PER_INPUT = 1_000;

    private final SplittableRandom rnd;
    private final Consumer<HypercallWorld> afterEachCall;
    private HypercallWorld w = HypercallWorld.builder().config(CONFIG).build();
    private long now;
    private long accepted;
    private long migrated;
    private final Map<AbiError, Long> refused = new EnumMap<>(AbiError.class);
    private long violations;
    private final List<String> described = new ArrayList<>();
    /** The input being checked and its request bytes, for the violation descriptions. */
    private long index;
    private MemorySegment req;

    private HypercallFuzzer(long seed, Consumer<HypercallWorld> afterEachCall) {
        this.rnd = new SplittableRandom(seed);
        this.afterEachCall = afterEachCall;
    }

    /** Runs {@code inputs} seeded inputs against a fresh two-VM world; never throws for a bad input (a violation is recorded instead, up to 10 described). */
    public static Result run(long seed, int inputs) {
        return run(seed, inputs, world -> { });
    }

    /**
     * As {@link #run(long, int)}, with {@code afterEachCall} run on the world between each call
     * and its checks: the tests' way to show that a change behind the checker's back is caught.
     */
    static Result run(long seed, int inputs, Consumer<HypercallWorld> afterEachCall) {
        if (inputs < 0) {
            throw new IllegalArgumentException("inputs " + inputs + " < 0");
        }
        HypercallFuzzer f = new HypercallFuzzer(seed, afterEachCall);
        for (int i = 0; i < inputs; i++) {
            f.step(i);
        }
        return new Result(inputs, f.accepted, f.migrated, Collections.unmodifiableMap(new EnumMap<>(f.refused)),
                f.violations, List.copyOf(f.described));
    }

    private void step(int i) {
        index = i;
        req = MemorySegment.NULL;
        if (i % 512 == 0 && !reshuffle()) {
            fresh();
        }
        if (w.hv().lastSequence(0) > 1L << 40 || w.hv().lastSequence(1) > 1L << 40) {
            fresh(); // a flipped high bit fenced a VM's sequence numbers for good
        }
        now += NS_PER_INPUT;
        w.engine().advanceTo(now);
        int vm = rnd.nextInt(2);
        req = input(vm);
        MemorySegment reply = MemorySegment.ofArray(new byte[replySize()]);
        byte[] replyBefore = reply.toArray(ValueLayout.JAVA_BYTE);
        long seq = req.byteSize() >= HypercallAbi.REQ_HEADER ? req.get(U64, HypercallAbi.REQ_SEQ) : 0;
        HypercallWorld.Snapshot before = w.snapshot();
        long r;
        try {
            r = w.hv().hypercall(vm, req, reply);
        } catch (Throwable t) {
            violation("escaped with " + t);
            fresh(); // the world is in an unknown state: go on with a new one
            return;
        }
        afterEachCall.accept(w);
        if (r >= 0) {
            accepted++;
            migrated += checkAccepted(vm, reply, seq, before);
        } else {
            AbiError e = checkRefused(vm, reply, replyBefore, seq, before, r);
            if (e != null) {
                refused.merge(e, 1L, Long::sum);
            }
        }
    }

    private void fresh() {
        w = HypercallWorld.builder().config(CONFIG).build();
        now = 0;
    }

    // ------------------------------------------------------------------ checks

    private int checkAccepted(int vm, MemorySegment reply, long seq, HypercallWorld.Snapshot before) {
        int n = req.get(U32, HypercallAbi.REQ_COUNT);
        check(HypercallAbi.replyStatus(reply) == Errno.OK && HypercallAbi.replyCount(reply) == n
                && HypercallAbi.replySeq(reply) == seq, "accepted reply header");
        check(w.hv().lastSequence(vm) == seq, "an accepted call consumes its sequence number");
        check(w.stat().get(Counter.HYPERCALLS) == before.counters()[Counter.HYPERCALLS.ordinal()] + 1, "hypercalls counted");
        check(w.stat().get(Counter.HYPERCALL_REFUSED) == before.counters()[Counter.HYPERCALL_REFUSED.ordinal()],
                "no refusal counted");
        check(Arrays.equals(w.snapshot().states()[1 - vm], before.states()[1 - vm]), "the other VM's pages are untouched");
        int ok = 0;
        for (int k = 0; k < n; k++) {
            int st = HypercallAbi.entryStatus(reply, k);
            check(st == Errno.OK || st == -Errno.EAGAIN || st == -Errno.ENOMEM, "entry status " + st);
            if (st == Errno.OK) {
                ok++;
                int src = (int) req.get(U64, HypercallAbi.REQ_HEADER + (long) k * HypercallAbi.ENTRY);
                check(w.host().locate(vm, src) == PageState.UNBACKED_WORD, "a migrated source is unbacked");
            }
        }
        String broken = w.invariantViolation();
        if (broken != null) {
            violation("broke an invariant: " + broken);
            fresh();
        }
        return ok;
    }

    /** The refusal class, or null (and a violation) if the reply names none. */
    private AbiError checkRefused(int vm, MemorySegment reply, byte[] replyBefore, long seq, HypercallWorld.Snapshot before,
                                  long r) {
        AbiError e;
        if (reply.byteSize() < HypercallAbi.REP_HEADER) {
            e = AbiError.REPLY_TOO_SMALL;
            check(Arrays.equals(reply.toArray(ValueLayout.JAVA_BYTE), replyBefore),
                    "a reply too small for the header is not written");
        } else {
            e = HypercallAbi.replyDetail(reply);
            if (e == null) {
                violation("the reply names no documented refusal, detail " + reply.get(U16, HypercallAbi.REP_DETAIL)
                        + ", return " + r);
                return null;
            }
            check(HypercallAbi.replyStatus(reply) == -e.errno && HypercallAbi.replyCount(reply) == 0,
                    "reply status agrees with detail " + e);
        }
        check(r == -e.errno, "return " + r + " is -errno of " + e);
        for (String change : w.refusalChanges(before, e, vm, seq)) {
            violation(change);
        }
        return e;
    }

    private void check(boolean ok, String what) {
        if (!ok) {
            violation(what);
        }
    }

    private void violation(String what) {
        violations++;
        if (described.size() < DESCRIBED) {
            described.add("input " + index + ": " + what + ": " + hex(req));
        }
    }

    private static String hex(MemorySegment s) {
        byte[] b = s.toArray(ValueLayout.JAVA_BYTE);
        return b.length + " bytes " + HexFormat.of().formatHex(b, 0, Math.min(b.length, 160));
    }

    // ------------------------------------------------------------------ inputs

    /** Keeps moved pages around: fills unbacked gfns and swaps some resident ones out. False (and a violation) if that failed. */
    private boolean reshuffle() {
        try {
            for (GuestVm vm : w.vms()) {
                for (int g = 0; g < vm.gfns(); g++) {
                    long word = w.host().locate(vm.id(), g);
                    if (PageState.kind(word) == PageState.UNBACKED) {
                        w.host().populate(vm.id(), g);
                    } else if (PageState.isResident(word) && rnd.nextInt(3) == 0) {
                        w.host().pageOut(vm.id(), g);
                    }
                }
            }
        } catch (RuntimeException e) {
            violation("reshuffling the world failed: " + e);
            return false;
        }
        String broken = w.invariantViolation();
        if (broken != null) {
            violation("after reshuffling: " + broken);
            return false;
        }
        return true;
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
        MemorySegment block = valid(vm);
        if (kind < 4) {
            return block;
        }
        int mutations = 1 + rnd.nextInt(3);
        for (int m = 0; m < mutations; m++) {
            block = mutate(vm, block);
        }
        return block;
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
        int size = g.vnodeCount(dstVnode);
        int[] dstPool = shuffled(g.vnodeStart(dstVnode), size);
        int[] srcPool = shuffled(g.vnodeStart(1 - dstVnode), g.vnodeCount(1 - dstVnode));
        int n = 1 + rnd.nextInt(Math.min(rnd.nextInt(8) == 0 ? size : 4, size));
        long seq = w.hv().lastSequence(vm) + 1 + (rnd.nextInt(4) == 0 ? rnd.nextInt(1000) : 0);
        MigrationOrder order = rnd.nextBoolean() ? MigrationOrder.MAP_THEN_MIGRATE : MigrationOrder.MIGRATE_BEFORE_MAP;
        MemorySegment block = MemorySegment.ofArray(new byte[(int) HypercallAbi.requestLength(n)]);
        HypercallAbi.encodeRequest(block, seq, dstVnode, g.hostNodeOf(dstVnode), order, srcPool, dstPool, n);
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

    private MemorySegment mutate(int vm, MemorySegment block) {
        long len = block.byteSize();
        switch (rnd.nextInt(4)) {
            case 0 -> { // bit flip
                if (len > 0) {
                    long off = rnd.nextLong(len);
                    block.set(ValueLayout.JAVA_BYTE, off,
                            (byte) (block.get(ValueLayout.JAVA_BYTE, off) ^ (1 << rnd.nextInt(8))));
                }
                return block;
            }
            case 1 -> { // truncation
                return resized(block, len == 0 ? 0 : rnd.nextLong(len));
            }
            case 2 -> { // extension, zeros or an extra entry's worth of random bytes
                MemorySegment out = resized(block, len + 1 + rnd.nextInt(rnd.nextBoolean() ? 16 : 64));
                if (rnd.nextBoolean()) {
                    for (long k = len; k < out.byteSize(); k++) {
                        out.set(ValueLayout.JAVA_BYTE, k, (byte) rnd.nextInt(256));
                    }
                }
                return out;
            }
            default -> {
                if (len >= HypercallAbi.REQ_HEADER) {
                    editField(vm, block);
                }
                return block;
            }
        }
    }

    private static MemorySegment resized(MemorySegment block, long len) {
        MemorySegment out = MemorySegment.ofArray(new byte[(int) len]);
        MemorySegment.copy(block, 0, out, 0, Math.min(len, block.byteSize()));
        return out;
    }

    private void editField(int vm, MemorySegment block) {
        GuestVm g = w.vm(vm);
        long last = w.hv().lastSequence(vm);
        switch (rnd.nextInt(10)) {
            case 0 -> block.set(U32, HypercallAbi.REQ_MAGIC, rnd.nextInt());
            case 1 -> block.set(U16, HypercallAbi.REQ_VERSION, (short) rnd.nextInt(4));
            case 2 -> block.set(U16, HypercallAbi.REQ_FLAGS, (short) (1 << rnd.nextInt(16)));
            case 3 -> block.set(U64, HypercallAbi.REQ_SEQ, pick(0, last, Math.max(0, last - 1), last + 1, last + 2,
                    1 + rnd.nextLong(Math.min(Math.max(last, 0), 1L << 40) + 1000)));
            case 4 -> {
                int n = block.get(U32, HypercallAbi.REQ_COUNT);
                block.set(U32, HypercallAbi.REQ_COUNT, (int) pick(0, 1, n - 1, n + 1, 512, 513, rnd.nextInt(), -1));
            }
            case 5 -> block.set(U16, HypercallAbi.REQ_DST_VNODE, (short) pick(0, 1, 2, 3, 0xFFFF));
            case 6 -> block.set(U16, HypercallAbi.REQ_DST_HOST_NODE, (short) pick(0, 1, 2, 3, 0xFFFF));
            case 7 -> block.set(ValueLayout.JAVA_BYTE, HypercallAbi.REQ_ORDER, (byte) rnd.nextInt(4));
            case 8 -> block.set(ValueLayout.JAVA_BYTE, HypercallAbi.REQ_RESERVED
                    + rnd.nextInt(HypercallAbi.REQ_HEADER - HypercallAbi.REQ_RESERVED), (byte) (1 + rnd.nextInt(255)));
            default -> {
                long entries = (block.byteSize() - HypercallAbi.REQ_HEADER) / 8;
                if (entries > 0) {
                    long off = HypercallAbi.REQ_HEADER + 8 * rnd.nextLong(entries);
                    int other = w.vm(1 - vm).gfns();
                    long gfn = pick(g.gfns() - 1, g.gfns(), other - 1, g.gfns() + rnd.nextInt(other + 1), 1L << 32,
                            (1L << 32) + rnd.nextInt(g.gfns()), -1, rnd.nextInt(g.gfns()));
                    block.set(U64, off, gfn);
                }
            }
        }
    }

    private long pick(long... choices) {
        return choices[rnd.nextInt(choices.length)];
    }
}
