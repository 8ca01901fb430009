package dev.copyless.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;
import static org.quicktheories.generators.SourceDSL.longs;

import dev.copyless.balancer.BalancingPolicy;
import dev.copyless.clock.CostModel;
import dev.copyless.clock.Engine;
import dev.copyless.guest.GuestVm;
import dev.copyless.hypervisor.AbiError;
import dev.copyless.hypervisor.HypercallAbi;
import dev.copyless.hypervisor.HypercallArea;
import dev.copyless.hypervisor.Hypervisor;
import dev.copyless.hypervisor.MigrationRequest;
import dev.copyless.hypervisor.MovedPageList;
import dev.copyless.kernel.DemotionAgent;
import dev.copyless.kernel.HostConfig;
import dev.copyless.kernel.HostNode;
import dev.copyless.kernel.ModelPageStore;
import dev.copyless.kernel.OffHeapPageStore;
import dev.copyless.kernel.SimulatedHost;
import dev.copyless.metrics.Counter;
import dev.copyless.metrics.RunResult;
import dev.copyless.metrics.VmStat;
import dev.copyless.mm.Errno;
import dev.copyless.mm.FrameOwner;
import dev.copyless.mm.MigrationOrder;
import dev.copyless.mm.PageState;
import dev.copyless.mm.Promotion;
import dev.copyless.scenario.Scenario;
import dev.copyless.sim.Invariants;
import dev.copyless.sim.Simulation;
import dev.copyless.swap.FaultConfig;
import dev.copyless.swap.SwapDevice;
import dev.copyless.swap.SwapFaults;
import dev.copyless.swap.SwapProfile;
import dev.copyless.testkit.RecordingHost;
import dev.copyless.testkit.Scenarios;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The conservation laws of the simulated host under random operation sequences: every gfn in
 * exactly one location, frames and slots conserved and owned at most once, the moved-page list
 * equal to the set of gfns off their pinned node, and each operation's own postcondition. The
 * laws are checked twice after every step: by {@link Invariants#check} and by an independent
 * checker written here. And the checker itself is shown to catch corrupted states.
 */
class InvariantsTest {

    // ------------------------------------------------------------------ a random world

    /**
     * A host of three nodes and one or two swap devices, with two VMs registered through a
     * hypervisor; in real-bytes mode its frames and slots hold real bytes (close it when done).
     */
    static final class World implements AutoCloseable {
        final Engine engine = new Engine();
        final VmStat stat = new VmStat();
        final SimulatedHost host;
        final RecordingHost recorder;
        final Hypervisor hv;
        final List<GuestVm> vms = new ArrayList<>();
        final boolean[] holdBack;
        final String description;
        /** Successful migrations: [order][0 = from a node, 1 = from swap]; then hypercall entries done. */
        final long[][] migrated = new long[2][2];
        long hypercallPagesDone;
        /** Per VM, the last hypercall sequence number used. */
        final long[] seq = new long[2];

        World(long seed) {
            this(seed, false);
        }

        World(long seed, boolean realBytes) {
            SplittableRandom rnd = new SplittableRandom(seed);
            int n = 3;
            HostNode[] nodes = new HostNode[n];
            boolean pressure = rnd.nextBoolean();
            for (int i = 0; i < n; i++) {
                int frames = 24 + rnd.nextInt(40);
                nodes[i] = pressure ? new HostNode(i, frames, 1, 2, 4) : new HostNode(i, frames, 0, 0, 0);
            }
            int[][] vnodePages = {{32 + rnd.nextInt(48), 32 + rnd.nextInt(48)}, {16 + rnd.nextInt(32), 16 + rnd.nextInt(32)}};
            int[][] vnodeNodes = {{0, 1}, {rnd.nextInt(n), rnd.nextInt(n)}};
            int gfns = 0;
            for (int[] v : vnodePages) {
                gfns += v[0] + v[1];
            }
            // enough swap for every gfn at once: no reclaim can ever fail, so no operation may hit OOM
            SwapDevice[] swaps = rnd.nextBoolean()
                    ? new SwapDevice[] {new SwapDevice(0, "nvme", SwapProfile.NVME, gfns + rnd.nextInt(16))}
                    : new SwapDevice[] {new SwapDevice(0, "zram", SwapProfile.ZRAM, 1 + rnd.nextInt(16)),
                        new SwapDevice(1, "nvme", SwapProfile.NVME, gfns)};
            int[] targets = new int[n];
            Arrays.fill(targets, -1);
            if (rnd.nextBoolean()) {
                targets[0] = 2;
                targets[1] = 2;
            } else if (rnd.nextBoolean()) {
                for (int i = 0; i < n; i++) {
                    targets[i] = rnd.nextBoolean() ? -1 : (i + 1 + rnd.nextInt(n - 1)) % n;
                }
            }
            Promotion[] modes = {Promotion.OFF, Promotion.ON_TOUCH,
                    new Promotion(Promotion.Mode.TIERING, 5_000_000L, 1, 2_000_000L, 64)};
            Promotion promote = modes[rnd.nextInt(modes.length)];
            int cluster = rnd.nextInt(4);
            HostConfig config = new HostConfig(1 + rnd.nextInt(32), cluster, targets, promote, 1_000_000, 1 + rnd.nextInt(16),
                    rnd.nextBoolean());
            int[][] distance = new int[n][n];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    distance[i][j] = i == j ? 10 : 21;
                }
            }
            host = new SimulatedHost(nodes, swaps, CostModel.defaults(distance), stat, engine, config,
                    realBytes ? new OffHeapPageStore(Arrays.stream(nodes).mapToInt(HostNode::frames).toArray(),
                            Arrays.stream(swaps).mapToInt(SwapDevice::slots).toArray()) : new ModelPageStore(),
                    new SwapFaults(FaultConfig.NONE));
            recorder = new RecordingHost(host, stat);
            hv = new Hypervisor(recorder, CostModel.defaults(distance), stat);
            holdBack = new boolean[2];
            for (int v = 0; v < 2; v++) {
                GuestVm vm = new GuestVm(v, "vm" + v, vnodePages[v], vnodeNodes[v], 0);
                holdBack[v] = rnd.nextBoolean();
                int id = hv.createVm(vm.gfns(), vm.vnodeStarts(), vnodeNodes[v], holdBack[v]);
                assertThat(id).isEqualTo(v);
                vms.add(vm);
            }
            if (config.demotionEnabled()) {
                engine.wake(host.demotionAgent(), config.demotionInterval());
            }
            if (host.hostNumaScanner() != null) {
                engine.wake(host.hostNumaScanner(), promote.scanPeriodNs());
            }
            description = "pressure=" + pressure + " targets=" + Arrays.toString(targets) + " promote=" + promote
                    + " cluster=" + cluster + " vma=" + config.vmaReadahead() + " vnodes=" + Arrays.deepToString(vnodeNodes) + " holdBack="
                    + Arrays.toString(holdBack);
        }

        @Override
        public void close() {
            host.close();
        }
    }

    // ------------------------------------------------------------------ an independent checker

    /** Host-level conservation laws, written independently of {@link Invariants}. */
    static void checkHost(World w) {
        SimulatedHost host = w.host;
        BitSet[] frameSeen = new BitSet[host.nodeCount()];
        for (int n = 0; n < frameSeen.length; n++) {
            frameSeen[n] = new BitSet();
        }
        BitSet[] slotSeen = new BitSet[host.swapDeviceCount()];
        for (int d = 0; d < slotSeen.length; d++) {
            slotSeen[d] = new BitSet();
        }
        for (GuestVm vm : w.vms) {
            int v = vm.id();
            long[] st = host.stateArray(v);
            MovedPageList list = w.hv.movedPageList(v);
            List<Integer> expectedMoved = new ArrayList<>();
            for (int gfn = 0; gfn < vm.gfns(); gfn++) {
                long word = st[gfn];
                int pinned = vm.hostNodeOf(vm.vnodeOf(gfn));
                assertThat(host.pinnedNode(v, gfn)).isEqualTo(pinned);
                int id = PageState.id(word);
                int where = PageState.nodeOrDevice(word);
                String at = "vm " + v + " gfn " + gfn + " at " + PageState.describe(word);
                switch (PageState.kind(word)) {
                    case PageState.UNBACKED -> assertThat(word).as("an unbacked word carries no flag: " + at).isZero();
                    case PageState.RESIDENT -> {
                        assertThat(where).as(at).isLessThan(host.nodeCount());
                        assertThat(id).as(at).isBetween(0, host.node(where).frames() - 1);
                        assertThat(host.node(where).owner(id)).as("owner of the frame of " + at).isEqualTo(FrameOwner.of(v, gfn));
                        assertThat(frameSeen[where].get(id)).as("frame mapped twice: " + at).isFalse();
                        frameSeen[where].set(id);
                        if (where != pinned) {
                            expectedMoved.add(gfn);
                        }
                        if (PageState.inSwapCache(word)) { // the slot it keeps: owned by it, paired with its frame
                            long sl = host.swapCacheSlot(where, id);
                            int sd = (int) (sl >>> 32);
                            int ss = (int) sl;
                            assertThat(sl).as("slot of " + at).isNotNegative();
                            assertThat(host.swapDevice(sd).owner(ss)).as("owner of the kept slot of " + at).isEqualTo(FrameOwner.of(v, gfn));
                            assertThat(host.swapCacheFrame(sd, ss)).as(at).isEqualTo((long) where << 32 | id);
                            assertThat(slotSeen[sd].get(ss)).as("slot owned twice: " + at).isFalse();
                            slotSeen[sd].set(ss);
                        } else {
                            assertThat(host.swapCacheSlot(where, id)).as("no slot for " + at).isEqualTo(-1L);
                        }
                    }
                    case PageState.SWAPPED -> {
                        assertThat(where).as(at).isLessThan(host.swapDeviceCount());
                        assertThat(id).as(at).isBetween(0, host.swapDevice(where).slots() - 1);
                        assertThat(host.swapDevice(where).owner(id)).as("owner of the slot of " + at).isEqualTo(FrameOwner.of(v, gfn));
                        assertThat(slotSeen[where].get(id)).as("slot mapped twice: " + at).isFalse();
                        slotSeen[where].set(id);
                        expectedMoved.add(gfn);
                        if (PageState.inSwapCache(word)) { // the swap-cache frame holding its data: owned by it
                            long f = host.swapCacheFrame(where, id);
                            int fn = (int) (f >>> 32);
                            int fp = (int) f;
                            assertThat(f).as("frame of " + at).isNotNegative();
                            assertThat(host.node(fn).owner(fp)).as("owner of the swap-cache frame of " + at).isEqualTo(FrameOwner.of(v, gfn));
                            assertThat(frameSeen[fn].get(fp)).as("frame owned twice: " + at).isFalse();
                            frameSeen[fn].set(fp);
                        } else {
                            assertThat(host.swapCacheFrame(where, id)).as("no frame for " + at).isEqualTo(-1L);
                        }
                    }
                    default -> fail("invalid kind: " + at);
                }
                if ((word & PageState.PROMOTE_ON_TOUCH) != 0) {
                    assertThat(PageState.isResident(word) && where != pinned).as("promote-on-touch off the pinned node: " + at).isTrue();
                }
                if ((word & PageState.READAHEAD) != 0) {
                    // in the swap cache, unmapped; or, not read, the mark of a read hold-back suppressed (claim 12)
                    assertThat(PageState.isSwapped(word)).as("readahead stays in the swap cache, unmapped: " + at).isTrue();
                }
                if ((word & PageState.MIGRATE_ON_TOUCH) != 0) {
                    assertThat(PageState.isSwapped(word) || where != pinned).as("migrate-on-touch only while off the pinned node: " + at).isTrue();
                }
                long e = list.entry(gfn);
                if (e != 0) {
                    assertThat(MovedPageList.kind(e)).as("list kind of " + at).isEqualTo(PageState.kind(word));
                    assertThat(MovedPageList.locationId(e)).as("list location of " + at).isEqualTo(where);
                }
            }
            assertThat(Arrays.stream(list.references()).boxed().toList()).as("moved-page list of vm " + v)
                    .isEqualTo(expectedMoved);
            assertThat(list.size()).isEqualTo(expectedMoved.size());
            assertThat(list.generation() % 2).isZero();
        }
        for (int n = 0; n < host.nodeCount(); n++) {
            HostNode node = host.node(n);
            int owned = 0;
            for (int pfn = 0; pfn < node.frames(); pfn++) {
                long own = node.owner(pfn);
                if (own != FrameOwner.FREE) {
                    owned++;
                    assertThat(frameSeen[n].get(pfn)).as("node %d frame %d owned by %d but no gfn maps it", n, pfn, own).isTrue();
                }
            }
            assertThat(owned + node.freeFrames()).as("frames conserved on node %d", n).isEqualTo(node.frames());
            assertThat(frameSeen[n].cardinality()).isEqualTo(owned);
        }
        for (int d = 0; d < host.swapDeviceCount(); d++) {
            SwapDevice dev = host.swapDevice(d);
            int owned = 0;
            for (int s = 0; s < dev.slots(); s++) {
                if (dev.owner(s) != FrameOwner.FREE) {
                    owned++;
                    assertThat(slotSeen[d].get(s)).as("device %d slot %d owned but no gfn maps it", d, s).isTrue();
                }
            }
            assertThat(owned + dev.freeSlots()).as("slots conserved on device %d", d).isEqualTo(dev.slots());
        }
    }

    static void checkAll(World w) {
        Invariants.check(w.host, w.hv, w.vms);
        checkHost(w);
    }

    // ------------------------------------------------------------------ one random step and its postcondition

    private static long[] snapshot(World w, int vm) {
        return w.host.stateArray(vm).clone();
    }

    private static long location(World w, int vm, int gfn) {
        return PageState.locationOnly(w.host.locate(vm, gfn));
    }

    /** Performs one random operation chosen by {@code op} and asserts its postcondition; returns its description. */
    static String step(World w, int op) {
        SplittableRandom rnd = new SplittableRandom(op);
        SimulatedHost host = w.host;
        int v = rnd.nextInt(w.vms.size());
        GuestVm vm = w.vms.get(v);
        int g = rnd.nextInt(vm.gfns());
        long before = host.locate(v, g);
        int pinned = host.pinnedNode(v, g);
        int kind = rnd.nextInt(12);
        switch (kind) {
            case 0, 1 -> {
                int cpuNode = rnd.nextInt(host.nodeCount());
                boolean cachedBefore = PageState.isSwapped(before) && PageState.inSwapCache(before)
                        && (before & PageState.MIGRATE_ON_TOUCH) == 0;
                long cachedFrame = cachedBefore ? host.swapCacheFrame(PageState.nodeOrDevice(before), PageState.id(before)) : -1;
                long ns = host.touch(v, g, cpuNode, rnd.nextBoolean());
                long after = host.locate(v, g);
                assertThat(ns).isPositive();
                assertThat(PageState.isResident(after)).isTrue();
                assertThat(after & PageState.ACCESSED).isNotZero();
                if (cachedBefore) {
                    assertThat(PageState.nodeOrDevice(after)).as("mapped from the swap cache where it is")
                            .isEqualTo((int) (cachedFrame >>> 32));
                    assertThat(PageState.id(after)).isEqualTo((int) cachedFrame);
                } else if (!PageState.isResident(before)) {
                    assertThat(PageState.nodeOrDevice(after)).as("faulted in on its pinned node").isEqualTo(pinned);
                } else if ((before & (PageState.MIGRATE_ON_TOUCH | PageState.PROMOTE_ON_TOUCH)) == 0) {
                    assertThat(PageState.locationOnly(after)).isEqualTo(PageState.locationOnly(before));
                } else if ((before & PageState.MIGRATE_ON_TOUCH) == 0 && w.holdBack[v]) {
                    assertThat(PageState.locationOnly(after)).as("held back").isEqualTo(PageState.locationOnly(before));
                }
                return "touch vm" + v + " gfn " + g + " from node " + cpuNode;
            }
            case 2 -> {
                host.populate(v, g);
                if (PageState.kind(before) == PageState.UNBACKED) {
                    assertThat(host.locate(v, g)).matches(a -> PageState.isResident(a) && PageState.nodeOrDevice(a) == pinned);
                } else {
                    assertThat(location(w, v, g)).isEqualTo(PageState.locationOnly(before));
                }
                return "populate vm" + v + " gfn " + g;
            }
            case 3 -> {
                long r = host.pageOut(v, g);
                if (PageState.isResident(before) && r >= 0) {
                    assertThat(PageState.isSwapped(host.locate(v, g))).isTrue();
                } else {
                    assertThat(r == 0 || r == -Errno.ENOSPC).isTrue();
                    assertThat(location(w, v, g)).isEqualTo(PageState.locationOnly(before));
                }
                return "pageOut vm" + v + " gfn " + g;
            }
            case 4 -> {
                int node = rnd.nextInt(host.nodeCount());
                boolean room = host.node(node).freeFrames() > 0;
                long r = host.demote(v, g, node);
                long after = host.locate(v, g);
                if (PageState.isResident(before) && PageState.nodeOrDevice(before) != node) {
                    if (room) {
                        assertThat(r).isGreaterThanOrEqualTo(0);
                        assertThat(PageState.isResident(after) && PageState.nodeOrDevice(after) == node).isTrue();
                    } else {
                        assertThat(r).isEqualTo(-Errno.ENOMEM);
                        assertThat(PageState.locationOnly(after)).isEqualTo(PageState.locationOnly(before));
                    }
                } else {
                    assertThat(r).isZero();
                    assertThat(PageState.locationOnly(after)).isEqualTo(PageState.locationOnly(before));
                }
                return "demote vm" + v + " gfn " + g + " to node " + node;
            }
            case 5 -> {
                int d = otherGfn(rnd, vm, g);
                host.copy(v, g, d);
                assertThat(PageState.isResident(host.locate(v, g))).as("copy source readable").isTrue();
                assertThat(PageState.isResident(host.locate(v, d))).as("copy destination written").isTrue();
                return "copy vm" + v + " " + g + " -> " + d;
            }
            case 6, 7 -> {
                int d = otherGfn(rnd, vm, g);
                MigrationOrder order = rnd.nextBoolean() ? MigrationOrder.MAP_THEN_MIGRATE : MigrationOrder.MIGRATE_BEFORE_MAP;
                boolean moved = host.isMoved(v, g);
                long[] snap = snapshot(w, v);
                int dstNode = host.pinnedNode(v, d);
                long r = host.migrate(v, g, d, order);
                checkMigrated(w, v, g, d, order, before, moved, dstNode, r, snap);
                return "migrate " + order.key() + " vm" + v + " " + g + " -> " + d;
            }
            case 8 -> {
                return hypercall(w, rnd, v, vm);
            }
            case 9 -> {
                host.discard(v, g);
                assertThat(host.locate(v, g)).isEqualTo(PageState.UNBACKED_WORD);
                return "discard vm" + v + " gfn " + g;
            }
            case 10 -> {
                long until = w.engine.now() + 1 + rnd.nextInt(5_000_000);
                w.engine.runUntil(until, null);
                return "run engine to " + until;
            }
            default -> {
                w.holdBack[v] = !w.holdBack[v];
                host.setHoldBack(v, w.holdBack[v]);
                return "hold-back vm" + v + " " + w.holdBack[v];
            }
        }
    }

    private static int otherGfn(SplittableRandom rnd, GuestVm vm, int g) {
        int d = rnd.nextInt(vm.gfns() - 1);
        return d >= g ? d + 1 : d;
    }

    private static void checkMigrated(World w, int v, int g, int d, MigrationOrder order, long before, boolean moved,
                                      int dstNode, long r, long[] snap) {
        long src = w.host.locate(v, g);
        long dst = w.host.locate(v, d);
        if (!moved) {
            assertThat(r).isEqualTo(-Errno.EAGAIN);
            assertThat(w.host.stateArray(v)).as("a refused request changes nothing").isEqualTo(snap);
            return;
        }
        if (r == -Errno.ENOMEM) {
            assertThat(order).isEqualTo(MigrationOrder.MIGRATE_BEFORE_MAP);
            assertThat(PageState.locationOnly(src)).isEqualTo(PageState.locationOnly(before));
            return;
        }
        assertThat(r).isGreaterThanOrEqualTo(0);
        assertThat(src).as("source left unbacked").isEqualTo(PageState.UNBACKED_WORD);
        w.migrated[order.ordinal()][PageState.isSwapped(before) ? 1 : 0]++;
        int srcNode = PageState.isSwapped(before) ? -1 : PageState.nodeOrDevice(before);
        if (order == MigrationOrder.MIGRATE_BEFORE_MAP && srcNode != dstNode) {
            assertThat(PageState.isResident(dst) && PageState.nodeOrDevice(dst) == dstNode)
                    .as("data already on the destination node: " + PageState.describe(dst)).isTrue();
            assertThat(dst & PageState.MIGRATE_ON_TOUCH).isZero();
        } else {
            assertThat(PageState.locationOnly(dst)).as("new source location mapped to the destination")
                    .isEqualTo(PageState.locationOnly(before));
            assertThat((dst & PageState.MIGRATE_ON_TOUCH) != 0).isEqualTo(srcNode != dstNode);
        }
    }

    private static String hypercall(World w, SplittableRandom rnd, int v, GuestVm vm) {
        MigrationRequest req = new MigrationRequest();
        int nv = vm.vnodes();
        req.order = rnd.nextBoolean() ? MigrationOrder.MAP_THEN_MIGRATE : MigrationOrder.MIGRATE_BEFORE_MAP;
        int shape = rnd.nextInt(10);
        req.dstVnode = shape == 0 ? nv + rnd.nextInt(3) : rnd.nextInt(nv);
        int count = shape == 1 ? 0 : 1 + rnd.nextInt(8);
        // distinct gfns for every role in the batch, so that entries are independent of each other
        List<Integer> pool = new ArrayList<>();
        for (int i = 0; i < vm.gfns(); i++) {
            pool.add(i);
        }
        boolean[] srcBacked = new boolean[count];
        boolean spoil = rnd.nextInt(3) == 0; // one bad entry refuses the whole block: spoil a third of them
        for (int i = 0; i < count && pool.size() >= 2; i++) {
            int src = pool.remove(rnd.nextInt(pool.size()));
            int dst;
            int variant = spoil ? rnd.nextInt(8) : 3;
            if (variant == 0) {
                dst = src; // refused whole: EINVAL (SAME_GFN)
            } else if (variant == 1) {
                dst = vm.gfns() + rnd.nextInt(4); // refused whole: EFAULT
            } else {
                List<Integer> candidates = new ArrayList<>();
                for (int gfn : pool) {
                    if (variant == 2 || vm.vnodeOf(gfn) == req.dstVnode % nv) {
                        candidates.add(gfn);
                    }
                }
                if (candidates.isEmpty()) {
                    break;
                }
                dst = candidates.get(rnd.nextInt(candidates.size()));
                pool.remove(Integer.valueOf(dst));
            }
            srcBacked[req.count] = PageState.kind(w.host.locate(v, src)) != PageState.UNBACKED;
            req.add(src, dst, 0, 0);
        }
        if (shape == 1) {
            req.count = 0;
        }
        long[][] snaps = new long[w.vms.size()][];
        for (int i = 0; i < snaps.length; i++) {
            snaps[i] = snapshot(w, i);
        }
        long[] stats = w.stat.snapshot();
        HypercallArea area = new HypercallArea();
        int dstHostNode = req.dstVnode < nv ? vm.hostNodeOf(req.dstVnode) : 0;
        long seq = ++w.seq[v];
        HypercallAbi.encodeRequest(area.segment(), seq, req, dstHostNode);
        long r = w.hv.hypercall(v, area.request(req.count), area.reply());
        AbiError expected = expectedRefusal(req, vm);
        if (expected != null) {
            assertThat(r).isEqualTo(-expected.errno);
            assertThat(HypercallAbi.replyDetail(area.reply())).isEqualTo(expected);
            for (int i = 0; i < snaps.length; i++) {
                assertThat(w.host.stateArray(i)).isEqualTo(snaps[i]);
            }
            stats[Counter.HYPERCALL_REFUSED.ordinal()]++;
            assertThat(w.stat.snapshot()).as("a refused block counts as a refusal only").isEqualTo(stats);
            return "hypercall refused whole: " + expected;
        }
        assertThat(r).isPositive();
        for (int i = 0; i < req.count; i++) {
            int src = req.srcGfn[i];
            int dst = req.dstGfn[i];
            int status = HypercallAbi.entryStatus(area.reply(), i);
            if (status == Errno.OK) {
                w.hypercallPagesDone++;
                assertThat(w.host.locate(v, src)).isEqualTo(PageState.UNBACKED_WORD);
                assertThat(PageState.kind(w.host.locate(v, dst))).isNotEqualTo(PageState.UNBACKED);
            } else {
                assertThat(status).isIn(-Errno.EAGAIN, -Errno.ENOMEM);
                assertThat(PageState.kind(w.host.locate(v, src)) != PageState.UNBACKED)
                        .as("a refused entry keeps its source backed (or unbacked)").isEqualTo(srcBacked[i]);
            }
        }
        return "hypercall vm" + v + " " + req.count + " pages";
    }

    /** The refusal the hypervisor must give this block (validation is whole-block, first fault wins), or null. */
    private static AbiError expectedRefusal(MigrationRequest req, GuestVm vm) {
        if (req.count == 0) {
            return AbiError.EMPTY_BATCH;
        }
        if (req.dstVnode >= vm.vnodes()) {
            return AbiError.BAD_VNODE;
        }
        for (int i = 0; i < req.count; i++) {
            int src = req.srcGfn[i];
            int dst = req.dstGfn[i];
            if (src >= vm.gfns() || dst >= vm.gfns()) {
                return AbiError.GFN_OUT_OF_RANGE;
            }
            if (src == dst) {
                return AbiError.SAME_GFN;
            }
            if (vm.vnodeOf(dst) != req.dstVnode) {
                return AbiError.WRONG_VNODE;
            }
        }
        return null;
    }

    /** Runs {@code ops} on a world built from {@code configSeed}, checking every law after every step. */
    static World runSequence(long configSeed, List<Integer> ops) {
        World w = new World(configSeed);
        w.engine.afterEachEvent(() -> checkAll(w));
        List<String> done = new ArrayList<>();
        int current = 0;
        try {
            checkAll(w);
            for (int op : ops) {
                current = op;
                done.add(step(w, op));
                checkAll(w);
            }
        } catch (AssertionError | RuntimeException e) {
            int from = Math.max(0, done.size() - 8);
            throw new AssertionError("world " + configSeed + " (" + w.description + "), after steps "
                    + from + ".." + (done.size() - 1) + ": " + done.subList(from, done.size()) + ", in or after op "
                    + current + ": " + e.getMessage(), e);
        }
        return w;
    }

    // ------------------------------------------------------------------ the properties

    @Test
    void randomOperationSequencesKeepEveryInvariant() {
        qt().withFixedSeed(20250101L).withExamples(200)
                .forAll(longs().all(), lists().of(integers().all()).ofSizeBetween(1, 300))
                .checkAssert((seed, ops) -> {
                    runSequence(seed, ops);
                });
    }

    @Test
    void longSeededSequencesKeepEveryInvariant() {
        long[][] migrated = new long[2][2];
        long hypercallPages = 0;
        long[] stats = new long[Counter.values().length];
        for (long seed = 1; seed <= 40; seed++) {
            SplittableRandom rnd = new SplittableRandom(seed * 7919);
            List<Integer> ops = new ArrayList<>();
            for (int i = 0; i < 1500; i++) {
                ops.add(rnd.nextInt());
            }
            World w = runSequence(seed, ops);
            for (int o = 0; o < 2; o++) {
                for (int k = 0; k < 2; k++) {
                    migrated[o][k] += w.migrated[o][k];
                }
            }
            hypercallPages += w.hypercallPagesDone;
            long[] s = w.stat.snapshot();
            for (int i = 0; i < s.length; i++) {
                stats[i] += s[i];
            }
        }
        // the sequences reached every path worth checking
        assertThat(migrated[MigrationOrder.MAP_THEN_MIGRATE.ordinal()]).as("map-then-migrate from node, swap").doesNotContain(0L);
        assertThat(migrated[MigrationOrder.MIGRATE_BEFORE_MAP.ordinal()]).as("migrate-before-map from node, swap").doesNotContain(0L);
        assertThat(hypercallPages).isPositive();
        for (Counter c : new Counter[] {Counter.KSWAPD_WAKE, Counter.PGSTEAL_DIRECT, Counter.PGDEMOTE_KSWAPD,
            Counter.PGPROMOTE_SUCCESS, Counter.SWAP_RA, Counter.HOLDBACK_SKIPPED, Counter.HYPERCALL_STALE,
            Counter.HYPERCALL_REFUSED, Counter.GUEST_PAGE_COPIES}) {
            assertThat(stats[c.ordinal()]).as(c.metricName()).isPositive();
        }
    }

    /** Small random scenarios through the whole simulator, every invariant checked after every event. */
    @Test
    void randomSmallScenariosKeepEveryInvariantAfterEveryEvent() {
        String[] policies = {"none", "naive", "copyless"};
        long[] balanced = new long[3];
        for (long seed = 1; seed <= 18; seed++) {
            SplittableRandom rnd = new SplittableRandom(seed);
            boolean tiered = rnd.nextBoolean();
            int nodeMiB = 2 + rnd.nextInt(4);
            int vnodeMiB = 3 + rnd.nextInt(4);
            int footprintKiB = 1024 + rnd.nextInt(vnodeMiB * 1024 - 1024);
            String yaml = """
                    name: random%d
                    seed: %d
                    duration: 60ms
                    host:
                      nodes:
                        - {id: 0, memory: %dMiB}
                        - {id: 1, memory: %dMiB}
                    %s
                      swap:
                        - {name: nvme0, profile: %s, size: 16MiB}
                      reclaim: {batch: %d, page-cluster: %d}
                      demotion: {targets: %s, interval: 3ms, batch: %d, promotion: %s,
                                 hot-threshold: 5ms, scan-period: 3ms, scan-size: 1MiB}
                    vms:
                      - name: vm0
                        vnodes:
                          - {id: 0, memory: %dMiB, host-node: 0, vcpus: %d}
                          - {id: 1, memory: %dMiB, host-node: 1, vcpus: 1}
                        tasks:
                          - {name: a, vnode: 0, footprint: %dKiB, pattern: %s}
                          - {name: b, vnode: 1, footprint: %dKiB, pattern: hot-cold}
                    scheduler: {interval: 15ms, pattern: %s, quantum: 100us}
                    balancer: {scan-period-min: 5ms, scan-period-max: 5ms, scan-delay: 5ms, scan-size: 8MiB, fault-around: %d}
                    """.formatted(seed, seed, nodeMiB, nodeMiB,
                    tiered ? "    - {id: 2, memory: " + (2 + rnd.nextInt(6)) + "MiB}" : "",
                    rnd.nextBoolean() ? "nvme" : "zram", 1 + rnd.nextInt(64), rnd.nextInt(4),
                    tiered ? "{0: 2, 1: 2}" : "{}", 1 + rnd.nextInt(64),
                    new String[] {"off", "tiering", "on-touch"}[rnd.nextInt(3)],
                    vnodeMiB, 1 + rnd.nextInt(2), vnodeMiB, footprintKiB,
                    rnd.nextBoolean() ? "uniform" : "sequential", footprintKiB,
                    rnd.nextBoolean() ? "random" : "round-robin", 1 + rnd.nextInt(16));
            Scenario s = Scenarios.parse(yaml);
            String key = policies[(int) (seed % 3)];
            MigrationOrder order = rnd.nextBoolean() ? MigrationOrder.MAP_THEN_MIGRATE : MigrationOrder.MIGRATE_BEFORE_MAP;
            boolean holdBack = rnd.nextBoolean();
            BalancingPolicy p = BalancingPolicy.of(key.equals("copyless") && holdBack ? "copyless-holdback" : key, order,
                    1 + rnd.nextInt(32));
            Simulation sim = new Simulation(s, p).checkInvariantsAfterEachEvent(true);
            RunResult r;
            try {
                r = sim.run();
                sim.checkInvariants();
            } catch (RuntimeException e) {
                throw new AssertionError("scenario " + seed + " under " + p + ":\n" + yaml, e);
            }
            assertThat(r.counter(Counter.GUEST_ACCESSES)).as("scenario %d", seed).isPositive();
            balanced[(int) (seed % 3)] += r.counter(Counter.BALANCED_MOVED_PAGES);
            if (key.equals("copyless")) {
                assertThat(r.counter(Counter.MOVED_PAGE_DATA_MOVEMENTS)).as("scenario %d under %s", seed, p)
                        .isLessThanOrEqualTo(r.counter(Counter.BALANCED_MOVED_PAGES));
                assertThat(r.counter(Counter.MOVED_LIST_INSPECTIONS))
                        .isEqualTo(r.counter(Counter.NUMA_PAGES_MIGRATED) + r.counter(Counter.PGMIGRATE_FAIL));
            } else {
                assertThat(r.counter(Counter.HYPERCALLS)).isZero();
            }
        }
        assertThat(balanced[0]).as("none balances nothing").isZero();
        assertThat(balanced[1]).as("naive balanced moved pages").isPositive();
        assertThat(balanced[2]).as("copyless balanced moved pages").isPositive();
    }

    // ------------------------------------------------------------------ the checker can fail

    /** A world with some pages resident, some swapped, some demoted; all laws hold. */
    private static World populated() {
        World w = new World(3);
        SimulatedHost h = w.host;
        for (int g = 0; g < 12; g++) {
            h.touch(0, g, 0);
        }
        h.pageOut(0, 1);
        h.pageOut(0, 2);
        h.demote(0, 3, 2);
        checkAll(w);
        return w;
    }

    private static int freePfn(HostNode n) {
        for (int pfn = 0; pfn < n.frames(); pfn++) {
            if (n.owner(pfn) == FrameOwner.FREE) {
                return pfn;
            }
        }
        throw new IllegalStateException("no free frame");
    }

    @Test
    void invariantsDetectAGfnPointingAtAFrameItDoesNotOwn() {
        World w = populated();
        long[] st = w.host.stateArray(0);
        long word = st[0];
        int node = PageState.nodeOrDevice(word);
        st[0] = PageState.resident(node, freePfn(w.host.node(node))) | (word & PageState.ACCESSED);
        assertThatThrownBy(() -> Invariants.check(w.host, w.hv, w.vms))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("invariant violated");
        assertThatThrownBy(() -> checkHost(w)).isInstanceOf(AssertionError.class);
    }

    @Test
    void invariantsDetectALeakedFrame() {
        World w = populated();
        w.host.stateArray(0)[0] = PageState.UNBACKED_WORD; // the frame stays owned
        assertThatThrownBy(() -> Invariants.check(w.host, w.hv, w.vms))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("invariant violated");
        assertThatThrownBy(() -> checkHost(w)).isInstanceOf(AssertionError.class);
    }

    @Test
    void invariantsDetectTwoGfnsSharingASwapSlot() {
        World w = populated();
        long[] st = w.host.stateArray(0);
        w.host.discard(0, 2);
        st[2] = st[1]; // gfn 2 now claims gfn 1's slot
        assertThatThrownBy(() -> Invariants.check(w.host, w.hv, w.vms))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("invariant violated");
        assertThatThrownBy(() -> checkHost(w)).isInstanceOf(AssertionError.class);
    }

    @Test
    void invariantsDetectALostMmuNotification() {
        World w = populated();
        w.recorder.dropNotifications = true;
        w.host.pageOut(0, 5); // the hypervisor never hears of it: its list is stale
        assertThatThrownBy(() -> Invariants.check(w.host, w.hv, w.vms))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("moved-page list");
        assertThatThrownBy(() -> checkHost(w)).isInstanceOf(AssertionError.class);
    }

    @Test
    void invariantsDetectAStaleListEntryForAPageThatCameBack() {
        World w = populated();
        assertThat(w.hv.movedPageList(0).isMoved(1)).isTrue();
        w.recorder.dropNotifications = true;
        w.host.touch(0, 1, 0); // swapped back in to its own node; the list still names it
        assertThat(w.hv.movedPageList(0).isMoved(1)).isTrue();
        assertThat(w.host.isMoved(0, 1)).isFalse();
        assertThatThrownBy(() -> Invariants.check(w.host, w.hv, w.vms))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("moved-page list");
        assertThatThrownBy(() -> checkHost(w)).isInstanceOf(AssertionError.class);
    }

    @Test
    void invariantsDetectAGuestPageTableThatDisagreesWithItsReverseMap() {
        World w = populated();
        GuestVm base = w.vms.get(0);
        // a guest with page tables: same memory layout, 4 virtual pages
        GuestVm vm = new GuestVm(0, "vm0", new int[] {base.vnodeCount(0), base.vnodeCount(1)}, base.vnodeHostNodes(), 4);
        List<GuestVm> vms = List.of(vm, w.vms.get(1));
        int a = vm.allocGfn(0);
        int b = vm.allocGfn(0);
        vm.map(0, a);
        vm.map(1, b);
        Invariants.check(w.host, w.hv, vms);
        vm.pageTable()[0] = b; // two PTEs map b, the rmap still says gvpn 0 maps a
        assertThatThrownBy(() -> Invariants.check(w.host, w.hv, vms))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("invariant violated");
    }

    @Test
    void aSimulationCheckingEveryEventStopsAtTheFirstCorruption() {
        Scenario s = Scenarios.parse(Scenarios.SMALL).withDuration(100_000_000L);
        Simulation sim = new Simulation(s, BalancingPolicy.of("copyless-holdback", MigrationOrder.MIGRATE_BEFORE_MAP, 16))
                .checkInvariantsAfterEachEvent(true);
        sim.engine().runUntil(50_000_000L, null);
        sim.checkInvariants();
        long[] st = sim.host().stateArray(0);
        int victim = -1;
        for (int g = 0; g < st.length && victim < 0; g++) {
            if (PageState.isResident(st[g])) {
                victim = g;
            }
        }
        assertThat(victim).isNotNegative();
        int node = PageState.nodeOrDevice(st[victim]);
        st[victim] = PageState.swapped(0, sim.host().swapDevice(0).slots() - 1); // not owned by it, frame leaked
        assertThatThrownBy(sim::run).isInstanceOf(IllegalStateException.class).hasMessageContaining("invariant violated");
        assertThat(node).isBetween(0, 1);
    }
}
