package dev.copyless.linux;

import static org.assertj.core.api.Assertions.assertThat;

import dev.copyless.clock.CostModel;
import dev.copyless.clock.Engine;
import dev.copyless.metrics.Counter;
import dev.copyless.metrics.VmStat;
import dev.copyless.mm.PageState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code evictions_caused} on the Linux backend is measured by the model's rule, not restated
 * from {@code pages_brought_back}: a naive read that brings a swapped page back to its node owes
 * an eviction only when it leaves the node's room below the high watermark, and the debt is paid
 * by the next page the backend's own reclaim pages out there. Skipped, with the reason, without
 * swap or {@code UFFDIO_MOVE}.
 */
class LinuxEvictionsCausedTest {
    private static final int VNODE = 1024;
    /** Node 0's room falls below its high watermark once more than this many pages are resident. */
    private static final int SPARE = 16;
    private final Engine engine = new Engine();
    private final VmStat stat = new VmStat();
    private LinuxHostMemory host;
    private int vm;

    @BeforeEach
    void host() {
        SwapAvailable.assumeSwapAndUffdioMove();
        int pages = 4 * VNODE;
        LinuxHostMemory.NodeLimit node0 = new LinuxHostMemory.NodeLimit(pages, 0, 0, pages - SPARE);
        LinuxHostMemory.NodeLimit node1 = new LinuxHostMemory.NodeLimit(pages, 0, 0, 0);
        host = new LinuxHostMemory(new LinuxHostMemory.NodeLimit[] {node0, node1}, 32,
                CostModel.defaults(new int[][] {{10, 21}, {21, 10}}), stat, engine);
        vm = host.registerVm(2 * VNODE, new int[] {0, VNODE}, new int[] {0, 1}, (gfn, word, moved) -> { });
    }

    @AfterEach
    void close() {
        if (host != null) {
            host.close();
        }
    }

    /** A naive balancing copy of a swapped vNode 0 page to vNode 1: the source is brought back to node 0 first. */
    private void naiveCopyOfSwapped(int src, int dst) {
        assertThat(host.pageOut(vm, src)).isGreaterThanOrEqualTo(0);
        assertThat(PageState.isSwapped(host.locate(vm, src))).isTrue();
        host.copy(vm, src, dst);
    }

    @Test
    void aBringBackOntoANodeWithRoomToSpareCausesNoEvictionAndOneOntoAFullNodeCausesOne() {
        for (int g = 0; g < 4; g++) {
            host.populate(vm, g);
        }
        naiveCopyOfSwapped(0, VNODE);
        assertThat(stat.get(Counter.PAGES_BROUGHT_BACK)).isEqualTo(1);
        host.shrink(0, 2); // reclaim on node 0: nothing owed
        assertThat(stat.get(Counter.EVICTIONS_CAUSED)).isZero();

        for (int g = 4; g < 4 + 2 * SPARE; g++) { // node 0 now holds more than SPARE pages: below high
            host.populate(vm, g);
        }
        naiveCopyOfSwapped(4, VNODE + 1);
        assertThat(stat.get(Counter.PAGES_BROUGHT_BACK)).isEqualTo(2);
        assertThat(stat.get(Counter.EVICTIONS_CAUSED)).as("owed, not yet paid").isZero();
        assertThat(host.shrink(0, 4)).isPositive();
        assertThat(stat.get(Counter.EVICTIONS_CAUSED)).isEqualTo(1);
        assertThat(stat.get(Counter.EVICTIONS_CAUSED)).isLessThan(stat.get(Counter.PAGES_BROUGHT_BACK));
    }
}
