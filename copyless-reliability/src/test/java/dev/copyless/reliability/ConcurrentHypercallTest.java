package dev.copyless.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.copyless.clock.CostModel;
import dev.copyless.clock.Engine;
import dev.copyless.guest.GuestVm;
import dev.copyless.host.HostMemory;
import dev.copyless.host.MmuNotifier;
import dev.copyless.host.Verification;
import dev.copyless.hypervisor.AbiError;
import dev.copyless.hypervisor.HypercallAbi;
import dev.copyless.hypervisor.HypercallConfig;
import dev.copyless.hypervisor.Hypervisor;
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
import dev.copyless.sim.Invariants;
import dev.copyless.stress.LockedHost;
import dev.copyless.swap.FaultConfig;
import dev.copyless.swap.SwapDevice;
import dev.copyless.swap.SwapFaults;
import dev.copyless.swap.SwapProfile;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Every vCPU of every VM calls {@link Hypervisor#hypercall} at once, with no lock around the
 * call (real vCPU exits are concurrent): four VMs, three vCPU threads each, on one hypervisor
 * and one host (whose own lock, {@link LockedHost}, is the only lock). Each thread sends valid
 * blocks (moved sources: migrated), stale ones (sources on their pinned node: {@code -EAGAIN}),
 * replays and malformed blocks (bit flips, truncations, bad counts, foreign gfns), and a host
 * thread keeps paging pages out so that moved pages keep coming. Asserts that nothing escapes,
 * that the host was asked to migrate exactly the entries each VM's accepted calls carried, for
 * that VM and no other, that every reply carries its own call's statuses, that refusals never
 * reach the host, and at the end the invariants and every page's bytes.
 */
class ConcurrentHypercallTest {
    private static final int VMS = 4;
    private static final int VCPUS = 3;
    private static final int VNODE_GFNS = 32;
    private static final int ROUNDS = 2_000;
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** One migratePages as the host got it, or one accepted call as its guest sent it: VM, pairs and statuses. */
    record Call(int vm, List<Long> pairs, List<Integer> statuses) {
        static Call of(int vm, int[] src, int[] dst, int n, int[] status) {
            List<Long> p = new ArrayList<>(n);
            List<Integer> st = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                p.add(((long) src[i] << 32) | (dst[i] & 0xFFFFFFFFL));
                st.add(status[i]);
            }
            return new Call(vm, p, st);
        }
    }

    /** The host behind its own lock, recording every batch migration it carried out (thread-safe). */
    static final class RecordingLockedHost implements HostMemory {
        final LockedHost host;
        final ConcurrentLinkedQueue<Call> migrations = new ConcurrentLinkedQueue<>();

        RecordingLockedHost(LockedHost host) {
            this.host = host;
        }

        @Override
        public long migratePages(int vm, int[] srcGfn, int[] dstGfn, int count, MigrationOrder order, int[] status) {
            host.lock().lock(); // the recording sees the arrays exactly as the host used them
            try {
                long ns = host.migratePages(vm, srcGfn, dstGfn, count, order, status);
                migrations.add(Call.of(vm, srcGfn, dstGfn, count, status));
                return ns;
            } finally {
                host.lock().unlock();
            }
        }

        @Override public int nodeCount() { return host.nodeCount(); }
        @Override public int registerVm(int gfns, int[] vnodeStart, int[] vnodeNode, MmuNotifier n) {
            return host.registerVm(gfns, vnodeStart, vnodeNode, n);
        }
        @Override public void setHoldBack(int vm, boolean holdBack) { host.setHoldBack(vm, holdBack); }
        @Override public long locate(int vm, int gfn) { return host.locate(vm, gfn); }
        @Override public int pinnedNode(int vm, int gfn) { return host.pinnedNode(vm, gfn); }
        @Override public boolean isMoved(int vm, int gfn) { return host.isMoved(vm, gfn); }
        @Override public long touch(int vm, int gfn, int cpuNode) { return host.touch(vm, gfn, cpuNode); }
        @Override public long copy(int vm, int srcGfn, int dstGfn) { return host.copy(vm, srcGfn, dstGfn); }
        @Override public long migrate(int vm, int srcGfn, int dstGfn, MigrationOrder order) {
            throw new AssertionError("the hypervisor migrates through migratePages only");
        }
        @Override public long populate(int vm, int gfn) { return host.populate(vm, gfn); }
        @Override public long pageOut(int vm, int gfn) { return host.pageOut(vm, gfn); }
        @Override public long demote(int vm, int gfn, int node) { return host.demote(vm, gfn, node); }
        @Override public void discard(int vm, int gfn) { host.discard(vm, gfn); }
        @Override public Verification verifyAll() { return host.verifyAll(); }
        @Override public void gauges(Map<String, Long> out) { host.gauges(out); }
        @Override public void close() { host.close(); }
    }

    private static final class World implements AutoCloseable {
        final VmStat stat = new VmStat(true);
        final SimulatedHost sim;
        final RecordingLockedHost host;
        final Hypervisor hv;
        final List<GuestVm> vms = new ArrayList<>();
        final AtomicLong[] seq = new AtomicLong[VMS];

        World(HypercallConfig config) {
            int nodes = VMS;
            HostNode[] ns = new HostNode[nodes];
            int[] frames = new int[nodes];
            for (int n = 0; n < nodes; n++) {
                ns[n] = new HostNode(n, 256, 0, 0, 0);
                frames[n] = 256;
            }
            SwapDevice[] swaps = {new SwapDevice(0, "nvme0", SwapProfile.NVME, 1024)};
            int[][] distance = new int[nodes][nodes];
            for (int i = 0; i < nodes; i++) {
                for (int j = 0; j < nodes; j++) {
                    distance[i][j] = i == j ? 10 : 21;
                }
            }
            CostModel cost = CostModel.defaults(distance);
            int[] noDemotion = new int[nodes];
            Arrays.fill(noDemotion, -1);
            Engine engine = new Engine();
            sim = new SimulatedHost(ns, swaps, cost, stat, engine, new HostConfig(32, 0, noDemotion, Promotion.OFF, 0, 64),
                    new OffHeapPageStore(frames, new int[] {1024}), new SwapFaults(FaultConfig.NONE));
            host = new RecordingLockedHost(new LockedHost(sim));
            hv = new Hypervisor(host, cost, stat, engine::now, config);
            for (int v = 0; v < VMS; v++) {
                GuestVm vm = new GuestVm(v, "vm" + v, new int[] {VNODE_GFNS, VNODE_GFNS}, new int[] {v, (v + 1) % nodes}, 0);
                int id = hv.createVm(vm.gfns(), vm.vnodeStarts(), vm.vnodeHostNodes(), true);
                assertThat(id).isEqualTo(v);
                vms.add(vm);
                seq[v] = new AtomicLong();
                for (int g = 0; g < vm.gfns(); g++) {
                    host.populate(v, g);
                    if (g % 2 == 1) {
                        host.pageOut(v, g);
                    }
                }
            }
        }

        @Override
        public void close() {
            host.close();
        }
    }

    /** What the calling threads saw. */
    private static final class Seen {
        final ConcurrentLinkedQueue<Call> accepted = new ConcurrentLinkedQueue<>();
        final ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
        final AtomicLong refused = new AtomicLong();
        final AtomicLong stale = new AtomicLong();
        final AtomicLong timedOut = new AtomicLong();
        final AtomicLong migrated = new AtomicLong();
        final Map<AbiError, AtomicLong> refusals = new ConcurrentHashMap<>();
    }

    @Test
    void everyVcpuOfEveryVmCallsAtOnceWithNoLockAndNoCallTouchesAnotherVmOrEscapes() throws Exception {
        Seen seen = race(HypercallConfig.DEFAULT, false);
        assertThat(seen.refusals).containsKeys(AbiError.REPLAY, AbiError.BAD_MAGIC, AbiError.LENGTH_MISMATCH,
                AbiError.GFN_OUT_OF_RANGE, AbiError.REPEATED_GFN);
    }

    /**
     * The same race through a faulty request channel (10% dropped, 10% duplicated, 10% held
     * back): a request whose sender saw {@code -ETIMEDOUT} never reaches the host, whichever
     * vCPU's request releases it, and duplicates reach it once.
     */
    @Test
    void throughAFaultyRequestChannelNoTimedOutRequestIsEverCarriedOut() throws Exception {
        Seen seen = race(HypercallConfig.DEFAULT.withFaults(5, 0.1, 0.1, 0.1), true);
        assertThat(seen.timedOut.get()).as("dropped or held requests").isPositive();
    }

    /**
     * Runs every vCPU thread of every VM (and a host reclaim thread) at once against one
     * hypervisor, directly or through its request channel, then checks what the host did
     * against what the guests were told.
     */
    private static Seen race(HypercallConfig config, boolean throughChannel) throws Exception {
        try (World w = new World(config)) {
            Seen seen = new Seen();
            List<Thread> threads = new ArrayList<>();
            CyclicBarrier start = new CyclicBarrier(VMS * VCPUS + 2);
            AtomicReference<Throwable> escaped = new AtomicReference<>();
            for (int v = 0; v < VMS; v++) {
                for (int c = 0; c < VCPUS; c++) {
                    int vm = v;
                    long seed = 1000L * v + c;
                    threads.add(new Thread(() -> {
                        try {
                            start.await();
                            vcpu(w, vm, new SplittableRandom(seed), seen, throughChannel);
                        } catch (Throwable t) {
                            escaped.compareAndSet(null, t);
                        }
                    }, "vcpu-" + v + "-" + c));
                }
            }
            AtomicBoolean stop = new AtomicBoolean();
            Thread reclaim = new Thread(() -> {
                SplittableRandom rnd = new SplittableRandom(99);
                try {
                    start.await();
                    while (!stop.get()) { // keeps moved pages coming: the host swaps resident pages out behind the guests
                        int vm = rnd.nextInt(VMS);
                        int g = rnd.nextInt(2 * VNODE_GFNS);
                        if (PageState.isResident(w.host.locate(vm, g))) {
                            w.host.pageOut(vm, g);
                        }
                        Thread.onSpinWait();
                    }
                } catch (Throwable t) {
                    escaped.compareAndSet(null, t);
                }
            }, "reclaim");
            threads.forEach(Thread::start);
            reclaim.start();
            start.await();
            for (Thread t : threads) {
                t.join(60_000);
                assertThat(t.isAlive()).as(t.getName() + " finished").isFalse();
            }
            stop.set(true);
            reclaim.join(10_000);

            assertThat(escaped.get()).as("nothing escapes a hypercall").isNull();
            assertThat(seen.problems).as("replies and refusals as documented").isEmpty();
            // the host carried out exactly the accepted calls, each for the VM that made it
            Map<Call, Integer> atHost = multiset(w.host.migrations);
            Map<Call, Integer> sent = multiset(seen.accepted);
            assertThat(atHost).as("host calls (VM, entries, statuses) = accepted calls of that VM").isEqualTo(sent);
            assertThat(w.stat.get(Counter.HYPERCALLS)).isEqualTo(seen.accepted.size());
            if (!throughChannel) {
                assertThat(w.stat.get(Counter.HYPERCALL_REFUSED)).isEqualTo(seen.refused.get());
            }
            // every kind of input was met, and the calls really raced on real work
            assertThat(seen.migrated.get()).as("pages migrated").isGreaterThan(100);
            assertThat(seen.stale.get()).as("stale entries").isPositive();
            w.host.host.lock().lock();
            try {
                Invariants.check(w.sim, w.hv, w.vms);
            } finally {
                w.host.host.lock().unlock();
            }
            Verification ver = w.host.verifyAll();
            assertThat(ver.pagesLost()).as("lost pages: " + ver.lost()).isZero();
            assertThat(ver.verified()).isEqualTo(ver.backed()).isPositive();
            return seen;
        }
    }

    private static <T> Map<T, Integer> multiset(Iterable<T> items) {
        Map<T, Integer> m = new HashMap<>();
        for (T t : items) {
            m.merge(t, 1, Integer::sum);
        }
        return m;
    }

    /** One vCPU of VM {@code vm}: ROUNDS calls of every kind, each checked against its reply. */
    private static void vcpu(World w, int vm, SplittableRandom rnd, Seen seen, boolean throughChannel) {
        GuestVm g = w.vms.get(vm);
        MemorySegment reply = MemorySegment.ofArray(new byte[HypercallAbi.REPLY_AREA]);
        for (int round = 0; round < ROUNDS; round++) {
            int kind = rnd.nextInt(10);
            int dstVnode = rnd.nextInt(2);
            int n = 1 + rnd.nextInt(6);
            int[] src = new int[n];
            int[] dst = new int[n];
            int[] srcPool = shuffled(rnd, g.vnodeStart(1 - dstVnode), VNODE_GFNS);
            int[] dstPool = shuffled(rnd, g.vnodeStart(dstVnode), VNODE_GFNS);
            System.arraycopy(srcPool, 0, src, 0, n);
            System.arraycopy(dstPool, 0, dst, 0, n);
            long seq = kind == 0 ? Math.max(1, w.seq[vm].get() - rnd.nextInt(3)) : w.seq[vm].incrementAndGet();
            MemorySegment block = MemorySegment.ofArray(new byte[(int) HypercallAbi.requestLength(n)]);
            HypercallAbi.encodeRequest(block, seq, dstVnode, g.hostNodeOf(dstVnode),
                    rnd.nextBoolean() ? MigrationOrder.MIGRATE_BEFORE_MAP : MigrationOrder.MAP_THEN_MIGRATE, src, dst, n);
            switch (kind) {
                case 1 -> block.set(ValueLayout.JAVA_BYTE, rnd.nextInt((int) block.byteSize()),
                        (byte) (1 << rnd.nextInt(8))); // a bit set somewhere (often harmless, often not)
                case 2 -> block = block.asSlice(0, rnd.nextInt((int) block.byteSize())); // truncated
                case 3 -> block.set(U32, HypercallAbi.REQ_MAGIC, 0x12345678);
                case 4 -> block.set(U64, HypercallAbi.REQ_HEADER + 8L * rnd.nextInt(2 * n),
                        VMS * 2L * VNODE_GFNS + rnd.nextInt(100)); // a gfn of no VM this small
                case 5 -> {
                    if (n > 1) {
                        block.set(U64, HypercallAbi.REQ_HEADER + 16, block.get(U64, HypercallAbi.REQ_HEADER));
                    } else {
                        block.set(U64, HypercallAbi.REQ_SEQ, 0L); // seq 0: always a replay
                    }
                }
                default -> { } // 0: a replay (or an older number), 6-9: valid, stale or not
            }
            reply.fill((byte) 0);
            long r = throughChannel ? w.hv.channel().submit(vm, block, reply) : w.hv.hypercall(vm, block, reply);
            check(vm, block, reply, r, seen);
        }
    }

    private static void check(int vm, MemorySegment block, MemorySegment reply, long r, Seen seen) {
        if (r >= 0) {
            int n = block.get(U32, HypercallAbi.REQ_COUNT);
            if (HypercallAbi.replyStatus(reply) != Errno.OK || HypercallAbi.replyCount(reply) != n
                    || HypercallAbi.replySeq(reply) != block.get(U64, HypercallAbi.REQ_SEQ)) {
                seen.problems.add("vm" + vm + ": accepted reply header does not answer its block");
            }
            int[] src = new int[n];
            int[] dst = new int[n];
            int[] st = new int[n];
            for (int i = 0; i < n; i++) {
                src[i] = (int) block.get(U64, HypercallAbi.REQ_HEADER + 16L * i);
                dst[i] = (int) block.get(U64, HypercallAbi.REQ_HEADER + 16L * i + 8);
                st[i] = HypercallAbi.entryStatus(reply, i);
                if (st[i] == Errno.OK) {
                    seen.migrated.incrementAndGet();
                } else if (st[i] == -Errno.EAGAIN) {
                    seen.stale.incrementAndGet();
                } else {
                    seen.problems.add("vm" + vm + ": entry status " + st[i]);
                }
            }
            seen.accepted.add(Call.of(vm, src, dst, n, st));
        } else if (r == -Errno.ETIMEDOUT) {
            seen.timedOut.incrementAndGet();
        } else {
            seen.refused.incrementAndGet();
            AbiError e = HypercallAbi.replyDetail(reply);
            if (e == null || r != -e.errno || HypercallAbi.replyStatus(reply) != -e.errno) {
                seen.problems.add("vm" + vm + ": refusal " + r + " with detail " + e);
            } else {
                seen.refusals.computeIfAbsent(e, k -> new AtomicLong()).incrementAndGet();
            }
        }
    }

    private static int[] shuffled(SplittableRandom rnd, int first, int n) {
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
}
