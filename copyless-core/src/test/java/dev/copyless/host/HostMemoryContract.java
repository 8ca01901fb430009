package dev.copyless.host;

import static org.assertj.core.api.Assertions.assertThat;

import dev.copyless.clock.Engine;
import dev.copyless.metrics.Counter;
import dev.copyless.metrics.VmStat;
import dev.copyless.mm.Errno;
import dev.copyless.mm.MigrationOrder;
import dev.copyless.mm.PageState;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The {@link HostMemory} contract, one suite for every backend: the simulated host runs it
 * in copyless-core ({@code SimulatedHostContractTest}) and the Linux backend in
 * copyless-linux ({@code LinuxHostMemoryContractTest}, on real memory and the kernel's swap).
 * Each test states one behaviour the guest and hypervisor rely on, whatever the host is:
 * where a page is after each operation, what the MMU notifier hears (the moved-page list of
 * claims 1 and 10), the stale-request refusal, and the movement counts of the patent's two
 * orders (claims 2-5 and 6-8) against the guest's copy (the prior art).
 *
 * <p>The fixture: one VM of two vNodes of {@link #VNODE_PAGES} gfns, vNode v bound to host
 * node v, on a host with two nodes of room enough that no reclaim runs behind a test's back.
 */
public abstract class HostMemoryContract {
    protected static final int VNODE_PAGES = 16;
    /** A gfn of vNode 0 (pinned to node 0) and two of vNode 1 (node 1). */
    protected static final int A = 3;
    protected static final int B = VNODE_PAGES + 4;
    protected static final int C = VNODE_PAGES + 9;

    /** One notification of the host's MMU notifier. */
    protected record Event(int gfn, long word, boolean moved) {}

    protected final Engine engine = new Engine();
    protected final VmStat stat = new VmStat();
    protected final List<Event> events = new ArrayList<>();
    protected HostMemory host;
    protected int vm;

    /** A host of two nodes with at least 256 free frames each, swap for at least 256 pages, and no reclaim below that. */
    protected abstract HostMemory newHost(Engine engine, VmStat stat);

    @BeforeEach
    void registerVm() {
        host = newHost(engine, stat);
        vm = host.registerVm(2 * VNODE_PAGES, new int[] {0, VNODE_PAGES}, new int[] {0, 1},
                (gfn, word, moved) -> events.add(new Event(gfn, word, moved)));
    }

    @AfterEach
    void closeHost() {
        if (host != null) {
            host.close();
        }
    }

    private Event lastEventOf(int gfn) {
        for (int i = events.size() - 1; i >= 0; i--) {
            if (events.get(i).gfn() == gfn) {
                return events.get(i);
            }
        }
        throw new AssertionError("no notification for gfn " + gfn);
    }

    /** Backs a gfn and pages it out: the host's first migration behind the guest's back. */
    protected void swapOut(int gfn) {
        assertThat(host.populate(vm, gfn)).isGreaterThanOrEqualTo(0);
        assertThat(host.pageOut(vm, gfn)).as("pageOut of gfn %d", gfn).isGreaterThanOrEqualTo(0);
        assertThat(PageState.isSwapped(host.locate(vm, gfn))).as("gfn %d swapped", gfn).isTrue();
    }

    @Test
    void pinnedNodeFollowsTheVnodeBinding() {
        assertThat(host.nodeCount()).isGreaterThanOrEqualTo(2);
        assertThat(host.pinnedNode(vm, 0)).isZero();
        assertThat(host.pinnedNode(vm, VNODE_PAGES - 1)).isZero();
        assertThat(host.pinnedNode(vm, VNODE_PAGES)).isEqualTo(1);
        assertThat(host.pinnedNode(vm, 2 * VNODE_PAGES - 1)).isEqualTo(1);
    }

    @Test
    void aFreshGfnIsUnbackedAndFaultsInOnItsPinnedNode() {
        assertThat(PageState.kind(host.locate(vm, A))).isEqualTo(PageState.UNBACKED);
        assertThat(host.touch(vm, A, 0)).isPositive();
        assertThat(host.touch(vm, B, 0)).isPositive();
        assertThat(PageState.isResident(host.locate(vm, A))).isTrue();
        assertThat(PageState.nodeOrDevice(host.locate(vm, A))).isZero();
        assertThat(PageState.nodeOrDevice(host.locate(vm, B))).isEqualTo(1);
        assertThat(host.isMoved(vm, A)).isFalse();
        assertThat(lastEventOf(B)).extracting(Event::moved).isEqualTo(false);
        assertThat(stat.get(Counter.PGALLOC_ZERO)).isEqualTo(2);
    }

    @Test
    void pageOutMovesThePageToSwapAndTheNotifierListsIt() {
        swapOut(A);
        assertThat(host.isMoved(vm, A)).isTrue();
        Event e = lastEventOf(A);
        assertThat(e.moved()).isTrue();
        assertThat(PageState.locationOnly(e.word())).isEqualTo(PageState.locationOnly(host.locate(vm, A)));
        assertThat(stat.get(Counter.PSWPOUT)).isEqualTo(1);
    }

    @Test
    void touchingASwappedPageSwapsItInOnItsPinnedNodeAndUnlistsIt() {
        swapOut(B);
        assertThat(host.touch(vm, B, 1)).isPositive();
        assertThat(PageState.isResident(host.locate(vm, B))).isTrue();
        assertThat(PageState.nodeOrDevice(host.locate(vm, B))).isEqualTo(1);
        assertThat(host.isMoved(vm, B)).isFalse();
        assertThat(lastEventOf(B).moved()).isFalse();
        assertThat(stat.get(Counter.PSWPIN)).isEqualTo(1);
        assertThat(stat.get(Counter.PGMAJFAULT)).isEqualTo(1);
    }

    @Test
    void theGuestsCopyOfASwappedPageBringsItBackToItsSourceNodeFirst() {
        swapOut(A);
        assertThat(host.copy(vm, A, B)).isPositive();
        assertThat(PageState.isResident(host.locate(vm, A))).isTrue();
        assertThat(PageState.nodeOrDevice(host.locate(vm, A))).as("the source came back to its own node").isZero();
        assertThat(PageState.nodeOrDevice(host.locate(vm, B))).isEqualTo(1);
        assertThat(stat.get(Counter.PAGES_BROUGHT_BACK)).isEqualTo(1);
        assertThat(stat.get(Counter.MOVED_PAGE_DATA_MOVEMENTS)).as("swap-in to node 0, then copy to node 1").isEqualTo(2);
        assertThat(stat.get(Counter.SWAPPED_PAGE_INTERCONNECT_BYTES)).isEqualTo(4096);
        assertThat(stat.get(Counter.GUEST_PAGE_COPIES)).isEqualTo(1);
    }

    @Test
    void migrateBeforeMapPutsTheDataOnTheDestinationNodeInOneMovement() {
        swapOut(A);
        assertThat(host.migrate(vm, A, B, MigrationOrder.MIGRATE_BEFORE_MAP)).isGreaterThanOrEqualTo(0);
        assertThat(PageState.kind(host.locate(vm, A))).isEqualTo(PageState.UNBACKED);
        assertThat(PageState.isResident(host.locate(vm, B))).isTrue();
        assertThat(PageState.nodeOrDevice(host.locate(vm, B))).isEqualTo(1);
        assertThat(host.isMoved(vm, A)).isFalse();
        assertThat(host.isMoved(vm, B)).isFalse();
        assertThat(lastEventOf(A).moved()).as("the source is unlisted").isFalse();
        assertThat(stat.get(Counter.MOVED_PAGE_DATA_MOVEMENTS)).isEqualTo(1);
        assertThat(stat.get(Counter.PAGES_BROUGHT_BACK)).isZero();
        assertThat(stat.get(Counter.SWAPPED_PAGE_INTERCONNECT_BYTES)).isZero();
        assertThat(stat.get(Counter.PSWPIN)).isEqualTo(1);
    }

    @Test
    void mapThenMigrateMovesTheSwapEntryAndDefersTheDataToFirstTouch() {
        swapOut(A);
        long slot = PageState.locationOnly(host.locate(vm, A));
        assertThat(host.migrate(vm, A, B, MigrationOrder.MAP_THEN_MIGRATE)).isGreaterThanOrEqualTo(0);
        assertThat(PageState.kind(host.locate(vm, A))).isEqualTo(PageState.UNBACKED);
        long b = host.locate(vm, B);
        assertThat(PageState.locationOnly(b)).as("B now maps A's swap slot: no data was read").isEqualTo(slot);
        assertThat(b & PageState.MIGRATE_ON_TOUCH).isNotZero();
        assertThat(stat.get(Counter.MOVED_PAGE_DATA_MOVEMENTS)).isZero();
        assertThat(stat.get(Counter.PSWPIN)).isZero();

        assertThat(host.touch(vm, B, 1)).isPositive();
        assertThat(PageState.isResident(host.locate(vm, B))).isTrue();
        assertThat(PageState.nodeOrDevice(host.locate(vm, B))).isEqualTo(1);
        assertThat(stat.get(Counter.MOVED_PAGE_DATA_MOVEMENTS)).isEqualTo(1);
        assertThat(stat.get(Counter.PAGES_BROUGHT_BACK)).isZero();
    }

    @Test
    void migratingAPageThatIsNotMovedIsRefusedAsStaleWithNoChange() {
        host.populate(vm, A);
        long a = host.locate(vm, A);
        long b = host.locate(vm, B);
        int heard = events.size();
        assertThat(host.migrate(vm, A, B, MigrationOrder.MIGRATE_BEFORE_MAP)).isEqualTo(-Errno.EAGAIN);
        assertThat(PageState.locationOnly(host.locate(vm, A))).isEqualTo(PageState.locationOnly(a));
        assertThat(PageState.locationOnly(host.locate(vm, B))).isEqualTo(PageState.locationOnly(b));
        assertThat(events).hasSize(heard);
    }

    @Test
    void migratePagesSkipsRefusedEntriesAndAnswersEachOther() {
        swapOut(A);
        swapOut(A + 1);
        host.populate(vm, A + 2); // resident: a stale entry
        int[] src = {A, A + 1, A + 2};
        int[] dst = {B, C, B + 1};
        int[] status = {-Errno.EINVAL, 0, 0}; // the first was refused by the hypervisor's validation
        assertThat(host.migratePages(vm, src, dst, 3, MigrationOrder.MIGRATE_BEFORE_MAP, status)).isGreaterThanOrEqualTo(0);
        assertThat(status).containsExactly(-Errno.EINVAL, 0, -Errno.EAGAIN);
        assertThat(PageState.isSwapped(host.locate(vm, A))).as("a refused entry is left alone").isTrue();
        assertThat(PageState.nodeOrDevice(host.locate(vm, C))).isEqualTo(1);
        assertThat(PageState.kind(host.locate(vm, A + 1))).isEqualTo(PageState.UNBACKED);
    }

    @Test
    void migrateOverABackedFreeDestinationReplacesItsOldPage() {
        host.populate(vm, B); // a gfn the guest freed but the host still backs
        swapOut(A);
        assertThat(host.migrate(vm, A, B, MigrationOrder.MIGRATE_BEFORE_MAP)).isGreaterThanOrEqualTo(0);
        assertThat(PageState.isResident(host.locate(vm, B))).isTrue();
        assertThat(PageState.nodeOrDevice(host.locate(vm, B))).isEqualTo(1);
        assertThat(PageState.kind(host.locate(vm, A))).isEqualTo(PageState.UNBACKED);
    }

    @Test
    void discardUnbacksAndUnlists() {
        swapOut(C);
        host.discard(vm, C);
        assertThat(PageState.kind(host.locate(vm, C))).isEqualTo(PageState.UNBACKED);
        assertThat(host.isMoved(vm, C)).isFalse();
        assertThat(lastEventOf(C).moved()).isFalse();
        host.touch(vm, C, 1);
        assertThat(PageState.nodeOrDevice(host.locate(vm, C))).isEqualTo(1);
        assertThat(stat.get(Counter.PSWPIN)).as("a discarded page comes back zero-filled, not from swap").isZero();
    }

    @Test
    void everyPathKeepsEveryPagesBytes() {
        swapOut(A);
        assertThat(host.migrate(vm, A, B, MigrationOrder.MIGRATE_BEFORE_MAP)).isGreaterThanOrEqualTo(0);
        swapOut(A + 1);
        assertThat(host.migrate(vm, A + 1, C, MigrationOrder.MAP_THEN_MIGRATE)).isGreaterThanOrEqualTo(0);
        host.touch(vm, C, 1);
        swapOut(A + 2);
        assertThat(host.copy(vm, A + 2, B + 1)).isPositive();
        swapOut(A + 3);
        host.touch(vm, A + 3, 0);
        swapOut(A + 4); // still in swap at the end
        host.populate(vm, A + 5);
        host.discard(vm, A + 5);
        Verification v = host.verifyAll();
        assertThat(v.pagesLost()).as("lost: %s", v.lost()).isZero();
        assertThat(v.backed()).as("B, C, A+2 and its copy B+1, A+3, A+4").isEqualTo(6);
        assertThat(v.verified()).as("every backed page read back and found its own").isEqualTo(6);
    }
}
