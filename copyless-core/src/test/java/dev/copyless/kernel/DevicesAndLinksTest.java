package dev.copyless.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.copyless.clock.CostModel;
import dev.copyless.clock.Engine;
import dev.copyless.metrics.Counter;
import dev.copyless.metrics.LinkLoad;
import dev.copyless.metrics.VmStat;
import dev.copyless.mm.PageState;
import dev.copyless.mm.Promotion;
import dev.copyless.swap.SwapDevice;
import dev.copyless.swap.SwapProfile;
import org.junit.jupiter.api.Test;

/**
 * Devices with queues and a home node ({@link BlockLayer}) and links with bandwidth
 * ({@link Interconnect}): what overlaps, what waits, what crosses a link and what that costs.
 */
class DevicesAndLinksTest {
    private static final SwapProfile QD1 = new SwapProfile("nvme", 40_000, 20_000, 3_000_000_000L, 1);
    private static final SwapProfile QD2 = new SwapProfile("nvme", 40_000, 20_000, 3_000_000_000L, 2);
    private static final int VNODE_PAGES = 64;

    private static BlockLayer block(SwapProfile p, VmStat stat) {
        return new BlockLayer(new SwapDevice[] {new SwapDevice(0, "d", p, 16)}, new Interconnect(1,
                Interconnect.UPI_BYTES_PER_SECOND, stat), stat);
    }

    // ------------------------------------------------------------------ device queues

    @Test
    void twoReadsSubmittedTogetherOverlapTheirLatencyAtQueueDepthTwoButNotAtOne() {
        long l = QD2.readNs();
        long x = QD2.transferNs();
        VmStat s2 = new VmStat(false);
        BlockLayer deep = block(QD2, s2);
        SwapDevice d2 = new SwapDevice(0, "d", QD2, 16);
        long a2 = deep.submitBio(d2, false, 0, 0);
        long b2 = deep.submitBio(d2, false, 0, 0);
        VmStat s1 = new VmStat(false);
        BlockLayer shallow = block(QD1, s1);
        SwapDevice d1 = new SwapDevice(0, "d", QD1, 16);
        long a1 = shallow.submitBio(d1, false, 0, 0);
        long b1 = shallow.submitBio(d1, false, 0, 0);

        assertThat(a2).isEqualTo(a1).isEqualTo(l + x);
        assertThat(b2).as("queue depth 2: one latency, two transfers").isEqualTo(l + 2 * x);
        assertThat(b1).as("queue depth 1: one after the other").isEqualTo(2 * (l + x));
        assertThat(s2.get(Counter.SWAP_QUEUE_DELAY_NS)).as("the second waited for the bandwidth").isEqualTo(x);
        assertThat(s1.get(Counter.SWAP_QUEUE_DELAY_NS)).as("the second waited for the slot").isEqualTo(l + x);
    }

    @Test
    void theDeviceBandwidthCapsThroughputWhateverTheQueueDepth() {
        SwapProfile p = SwapProfile.NVME;
        BlockLayer b = block(p, new VmStat(false));
        SwapDevice d = new SwapDevice(0, "d", p, 16);
        int n = 1_000;
        long last = 0;
        for (int i = 0; i < n; i++) {
            last = Math.max(last, b.submitBio(d, false, 0, 0));
        }
        double bytesPerSecond = n * 4096.0 / (last / 1e9);
        assertThat(bytesPerSecond).as("served at most at the device's bandwidth").isLessThanOrEqualTo(p.bytesPerSecond());
        assertThat(last).as("and no slower than latency plus the transfers")
                .isBetween(p.readNs() + n * p.transferNs(), p.readNs() + n * p.transferNs() + Calendar.BIN_NS);
    }

    @Test
    void aRequestArrivingOutOfTimeOrderWaitsOnlyForWhatOverlapsIt() {
        VmStat stat = new VmStat(false);
        BlockLayer b = block(QD2, stat);
        SwapDevice d = new SwapDevice(0, "d", QD2, 16);
        long later = b.submitBio(d, false, 0, 500_000); // another vCPU's slice ran ahead
        long earlier = b.submitBio(d, false, 0, 0);

        assertThat(later).isEqualTo(500_000 + QD2.pageReadNs());
        assertThat(earlier).as("nothing of the later request overlaps it").isEqualTo(QD2.pageReadNs());
        assertThat(stat.get(Counter.SWAP_QUEUE_DELAY_NS)).isZero();
    }

    @Test
    void zramHasNoDeviceQueue() {
        VmStat stat = new VmStat(false);
        BlockLayer b = block(SwapProfile.ZRAM, stat);
        SwapDevice d = new SwapDevice(0, "z", SwapProfile.ZRAM, 16);
        for (int i = 0; i < 10; i++) {
            assertThat(b.waitNs(d, false, 0, 0)).isEqualTo(SwapProfile.ZRAM.pageReadNs());
        }
        assertThat(stat.get(Counter.SWAP_QUEUE_DELAY_NS)).isZero();
    }

    // ------------------------------------------------------------------ DMA across the link

    /** Two nodes, one vNode on each, the swap device on {@code deviceNode}; readahead off. */
    private static SimulatedHost twoNodeHost(VmStat stat, Engine engine, int deviceNode, long linkBytesPerSecond) {
        HostNode[] nodes = {new HostNode(0, 256, 0, 0, 0), new HostNode(1, 256, 0, 0, 0)};
        SwapDevice[] swaps = {new SwapDevice(0, "nvme0", SwapProfile.NVME, 512, deviceNode)};
        int[][] distance = {{10, 21}, {21, 10}};
        HostConfig config = new HostConfig(32, 0, new int[] {-1, -1}, Promotion.OFF, 0, 64, true, linkBytesPerSecond);
        SimulatedHost host = new SimulatedHost(nodes, swaps, CostModel.defaults(distance), stat, engine, config);
        host.registerVm(2 * VNODE_PAGES, new int[] {0, VNODE_PAGES}, new int[] {0, 1}, (gfn, word, moved) -> { });
        return host;
    }

    @Test
    void aSwapInToAFrameOffTheDevicesHomeNodeCrossesTheLinkAndAHomeNodeOneDoesNot() {
        VmStat stat = new VmStat(false);
        SimulatedHost host = twoNodeHost(stat, new Engine(), 0, Interconnect.UPI_BYTES_PER_SECOND);
        int home = 1;               // vNode 0, pinned to node 0: the device's node
        int away = VNODE_PAGES + 1; // vNode 1, pinned to node 1
        host.populate(0, home);
        host.populate(0, away);

        host.pageOut(0, home);
        host.touch(0, home, 0);
        assertThat(stat.get(Counter.PSWPIN)).isEqualTo(1);
        assertThat(stat.get(Counter.LINK_BYTES)).as("node 0's page to and from node 0's device").isZero();

        host.pageOut(0, away);
        assertThat(stat.get(Counter.LINK_BYTES)).as("the write's DMA, node 1 -> node 0").isEqualTo(4096);
        host.touch(0, away, 1);
        assertThat(PageState.nodeOrDevice(host.locate(0, away))).isEqualTo(1);
        assertThat(stat.get(Counter.LINK_BYTES)).as("and the read's, node 0 -> node 1").isEqualTo(8192);
        assertThat(stat.get(Counter.INTERCONNECT_BYTES)).as("no page copy").isZero();
    }

    // ------------------------------------------------------------------ links

    @Test
    void aGuestCopyQueuedBehindASaturatedLinkPaysTheDelay() {
        long slow = 4096L * 1_000; // one page per ms
        long[] copyNs = new long[2];
        for (int run = 0; run < 2; run++) {
            VmStat stat = new VmStat(false);
            SimulatedHost host = twoNodeHost(stat, new Engine(), 0, slow);
            int src = 1;
            int dst = VNODE_PAGES + 1;
            int other = 2;
            host.populate(0, src);
            host.populate(0, dst);
            host.populate(0, other);
            if (run == 1) {
                assertThat(host.demote(0, other, 1)).isPositive(); // holds the link 0 -> 1 for 1 ms
            }
            copyNs[run] = host.copy(0, src, dst);
            if (run == 1) {
                assertThat(stat.get(Counter.LINK_QUEUE_DELAY_NS)).isPositive();
            }
        }
        long pageCopy = CostModel.defaults(new int[][] {{10, 21}, {21, 10}}).copyNs(0, 1);
        assertThat(copyNs[0]).as("an idle link: the per-core copy cost alone").isEqualTo(pageCopy);
        assertThat(copyNs[1]).as("behind the demotion's 1 ms on the link")
                .isGreaterThanOrEqualTo(1_000_000 - pageCopy).isLessThanOrEqualTo(1_000_000 + pageCopy);
    }

    @Test
    void utilisationIsBytesOverBucketTimesBandwidthAndNeverAboveOne() {
        long bw = 4_096_000_000L; // a page holds the link for 1 us
        VmStat stat = new VmStat(false);
        Interconnect links = new Interconnect(2, bw, stat);
        LinkLoad load = new LinkLoad(2, bw, 10_000, 10);
        links.recordInto(load);
        for (int i = 0; i < 30; i++) {
            links.transfer(0, 1, 0, 4096); // 30 us of work made at once: saturates buckets 0-2
        }
        links.transfer(1, 0, 49_500, 4096); // one page, half in bucket 4, half in bucket 5
        links.transfer(1, 0, 49_600, 4096); // waits for it, then all in bucket 5

        for (int b = 0; b < 3; b++) {
            assertThat(load.utilisation(0, 1, b)).isCloseTo(1.0, within(1e-9));
        }
        for (int b = 3; b < 10; b++) {
            assertThat(load.utilisation(0, 1, b)).isZero();
        }
        long total = 0;
        for (int from = 0; from < 2; from++) {
            for (int to = 0; to < 2; to++) {
                for (int b = 0; b < 10; b++) {
                    double u = load.utilisation(from, to, b);
                    assertThat(u).isBetween(0.0, 1.0);
                    assertThat(u).isCloseTo(load.bytes(from, to, b) / (10_000 * 1e-9 * bw), within(1e-9));
                    total += load.bytes(from, to, b);
                }
            }
        }
        assertThat(total).isEqualTo(stat.get(Counter.LINK_BYTES)).isEqualTo(32 * 4096);
        assertThat(load.bytes(1, 0, 4)).isEqualTo(2048);
        assertThat(load.bytes(1, 0, 5)).isEqualTo(2048 + 4096);
        assertThat(stat.get(Counter.LINK_QUEUE_DELAY_NS)).as("29 waits of 1..29 us, then one of 0.9 us (exact to a bin)")
                .isBetween(1_000L * 29 * 30 / 2, 1_000L * 29 * 30 / 2 + Calendar.BIN_NS);
    }

    @Test
    void aTransferWithinANodeUsesNoLink() {
        VmStat stat = new VmStat(false);
        Interconnect links = new Interconnect(2, 1, stat);
        assertThat(links.transfer(1, 1, 0, 4096)).isZero();
        assertThat(stat.get(Counter.LINK_BYTES)).isZero();
    }
}
