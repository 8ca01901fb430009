package dev.copyless.linux;

import static org.assertj.core.api.Assertions.assertThat;

import dev.copyless.mm.Errno;
import dev.copyless.mm.MigrationOrder;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The balancing-migration paths on real memory and swap: every page's content kept, our
 * copies counted, and, under {@code UFFDIO_MOVE}, guest RAM left one mapping however scattered
 * the moves; the {@code mremap} fallback is run too (forced). Skipped, with the reason, without
 * usable swap (and {@code UFFDIO_MOVE} for its own tests).
 */
class MigrationPathsTest {
    private static final int PAGES = 2048;

    @ParameterizedTest
    @ValueSource(strings = {"naive", "linux-move-per-page", "linux-move"})
    void todaysPathsKeepEveryPage(String path) {
        SwapAvailable.assume();
        LinuxDemo.PathResult r = LinuxDemo.runPath(path, PAGES, MigrationOrder.MIGRATE_BEFORE_MAP, 7);
        assertThat(r.pagesSwappedBefore()).isEqualTo(PAGES);
        assertThat(r.pagesCorrupt()).isZero();
        assertThat(r.pagesVerified()).isEqualTo(2 * PAGES);
        assertThat(r.pagesOnDestinationNode()).isEqualTo(PAGES);
        assertThat(r.bytesCopiedByUs()).isEqualTo(path.equals("naive") ? PAGES * Syscalls.PAGE_SIZE : 0);
        assertThat(r.movedListedAfter()).isZero(); // everything came back in
        assertThat(r.mappingsAfter()).isEqualTo(r.mappingsBefore());
        // the cold page-out left nothing in the swap cache: the data came from the device
        // (/proc/vmstat is system-wide, so only a lower bound is safe)
        assertThat(r.delta().pswpin()).isGreaterThanOrEqualTo(PAGES * 9 / 10);
    }

    @ParameterizedTest
    @EnumSource(MigrationOrder.class)
    void copylessMovesSwapEntriesWithoutCopying(MigrationOrder order) {
        SwapAvailable.assume();
        for (MovePrimitive p : primitivesHere()) {
            LinuxDemo.PathResult r = LinuxDemo.runPath("copyless", PAGES, order, 7, true, true, p);
            assertThat(r.pagesSwappedBefore()).as(p.key()).isEqualTo(PAGES);
            assertThat(r.pagesRefused()).as(p.key()).isZero();
            assertThat(r.bytesCopiedByUs()).isZero();
            assertThat(r.pagesCorrupt()).as(p.key()).isZero();
            assertThat(r.pagesVerified()).isEqualTo(2 * PAGES);
            assertThat(r.pagesOnDestinationNode()).isEqualTo(PAGES);
            assertThat(r.delta().pswpout()).isLessThan(PAGES / 10); // nothing is written to swap again
            if (p == MovePrimitive.UFFDIO_MOVE) {
                assertThat(r.mappingsAfter()).as("UFFDIO_MOVE splits no mapping").isEqualTo(r.mappingsBefore());
            } else {
                assertThat(r.mappingsAfter()).as("mremap splits guest RAM per scattered page").isGreaterThan(PAGES);
            }
            if (order == MigrationOrder.MAP_THEN_MIGRATE) {
                // the swap entries moved to B: B is still in swap, A is not listed any more
                assertThat(r.movedListedAfter()).isEqualTo(PAGES);
            } else {
                assertThat(r.movedListedAfter()).isZero();
                assertThat(r.delta().pswpin()).isGreaterThanOrEqualTo(PAGES * 9 / 10); // read once, from the device, into B
            }
        }
    }

    private static MovePrimitive[] primitivesHere() {
        return MovePrimitive.detect() == MovePrimitive.UFFDIO_MOVE ? MovePrimitive.values() : new MovePrimitive[] {MovePrimitive.MREMAP};
    }

    @ParameterizedTest
    @EnumSource(MovePrimitive.class)
    void copylessMovesTheSwapEntryToTheDestinationGfnUnderItsVnodesPolicy(MovePrimitive primitive) {
        SwapAvailable.assume();
        if (primitive == MovePrimitive.UFFDIO_MOVE) {
            SwapAvailable.assumeUffdioMove();
        }
        try (GuestRam ram = GuestRam.create(primitive, 64, 64); MovedPageScanner list = new MovedPageScanner(ram)) {
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

    /**
     * 4,096 swapped pages moved one by one to a seeded shuffle of destinations with
     * {@code UFFDIO_MOVE}: guest RAM spans as many mappings after as before, every swap entry
     * is at its destination with its slot unchanged (nothing read), and every page reads back
     * its own content; the same on the {@code mremap} fallback adds mappings, so the count is a
     * real check.
     */
    @Test
    void scatteredUffdioMovesSplitNoMappingAndKeepEveryPage() {
        SwapAvailable.assumeSwapAndUffdioMove();
        int n = 4096;
        try (GuestRam ram = GuestRam.create(MovePrimitive.UFFDIO_MOVE, n, n); MovedPageScanner list = new MovedPageScanner(ram)) {
            int[] src = new int[n];
            int[] dst = shuffledDestinations(n, 11);
            for (int i = 0; i < n; i++) {
                src[i] = i;
                ram.writePattern(i, 7 + i);
            }
            ram.pageOut(0, n);
            list.scan();
            assertThat(list.size()).isEqualTo(n);
            long[] slots = new long[n];
            for (int i = 0; i < n; i++) {
                slots[i] = list.swapOffset(i);
            }
            int before = ram.mappings();
            for (int i = 0; i < n; i++) {
                MigrationPaths.moveEntries(ram, src[i], dst[i], 1);
            }
            assertThat(ram.mappings()).isEqualTo(before);
            list.scan();
            for (int i = 0; i < n; i++) {
                assertThat(list.isMoved(src[i])).isFalse();
                assertThat(list.swapOffset(dst[i])).isEqualTo(slots[i]);
            }
            int bad = 0;
            for (int i = 0; i < n; i++) {
                bad += ram.checkPattern(dst[i], 7 + i) && ram.checkPattern(src[i], 0) ? 0 : 1;
            }
            assertThat(bad).isZero();
            assertThat(ram.mappings()).isEqualTo(before);
        }
        try (GuestRam ram = GuestRam.create(MovePrimitive.MREMAP, 64, 64)) {
            int[] dst = shuffledDestinations(64, 11);
            for (int i = 0; i < 64; i++) {
                ram.writePattern(i, 7 + i);
            }
            ram.pageOut(0, 64);
            int before = ram.mappings();
            for (int i = 0; i < 64; i += 2) {
                MigrationPaths.moveEntries(ram, i, dst[i], 1);
            }
            assertThat(ram.mappings()).isGreaterThan(before + 16);
        }
    }

    private static int[] shuffledDestinations(int n, long seed) {
        int[] d = new int[n];
        for (int i = 0; i < n; i++) {
            d[i] = n + i;
        }
        Random rnd = new Random(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = d[i];
            d[i] = d[j];
            d[j] = t;
        }
        return d;
    }

    @Test
    void slotKeysSortByDeviceThenOffset() {
        assertThat(MigrationPaths.slotKey(0, 5)).isLessThan(MigrationPaths.slotKey(0, 6));
        assertThat(MigrationPaths.slotKey(0, (1L << 38) - 1)).isLessThan(MigrationPaths.slotKey(1, 0));
        assertThat(MigrationPaths.slotKey(31, Long.MAX_VALUE)).isLessThan(1L << 43);
    }
}
