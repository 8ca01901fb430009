package dev.copyless.linux;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The pagemap reader and the moved-page list it feeds (claim 1's exported data object, claims 9, 10, 13). */
class PagemapTest {
    private static final int PAGES = 2048;

    @Test
    void pagemapReportsSwappedPagesAfterMadvPageout() {
        SwapAvailable.assume();
        try (GuestRam ram = GuestRam.create(PAGES); Pagemap pm = new Pagemap()) {
            for (int g = 0; g < PAGES; g++) {
                ram.writePattern(g, g + 1);
            }
            long[] e = new long[PAGES];
            pm.read(ram.address(0), PAGES, e);
            for (long x : e) {
                assertThat(Pagemap.present(x)).isTrue();
                assertThat(Pagemap.swapped(x)).isFalse();
            }
            ram.pageOut(0, PAGES / 2);
            pm.read(ram.address(0), PAGES, e);
            int swapped = 0;
            java.util.Set<Long> slots = new java.util.HashSet<>();
            for (int g = 0; g < PAGES / 2; g++) {
                if (Pagemap.swapped(e[g])) {
                    swapped++;
                    assertThat(Pagemap.present(e[g])).isFalse();
                    slots.add(((long) Pagemap.swapType(e[g]) << 50) | Pagemap.swapOffset(e[g]));
                }
            }
            assertThat(swapped).isGreaterThan(PAGES / 2 * 9 / 10);
            assertThat(slots).hasSize(swapped); // every swapped page has its own slot
            for (int g = PAGES / 2; g < PAGES; g++) {
                assertThat(Pagemap.swapped(e[g])).isFalse();
            }
            for (int g = 0; g < PAGES; g++) {
                assertThat(ram.checkPattern(g, g + 1)).isTrue();
            }
        }
    }

    @Test
    void aMarkerTheKernelReportsWithPmSwapIsANonSwapEntryNotASwappedPage() {
        Assumptions.assumeTrue(LinuxHost.isRoot(), "skipped: not root (the pagemap hides swap types)");
        long len = 4L * Syscalls.PAGE_SIZE;
        long addr = Syscalls.mmapAnonymous(0, len, Syscalls.PROT_READ | Syscalls.PROT_WRITE, Syscalls.MAP_PRIVATE);
        try (Pagemap pm = new Pagemap()) {
            Syscalls.segment(addr, len).fill((byte) 7);
            try {
                Syscalls.madvise(addr + Syscalls.PAGE_SIZE, Syscalls.PAGE_SIZE, Syscalls.MADV_GUARD_INSTALL);
            } catch (SyscallException e) {
                Assumptions.abort("skipped: MADV_GUARD_INSTALL needs Linux 6.13 or later (" + e.getMessage() + ")");
            }
            long[] e = new long[4];
            pm.read(addr, 4, e);
            // a guard marker is a PTE marker, type SWP_PTE_MARKER: the kernel sets PM_SWAP for it as for a swap entry
            assertThat(e[1] & Pagemap.SWAPPED).isNotZero();
            assertThat(Pagemap.present(e[1])).isFalse();
            assertThat(Pagemap.swapType(e[1])).isGreaterThanOrEqualTo(Pagemap.MAX_SWAPFILES_AT_LEAST);
            assertThat(Pagemap.nonSwapEntry(e[1])).isTrue();
            assertThat(Pagemap.swapped(e[1])).isFalse();
            for (int i : new int[] {0, 2, 3}) {
                assertThat(Pagemap.present(e[i])).isTrue();
                assertThat(Pagemap.nonSwapEntry(e[i])).isFalse();
            }
        } finally {
            Syscalls.munmap(addr, len);
        }
    }

    @Test
    void scannerListsExactlyTheSwappedGfnsAndRescansIncrementally() {
        SwapAvailable.assume();
        try (GuestRam ram = GuestRam.create(PAGES / 2, PAGES / 2); MovedPageScanner list = new MovedPageScanner(ram);
             Pagemap pm = new Pagemap()) {
            for (int g = 0; g < PAGES; g++) {
                ram.writePattern(g, g + 1);
            }
            assertThat(list.scan().added()).isZero();
            // page out every other 64-page block
            for (int g = 0; g < PAGES; g += 128) {
                ram.pageOut(g, 64);
            }
            MovedPageScanner.Delta d = list.scan();
            assertThat(list.references()).containsExactly(swappedGfns(ram, pm));
            assertThat(d.added()).isEqualTo(list.size()).isGreaterThan(0);
            for (MovedPageScanner.MovedPage p : list.movedPages()) {
                long e = pm.entry(ram.address(p.gfn()));
                assertThat(p.swapType()).isEqualTo(Pagemap.swapType(e));
                assertThat(p.swapOffset()).isEqualTo(Pagemap.swapOffset(e)).isPositive();
            }
            // changes: bring block 0 back (writing it frees its slot), page out block 64..128, rescan only those
            ram.populateWrite(0, 64);
            ram.pageOut(64, 64);
            int before = list.size();
            MovedPageScanner.Delta r = list.rescan(0, 128);
            assertThat(r.removed()).isGreaterThan(0);
            assertThat(r.added()).isGreaterThan(0);
            assertThat(list.size()).isEqualTo(before + r.added() - r.removed());
            assertThat(list.references()).containsExactly(swappedGfns(ram, pm));
            assertThat(list.isMoved(0)).isFalse();
            assertThat(list.generation()).isEqualTo(3);
        }
    }

    static int[] swappedGfns(GuestRam ram, Pagemap pm) {
        long[] e = new long[ram.gfns()];
        pm.read(ram.address(0), ram.gfns(), e);
        return java.util.stream.IntStream.range(0, ram.gfns()).filter(g -> Pagemap.swapped(e[g])).toArray();
    }
}
