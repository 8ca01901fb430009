package dev.copyless.linux;

import static org.assertj.core.api.Assertions.assertThat;

import dev.copyless.clock.CostModel;
import dev.copyless.clock.Engine;
import dev.copyless.host.Verification;
import dev.copyless.metrics.Counter;
import dev.copyless.metrics.VmStat;
import dev.copyless.mm.MigrationOrder;
import dev.copyless.mm.PageState;
import java.lang.foreign.ValueLayout;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Linux backend's own behaviour under {@code UFFDIO_MOVE}, beyond the contract: a
 * hypercall's batch of scattered moves leaves guest RAM's mapping count as it was
 * ({@code mappings_before} = {@code mappings_after}) with every page verified, and a
 * destination the kernel backs behind the shadow's back ({@code EEXIST}) is released and the
 * move retried. Skipped, with the reason, without swap or {@code UFFDIO_MOVE}.
 */
class LinuxHostMemoryTest {
    private static final int VNODE = 2048;
    private final Engine engine = new Engine();
    private final VmStat stat = new VmStat();
    private LinuxHostMemory host;
    private int vm;

    @BeforeEach
    void host() {
        SwapAvailable.assumeSwapAndUffdioMove();
        LinuxHostMemory.NodeLimit room = new LinuxHostMemory.NodeLimit(4 * VNODE, 0, 0, 0);
        host = new LinuxHostMemory(new LinuxHostMemory.NodeLimit[] {room, room}, 32,
                CostModel.defaults(new int[][] {{10, 21}, {21, 10}}), stat, engine);
        vm = host.registerVm(2 * VNODE, new int[] {0, VNODE}, new int[] {0, 1}, (gfn, word, moved) -> { });
        assertThat(host.primitive()).isEqualTo(MovePrimitive.UFFDIO_MOVE);
    }

    @AfterEach
    void close() {
        if (host != null) {
            host.close();
        }
    }

    @Test
    void aRescanLeavesAPageUnderANonSwapEntryResidentAndCountsNoPswpout() {
        int gfn = 5;
        host.populate(vm, gfn);
        long addr = host.ram(vm).address(gfn);
        try {
            // a guard marker stands in for a migration entry: both are non_swap_entry()s the pagemap reports with PM_SWAP
            Syscalls.madvise(addr, Syscalls.PAGE_SIZE, Syscalls.MADV_GUARD_INSTALL);
        } catch (SyscallException e) {
            Assumptions.abort("skipped: MADV_GUARD_INSTALL needs Linux 6.13 or later (" + e.getMessage() + ")");
        }
        try {
            long pswpout = stat.get(Counter.PSWPOUT);
            assertThat(host.rescan()).isZero();
            assertThat(PageState.isResident(host.locate(vm, gfn))).isTrue();
            assertThat(stat.get(Counter.PSWPOUT)).isEqualTo(pswpout);
            Map<String, Long> g = new HashMap<>();
            host.gauges(g);
            assertThat(g.get("rescan_found_swapped")).isZero();
            assertThat(g.get("rescan_found_non_swap_entries")).isEqualTo(1L);
        } finally {
            Syscalls.madvise(addr, Syscalls.PAGE_SIZE, Syscalls.MADV_GUARD_REMOVE);
        }
    }

    @Test
    void aBatchOfScatteredMovesKeepsGuestRamOneMappingAndEveryPage() {
        int n = 512; // one hypercall's worth
        int[] src = new int[n];
        int[] dst = new int[n];
        Random rnd = new Random(3);
        boolean[] taken = new boolean[VNODE];
        for (int i = 0; i < n; i++) {
            src[i] = 2 * i; // every other gfn of vNode 0: no two sources contiguous
            int d;
            do {
                d = rnd.nextInt(VNODE);
            } while (taken[d]);
            taken[d] = true;
            dst[i] = VNODE + d;
            host.populate(vm, src[i]);
        }
        for (int i = 0; i < n; i++) {
            assertThat(host.pageOut(vm, src[i])).isGreaterThanOrEqualTo(0);
        }
        int[] status = new int[n];
        assertThat(host.migratePages(vm, src, dst, n, MigrationOrder.MIGRATE_BEFORE_MAP, status)).isPositive();
        assertThat(status).containsOnly(0);
        for (int i = 0; i < n; i++) {
            long w = host.locate(vm, dst[i]);
            assertThat(PageState.isResident(w)).as("gfn %d", dst[i]).isTrue();
            assertThat(PageState.nodeOrDevice(w)).isEqualTo(1);
            assertThat(PageState.kind(host.locate(vm, src[i]))).isEqualTo(PageState.UNBACKED);
        }
        assertThat(stat.get(Counter.PSWPIN)).isEqualTo(n);
        assertThat(stat.get(Counter.MOVED_PAGE_DATA_MOVEMENTS)).isEqualTo(n);
        Map<String, Long> g = new HashMap<>();
        host.gauges(g);
        assertThat(g.get("mappings_after")).isEqualTo(g.get("mappings_before"));
        assertThat(g.get("primitive_failures")).isZero();
        assertThat(g.get("populate_failures")).isZero();
        assertThat(host.rescan()).as("the shadow agrees with the pagemap").isZero();
        Verification v = host.verifyAll();
        assertThat(v.pagesLost()).as("lost: %s", v.lost()).isZero();
        assertThat(v.verified()).isEqualTo(n);
    }

    @Test
    void aDestinationTheKernelBackedBehindTheShadowIsReleasedAndTheMoveRetried() {
        int a = 5;
        int b = VNODE + 7;
        host.populate(vm, a);
        assertThat(host.pageOut(vm, a)).isGreaterThanOrEqualTo(0);
        host.ram(vm).segment().set(ValueLayout.JAVA_LONG, (long) b * Syscalls.PAGE_SIZE, 42L); // the kernel backs b; the shadow does not know
        assertThat(PageState.kind(host.locate(vm, b))).isEqualTo(PageState.UNBACKED);
        assertThat(host.migrate(vm, a, b, MigrationOrder.MAP_THEN_MIGRATE)).isGreaterThanOrEqualTo(0);
        assertThat(PageState.isSwapped(host.locate(vm, b))).isTrue();
        Map<String, Long> g = new HashMap<>();
        host.gauges(g);
        assertThat(g.get("primitive_failures")).isZero();
        Verification v = host.verifyAll();
        assertThat(v.pagesLost()).as("lost: %s", v.lost()).isZero();
        assertThat(v.verified()).isEqualTo(1);
    }

    /**
     * {@link RealClock#MODELLED}: every operation is charged the cost model's price for what the
     * kernel did (a read only for a major fault), never the time it took here.
     */
    @Test
    void theModelledClockChargesTheModelsPriceForWhatTheKernelDid() {
        CostModel c = CostModel.defaults(new int[][] {{10, 21}, {21, 10}});
        long read = 5_000_000; // far from anything measured here, so a measured time cannot pass for it
        long transfer = 40_000;
        host.useModelledClock(read, transfer);
        assertThat(host.clock()).isEqualTo(RealClock.MODELLED);
        assertThat(host.populate(vm, 3)).isEqualTo(c.eptFaultNs + c.zeroPageNs);
        assertThat(host.touch(vm, 3, 0)).isEqualTo(c.accessNs(0, 0));
        // a guest copy into a gfn never touched: the copy across the link, the destination's fault and zeroing
        assertThat(host.copy(vm, 3, VNODE + 3)).isEqualTo(c.copyNs(0, 1) + c.eptFaultNs + c.zeroPageNs);
        assertThat(host.pageOut(vm, 3)).isEqualTo(c.reclaimScanNs);
        // the fault on a swapped gfn: a swap-cache hit costs the EPT fault, a major fault one device read more
        long t = host.touch(vm, 3, 0) - c.accessNs(0, 0);
        assertThat(t).isIn(c.eptFaultNs, c.eptFaultNs + read + transfer);
        int n = 64;
        int[] src = new int[n];
        int[] dst = new int[n];
        for (int i = 0; i < n; i++) {
            src[i] = 100 + 2 * i;
            dst[i] = VNODE + 100 + 2 * i;
            host.populate(vm, src[i]);
            assertThat(host.pageOut(vm, src[i])).isEqualTo(c.reclaimScanNs);
        }
        int[] status = new int[n];
        long ns = host.migratePages(vm, src, dst, n, MigrationOrder.MIGRATE_BEFORE_MAP, status);
        assertThat(status).containsOnly(0);
        // one remap per entry, and the batch's reads together: one latency and a transfer per page the kernel read
        long reads = ns - n * c.remapPageNs;
        assertThat(reads == 0 || (reads - read) % transfer == 0 && (reads - read) / transfer <= n)
                .as("charged %d ns beyond the remaps", reads).isTrue();
        Verification v = host.verifyAll();
        assertThat(v.pagesLost()).as("lost: %s", v.lost()).isZero();
    }
}
