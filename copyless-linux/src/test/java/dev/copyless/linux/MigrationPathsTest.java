package dev.copyless.linux;

import static org.assertj.core.api.Assertions.assertThat;

import dev.copyless.mm.MigrationOrder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The three balancing-migration paths on real memory and swap: every page's content kept, our copies counted. */
class MigrationPathsTest {
    private static final int PAGES = 2048;

    @ParameterizedTest
    @ValueSource(strings = {"naive", "linux-move"})
    void todaysPathsKeepEveryPage(String path) {
        SwapAvailable.assume();
        LinuxDemo.PathResult r = LinuxDemo.runPath(path, PAGES, MigrationOrder.MIGRATE_BEFORE_MAP, 7);
        assertThat(r.pagesSwappedBefore()).isEqualTo(PAGES);
        assertThat(r.pagesCorrupt()).isZero();
        assertThat(r.pagesVerified()).isEqualTo(2 * PAGES);
        assertThat(r.pagesOnDestinationNode()).isEqualTo(PAGES);
        assertThat(r.bytesCopiedByUs()).isEqualTo(path.equals("naive") ? PAGES * Syscalls.PAGE_SIZE : 0);
        assertThat(r.movedListedAfter()).isZero(); // everything came back in
        // the cold page-out left nothing in the swap cache: the data came from the device
        // (/proc/vmstat is system-wide, so only a lower bound is safe)
        assertThat(r.delta().pswpin()).isGreaterThanOrEqualTo(PAGES * 9 / 10);
    }

    @ParameterizedTest
    @EnumSource(MigrationOrder.class)
    void copylessMovesSwapEntriesWithoutCopying(MigrationOrder order) {
        SwapAvailable.assume();
        LinuxDemo.PathResult r = LinuxDemo.runPath("copyless", PAGES, order, 7);
        assertThat(r.pagesSwappedBefore()).isEqualTo(PAGES);
        assertThat(r.pagesRefused()).isZero();
        assertThat(r.bytesCopiedByUs()).isZero();
        assertThat(r.pagesCorrupt()).isZero();
        assertThat(r.pagesVerified()).isEqualTo(2 * PAGES);
        assertThat(r.pagesOnDestinationNode()).isEqualTo(PAGES);
        assertThat(r.delta().pswpout()).isLessThan(PAGES / 10); // nothing is written to swap again
        if (order == MigrationOrder.MAP_THEN_MIGRATE) {
            // the swap entries moved to B: B is still in swap, A is not listed any more
            assertThat(r.movedListedAfter()).isEqualTo(PAGES);
        } else {
            assertThat(r.movedListedAfter()).isZero();
            assertThat(r.delta().pswpin()).isGreaterThanOrEqualTo(PAGES * 9 / 10); // read once, from the device, into B
        }
    }

    @Test
    void copylessMovesTheSwapEntryToTheDestinationGfnAndRebindsIt() {
        SwapAvailable.assume();
        try (GuestRam ram = GuestRam.create(64, 64); MovedPageScanner list = new MovedPageScanner(ram)) {
            for (int g = 0; g < 64; g++) {
                ram.writePattern(g, 1000 + g);
            }
            ram.pageOut(0, 64);
            list.scan();
            int[] src = {3, 4, 5, 9, 40};
            int[] dst = {64, 65, 66, 100, 70}; // one contiguous run, then single pages
            for (int s : src) {
                assertThat(list.isMoved(s)).isTrue();
            }
            long[] slots = new long[src.length];
            for (int i = 0; i < src.length; i++) {
                slots[i] = list.swapOffset(src[i]);
            }
            // gfn 10 is not swapped: refused with EAGAIN
            ram.populateRead(10, 1);
            list.rescan(10, 1);
            int[] status = new int[src.length + 1];
            int[] src2 = java.util.Arrays.copyOf(src, src.length + 1);
            int[] dst2 = java.util.Arrays.copyOf(dst, dst.length + 1);
            src2[src.length] = 10;
            dst2[src.length] = 101;
            long copied = MigrationPaths.copyless(ram, list, src2, dst2, src2.length, MigrationOrder.MAP_THEN_MIGRATE, status);
            assertThat(copied).isZero();
            assertThat(status).containsExactly(0, 0, 0, 0, 0, -Errno.EAGAIN);
            list.scan();
            for (int i = 0; i < src.length; i++) {
                assertThat(list.isMoved(src[i])).isFalse();
                assertThat(list.isMoved(dst[i])).as("gfn %d holds the swap entry", dst[i]).isTrue();
                assertThat(list.swapOffset(dst[i])).isEqualTo(slots[i]); // the same slot: no data was read or written
                assertThat(Syscalls.policyNodesAt(ram.address(dst[i]))).isEqualTo(1L << ram.vnodeNode(1));
                assertThat(Syscalls.policyModeAt(ram.address(src[i]))).isEqualTo(Syscalls.MPOL_BIND);
            }
            for (int i = 0; i < src.length; i++) {
                assertThat(ram.checkPattern(dst[i], 1000 + src[i])).isTrue();
                assertThat(ram.checkPattern(src[i], 0)).isTrue();
            }
            assertThat(ram.checkPattern(10, 1010)).isTrue();
            assertThat(ram.checkPattern(101, 0)).isTrue();
        }
    }
}
