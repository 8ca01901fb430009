package dev.copyless.sim;

import static dev.copyless.mm.MigrationOrder.MAP_THEN_MIGRATE;
import static dev.copyless.mm.MigrationOrder.MIGRATE_BEFORE_MAP;
import static dev.copyless.testkit.Rig.VM;
import static org.assertj.core.api.Assertions.assertThat;

import dev.copyless.balancer.BalancingPolicy;
import dev.copyless.clock.CostModel;
import dev.copyless.guest.GuestPte;
import dev.copyless.guest.GuestVm;
import dev.copyless.hypervisor.MovedPageList;
import dev.copyless.metrics.Counter;
import dev.copyless.metrics.RunResult;
import dev.copyless.mm.Errno;
import dev.copyless.mm.FrameOwner;
import dev.copyless.mm.MigrationOrder;
import dev.copyless.mm.PageState;
import dev.copyless.scenario.Scenario;
import dev.copyless.scenario.ScenarioParser;
import dev.copyless.sim.Simulation;
import dev.copyless.swap.SwapDevice;
import dev.copyless.swap.SwapProfile;
import dev.copyless.testkit.RecordingHost.MigrateCall;
import dev.copyless.testkit.RecordingHost.Notification;
import dev.copyless.testkit.RecordingHost;
import dev.copyless.testkit.Rig;
import dev.copyless.testkit.Scenarios;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One test per claim of US 12,393,439 B2, each showing the claimed behaviour on a concrete host.
 *
 * <p>Method claims 2-8 use a page the host swapped out (claim 11's "disk or other storage");
 * claim 1 and the system claims 14-19 use a page the host demoted to node 2, a memory-only node
 * of a 3-node host, as claims 1 and 14 literally require ("the new source location is a physical
 * memory node"). Node 0 backs vNode 0 (the source vNode), node 1 backs vNode 1 (the destination).
 */
class ClaimsTest {

    // ------------------------------------------------------------------ fixtures

    /** A page of vNode 0 at gvpn 0 that the host has swapped out on its own. */
    private static Rig swappedPage(BalancingPolicy policy) {
        Rig r = Rig.builder().policy(policy).build();
        int g = r.fault(0, 0);
        assertThat(r.host.pageOut(VM, g)).isGreaterThanOrEqualTo(0);
        assertThat(r.kind(g)).isEqualTo(PageState.SWAPPED);
        return r;
    }

    /** A page of vNode 0 at gvpn 0 that the host has demoted to memory node 2 on its own. */
    private static Rig demotedPage(BalancingPolicy policy, boolean promoteOnTouch) {
        Rig r = Rig.builder().policy(policy).promoteOnTouch(promoteOnTouch).build();
        int g = r.fault(0, 0);
        assertThat(r.host.demote(VM, g, 2)).isGreaterThanOrEqualTo(0);
        assertThat(r.kind(g)).isEqualTo(PageState.RESIDENT);
        assertThat(r.nodeOf(g)).isEqualTo(2);
        return r;
    }

    /** The notifications about {@code gfns} recorded from index {@code from} on. */
    private static List<Notification> notificationsAbout(Rig r, int from, int... gfns) {
        List<Notification> all = r.recorder.notifications;
        List<Notification> out = new ArrayList<>();
        for (Notification n : all.subList(from, all.size())) {
            for (int g : gfns) {
                if (n.gfn() == g) {
                    out.add(n);
                }
            }
        }
        return out;
    }

    private static boolean residentOn(long word, int node) {
        return PageState.isResident(word) && PageState.nodeOrDevice(word) == node;
    }

    private static MigrateCall onlyMigration(Rig r) {
        assertThat(r.recorder.migrations).hasSize(1);
        return r.recorder.migrations.get(0);
    }

    // ------------------------------------------------------------------ claim 1

    @Test
    void claim01_hostMovedPagesAreListedAndGuestRequestMigratesFromNewSourceLocationToDestinationNode() {
        Rig r = Rig.builder().policy(Rig.copyless(MIGRATE_BEFORE_MAP)).build();
        int g = r.fault(0, 0);
        assertThat(residentOn(r.word(g), 0)).isTrue();
        assertThat(r.list().size()).isZero();

        // first migration, performed by the host alone: demotion to memory node 2
        assertThat(r.host.demote(VM, g, 2)).isGreaterThanOrEqualTo(0);
        assertThat(residentOn(r.word(g), 2)).isTrue();
        assertThat(r.gfnOf(0)).as("the guest was not involved: its PTE is unchanged").isEqualTo(g);
        assertThat(r.count(Counter.MOVED_LIST_INSPECTIONS)).isZero();

        // the data object provided through the hypervisor references the page and its new location
        MovedPageList list = r.list();
        assertThat(list.isMoved(g)).isTrue();
        assertThat(MovedPageList.kind(list.entry(g))).isEqualTo(PageState.RESIDENT);
        assertThat(MovedPageList.locationId(list.entry(g))).isEqualTo(2);

        int free0 = r.free(0);
        int free1 = r.free(1);
        int free2 = r.free(2);
        long interconnect = r.count(Counter.INTERCONNECT_BYTES);
        int mark = r.recorder.notifications.size();

        // second migration decided by the guest: the task now runs on vNode 1
        r.balanceFrom(0, 1);

        // the guest inspected the list and sent one request via the hypervisor, copying nothing itself
        assertThat(r.count(Counter.MOVED_LIST_INSPECTIONS)).isEqualTo(1);
        assertThat(r.count(Counter.HYPERCALLS)).isEqualTo(1);
        assertThat(r.recorder.copies).isEmpty();
        MigrateCall call = onlyMigration(r);
        int d = r.gfnOf(0);
        assertThat(call.src()).containsExactly(g);
        assertThat(call.dst()).containsExactly(d);
        assertThat(call.srcMovedBefore()).containsExactly(true);
        assertThat(residentOn(call.srcWordBefore()[0], 2)).as("request is for a page at its new source location").isTrue();
        assertThat(call.statusAfter()).containsExactly(Errno.OK);

        // the host moved the data from node 2 straight to node 1, the node of the destination vNode
        assertThat(r.vm.vnodeOf(d)).isEqualTo(1);
        assertThat(residentOn(r.word(d), 1)).isTrue();
        assertThat(r.kind(g)).isEqualTo(PageState.UNBACKED);
        assertThat(r.vm.isFree(g)).isTrue();
        assertThat(r.free(0)).as("source node frames untouched").isEqualTo(free0);
        assertThat(r.free(1)).isEqualTo(free1 - 1);
        assertThat(r.free(2)).isEqualTo(free2 + 1);
        assertThat(notificationsAbout(r, mark, g, d)).isNotEmpty()
                .noneMatch(n -> residentOn(n.word(), 0));
        assertThat(r.count(Counter.INTERCONNECT_BYTES) - interconnect).as("one 4 KiB copy, node 2 -> node 1")
                .isEqualTo(CostModel.PAGE_SIZE);
        assertThat(r.count(Counter.MOVED_PAGE_DATA_MOVEMENTS)).isEqualTo(1);
        assertThat(r.count(Counter.BALANCED_MOVED_PAGES_NODE)).isEqualTo(1);
        assertThat(r.count(Counter.PAGES_BROUGHT_BACK)).isZero();
        assertThat(r.list().size()).isZero();
        r.checkInvariants();
    }

    /** The baseline the invention improves on, so that claim 1's assertions are known to discriminate. */
    @Test
    void naiveBaseline_bringsTheDemotedPageBackToItsSourceNodeAndCopiesItTwice() {
        Rig r = demotedPage(BalancingPolicy.of("naive", MIGRATE_BEFORE_MAP, 16), true);
        int g = r.gfnOf(0);
        int free0 = r.free(0);
        int mark = r.recorder.notifications.size();

        r.balanceFrom(0, 1);

        int d = r.gfnOf(0);
        assertThat(residentOn(r.word(d), 1)).isTrue();
        assertThat(r.recorder.migrations).isEmpty();
        assertThat(r.count(Counter.MOVED_LIST_INSPECTIONS)).isZero();
        assertThat(notificationsAbout(r, mark, g)).anyMatch(n -> residentOn(n.word(), 0));
        assertThat(r.count(Counter.PAGES_BROUGHT_BACK)).isEqualTo(1);
        assertThat(r.count(Counter.MOVED_PAGE_DATA_MOVEMENTS)).isEqualTo(2);
        assertThat(r.free(0)).as("the freed guest gfn keeps its frame on the source node").isEqualTo(free0 - 1);
        r.checkInvariants();
    }

    // ------------------------------------------------------------------ claims 2-5: map-then-migrate

    @Test
    void claim02_mapThenMigrateRemovesTheSourceMappingAndMapsTheNewSourceLocationToTheDestination() {
        Rig r = swappedPage(Rig.copyless(MAP_THEN_MIGRATE));
        int g = r.gfnOf(0);
        long swapped = r.word(g);
        int dev = PageState.nodeOrDevice(swapped);
        int slot = PageState.id(swapped);
        assertThat(MovedPageList.kind(r.list().entry(g))).isEqualTo(PageState.SWAPPED);
        int[] free = {r.free(0), r.free(1), r.free(2)};
        int freeSlots = r.host.swapDevice(dev).freeSlots();

        r.balanceFrom(0, 1);

        assertThat(onlyMigration(r).order()).isEqualTo(MAP_THEN_MIGRATE);
        int d = r.gfnOf(0);
        assertThat(d).isNotEqualTo(g);
        assertThat(r.vm.vnodeOf(d)).isEqualTo(1);
        // the source gfn's mapping is removed
        assertThat(r.kind(g)).isEqualTo(PageState.UNBACKED);
        assertThat(r.list().isMoved(g)).isFalse();
        // the new source location (the swap slot) is mapped to the destination gfn, data not moved yet
        long dw = r.word(d);
        assertThat(PageState.isSwapped(dw)).isTrue();
        assertThat(PageState.nodeOrDevice(dw)).isEqualTo(dev);
        assertThat(PageState.id(dw)).isEqualTo(slot);
        assertThat(dw & PageState.MIGRATE_ON_TOUCH).isNotZero();
        assertThat(r.host.swapDevice(dev).owner(slot)).isEqualTo(FrameOwner.of(VM, d));
        assertThat(r.host.swapDevice(dev).freeSlots()).isEqualTo(freeSlots);
        assertThat(r.count(Counter.PSWPIN)).as("no swap-in yet").isZero();
        assertThat(r.count(Counter.MOVED_PAGE_DATA_MOVEMENTS)).isZero();
        assertThat(new int[] {r.free(0), r.free(1), r.free(2)}).isEqualTo(free);
        // the exported list follows the data: the destination gfn now names the swap slot
        assertThat(MovedPageList.kind(r.list().entry(d))).isEqualTo(PageState.SWAPPED);
        assertThat(r.list().references()).containsExactly(d);
        assertThat(r.count(Counter.NUMA_PAGES_MIGRATED)).isEqualTo(1);
        r.checkInvariants();
    }

    @Test
    void claim03_mapThenMigrateMigratesThePageFromTheNewSourceLocationToTheDestinationNodeOnFirstTouch() {
        Rig r = swappedPage(Rig.copyless(MAP_THEN_MIGRATE));
        int free0 = r.free(0);
        r.balanceFrom(0, 1);
        int d = r.gfnOf(0);
        assertThat(r.count(Counter.PSWPIN)).isZero();

        r.touch(0, 1); // the task, now on vNode 1, touches its page

        assertThat(residentOn(r.word(d), 1)).isTrue();
        assertThat(r.count(Counter.PSWPIN)).isEqualTo(1);
        assertThat(r.count(Counter.MOVED_PAGE_DATA_MOVEMENTS)).isEqualTo(1);
        assertThat(r.count(Counter.BALANCED_MOVED_PAGES_SWAP)).isEqualTo(1);
        assertThat(r.free(0)).as("never went through the source node").isEqualTo(free0);
        assertThat(r.count(Counter.PAGES_BROUGHT_BACK)).isZero();
        r.checkInvariants();
    }

    @Test
    void claim04_theMigrationReadsThePageFromTheNewSourceLocationAndWritesItIntoTheDestinationNode() {
        Rig r = swappedPage(Rig.copyless(MAP_THEN_MIGRATE));
        r.balanceFrom(0, 1);
        int d = r.gfnOf(0);
        int dev = PageState.nodeOrDevice(r.word(d));
        int slot = PageState.id(r.word(d));
        SwapDevice swap = r.host.swapDevice(dev);
        int freeSlots = swap.freeSlots();
        int free1 = r.free(1);
        long interconnect = r.count(Counter.INTERCONNECT_BYTES);

        long ns = r.touch(0, 1);

        // read: the page enters the swap cache, its slot kept while it is clean (do_swap_page);
        // write: a frame of node 1 now holds the destination gfn
        assertThat(swap.owner(slot)).isEqualTo(FrameOwner.of(VM, d));
        assertThat(swap.freeSlots()).isEqualTo(freeSlots);
        assertThat(PageState.inSwapCache(r.word(d))).isTrue();
        assertThat(r.host.swapCacheSlot(1, PageState.id(r.word(d)))).isEqualTo((long) dev << 32 | slot);
        assertThat(r.free(1)).isEqualTo(free1 - 1);
        assertThat(r.host.node(1).owner(PageState.id(r.word(d)))).isEqualTo(FrameOwner.of(VM, d));
        assertThat(r.count(Counter.PGMAJFAULT)).isEqualTo(1);
        assertThat(ns).as("the access waited for the device read").isGreaterThanOrEqualTo(SwapProfile.NVME.pageReadNs());
        // the device read landed directly in the destination node: nothing crossed the interconnect
        assertThat(r.count(Counter.INTERCONNECT_BYTES)).isEqualTo(interconnect);
        assertThat(r.count(Counter.SWAPPED_PAGE_INTERCONNECT_BYTES)).isZero();
        r.checkInvariants();
    }

    @Test
    void claim05_theDestinationNodeHoldingThePageIsMappedToTheDestinationVnode() {
        Rig r = swappedPage(Rig.copyless(MAP_THEN_MIGRATE));
        r.balanceFrom(0, 1);
        int d = r.gfnOf(0);
        r.touch(0, 1);

        long w = r.word(d);
        assertThat(PageState.isResident(w)).isTrue();
        assertThat(PageState.nodeOrDevice(w)).isEqualTo(r.vm.hostNodeOf(r.vm.vnodeOf(d))).isEqualTo(1);
        assertThat(w & PageState.FAST_MASK).as("plain mapping: no migrate-on-touch left").isEqualTo(PageState.RESIDENT);
        int pte = r.vm.pageTable()[0];
        assertThat(GuestPte.plain(pte)).isTrue();
        assertThat(GuestPte.gfn(pte)).isEqualTo(d);
        assertThat(r.vm.isFree(d)).as("the destination gfn is the guest's, mapped at gvpn 0").isFalse();
        assertThat(r.list().isMoved(d)).isFalse();
        assertThat(r.list().size()).isZero();

        long pswpin = r.count(Counter.PSWPIN);
        long moves = r.count(Counter.MOVED_PAGE_DATA_MOVEMENTS);
        r.touch(0, 1);
        assertThat(r.count(Counter.PSWPIN)).isEqualTo(pswpin);
        assertThat(r.count(Counter.MOVED_PAGE_DATA_MOVEMENTS)).isEqualTo(moves);
        r.checkInvariants();
    }

    // ------------------------------------------------------------------ claims 6-8: migrate-before-map

    @Test
    void claim06_theRequestAsksForADirectMigrationToTheDestinationNodeBeforeAnyMapping() {
        Rig r = swappedPage(Rig.copyless(MIGRATE_BEFORE_MAP));
        int free0 = r.free(0);

        r.balanceFrom(0, 1);

        MigrateCall call = onlyMigration(r);
        assertThat(call.order()).isEqualTo(MIGRATE_BEFORE_MAP);
        assertThat(PageState.isSwapped(call.srcWordBefore()[0])).isTrue();
        int d = r.gfnOf(0);
        // when the hypercall returns, the data is already in the destination node, with a plain mapping
        assertThat(r.count(Counter.PSWPIN)).as("exactly one swap read, at hypercall time").isEqualTo(1);
        assertThat(residentOn(r.word(d), 1)).isTrue();
        assertThat(r.word(d) & PageState.MIGRATE_ON_TOUCH).isZero();
        assertThat(r.free(0)).isEqualTo(free0);

        r.touch(0, 1);
        assertThat(r.count(Counter.PSWPIN)).as("the first touch reads nothing more").isEqualTo(1);
        assertThat(r.count(Counter.PGMAJFAULT)).isZero();
        assertThat(r.count(Counter.MOVED_PAGE_DATA_MOVEMENTS)).isEqualTo(1);
        r.checkInvariants();
    }

    @Test
    void claim07_dataIsMigratedToTheDestinationNodeBeforeAnyMappingOperation() {
        for (MigrationOrder order : MigrationOrder.values()) {
            Rig r = swappedPage(Rig.copyless(order));
            int g = r.gfnOf(0);
            int free1 = r.free(1);
            int mark = r.recorder.notifications.size();

            r.balanceFrom(0, 1);

            int d = r.gfnOf(0);
            List<Notification> mappings = notificationsAbout(r, mark, g, d);
            assertThat(mappings).as("mapping changes of %s", order).isNotEmpty();
            if (order == MIGRATE_BEFORE_MAP) {
                // every mapping change came after the read from swap and the write into node 1
                assertThat(mappings).allSatisfy(n -> {
                    assertThat(n.counter(Counter.PSWPIN)).isEqualTo(1);
                    assertThat(n.counter(Counter.MOVED_PAGE_DATA_MOVEMENTS)).isEqualTo(1);
                    assertThat(n.freeFrames()[1]).isEqualTo(free1 - 1);
                });
            } else {
                // control: map-then-migrate maps first, so the same check must see no data moved yet
                assertThat(mappings).allSatisfy(n -> assertThat(n.counter(Counter.PSWPIN)).isZero());
            }
            r.checkInvariants();
        }
    }

    @Test
    void claim08_migrateBeforeMapReadsFromTheNewSourceLocationAndWritesIntoTheDestinationNode() {
        Rig r = swappedPage(Rig.copyless(MIGRATE_BEFORE_MAP));
        int g = r.gfnOf(0);
        int dev = PageState.nodeOrDevice(r.word(g));
        int slot = PageState.id(r.word(g));
        SwapDevice swap = r.host.swapDevice(dev);
        int freeSlots = swap.freeSlots();

        long ns = r.balanceFrom(0, 1);

        int d = r.gfnOf(0);
        assertThat(swap.owner(slot)).as("read: the slot stays with the destination's page in the swap cache (do_swap_page)")
                .isEqualTo(FrameOwner.of(VM, d));
        assertThat(swap.freeSlots()).isEqualTo(freeSlots);
        assertThat(PageState.inSwapCache(r.word(d))).isTrue();
        assertThat(r.host.node(1).owner(PageState.id(r.word(d)))).as("written into a node-1 frame")
                .isEqualTo(FrameOwner.of(VM, d));
        assertThat(r.count(Counter.PSWPIN)).isEqualTo(1);
        assertThat(r.count(Counter.PGMAJFAULT)).as("no guest fault was needed").isZero();
        assertThat(r.count(Counter.MOVED_PAGE_DATA_MOVEMENTS)).isEqualTo(1);
        assertThat(r.count(Counter.SWAPPED_PAGE_INTERCONNECT_BYTES)).isZero();
        assertThat(ns).as("the balancing fault waited for the device read").isGreaterThanOrEqualTo(SwapProfile.NVME.pageReadNs());
        r.checkInvariants();
    }

    // ------------------------------------------------------------------ claim 9

    @Test
    void claim09_everyNumaBalancingAttemptInspectsTheListAndOnlyMovedPagesGoByHypercall() {
        Rig r = Rig.builder().policy(Rig.copyless(MIGRATE_BEFORE_MAP)).build();
        int[] g = new int[6];
        for (int i = 0; i < 6; i++) {
            g[i] = r.fault(i, 0);
        }
        int local = r.fault(6, 1);
        for (int i = 0; i < 6; i += 2) {
            assertThat(r.host.pageOut(VM, g[i])).isGreaterThanOrEqualTo(0);
        }

        for (int i = 0; i < 6; i++) {
            r.balanceFrom(i, 1);
            assertThat(r.count(Counter.MOVED_LIST_INSPECTIONS)).as("after attempt %d", i + 1).isEqualTo(i + 1);
        }
        // a hinting fault on a page already local to the CPU is no balancing attempt: no inspection
        r.balanceFrom(6, 1);
        assertThat(r.count(Counter.NUMA_HINT_FAULTS_LOCAL)).isEqualTo(1);
        assertThat(r.count(Counter.MOVED_LIST_INSPECTIONS)).isEqualTo(6);
        assertThat(r.gfnOf(6)).isEqualTo(local);

        Set<Integer> byHypercall = new HashSet<>();
        for (MigrateCall c : r.recorder.migrations) {
            for (int i = 0; i < c.src().length; i++) {
                assertThat(c.srcMovedBefore()[i]).isTrue();
                byHypercall.add(c.src()[i]);
            }
        }
        Set<Integer> byCopy = new HashSet<>();
        for (RecordingHost.CopyCall c : r.recorder.copies) {
            assertThat(c.srcMovedBefore()).isFalse();
            byCopy.add(c.src());
        }
        assertThat(byHypercall).containsExactlyInAnyOrder(g[0], g[2], g[4]);
        assertThat(byCopy).containsExactlyInAnyOrder(g[1], g[3], g[5]);
        assertThat(r.count(Counter.HYPERCALL_PAGES)).isEqualTo(3);
        assertThat(r.count(Counter.GUEST_PAGE_COPIES)).isEqualTo(3);
        for (int i = 0; i < 6; i++) {
            assertThat(r.vm.vnodeOf(r.gfnOf(i))).isEqualTo(1);
        }
        r.checkInvariants();

        // a whole run: inspections == balancing attempts (each ends migrated or failed), hypercalls carry moved pages only
        Scenario s = Scenarios.parse(Scenarios.SMALL);
        RunResult res = Scenarios.run(s, Scenarios.policy("copyless-holdback", MIGRATE_BEFORE_MAP));
        long inspections = res.counter(Counter.MOVED_LIST_INSPECTIONS);
        assertThat(inspections).isPositive()
                .isEqualTo(res.counter(Counter.NUMA_PAGES_MIGRATED) + res.counter(Counter.PGMIGRATE_FAIL));
        assertThat(res.counter(Counter.BALANCED_MOVED_PAGES)).isPositive().isEqualTo(res.counter(Counter.HYPERCALL_PAGES)
                - res.counter(Counter.HYPERCALL_STALE) - res.counter(Counter.HYPERCALL_ERRORS));
        assertThat(res.counter(Counter.GUEST_PAGE_COPIES))
                .isEqualTo(res.counter(Counter.NUMA_PAGES_MIGRATED) - res.counter(Counter.BALANCED_MOVED_PAGES));
        RunResult naive = Scenarios.run(s, Scenarios.policy("naive", MIGRATE_BEFORE_MAP));
        assertThat(naive.counter(Counter.NUMA_PAGES_MIGRATED)).isPositive();
        assertThat(naive.counter(Counter.MOVED_LIST_INSPECTIONS)).isZero();
        assertThat(naive.counter(Counter.HYPERCALLS)).isZero();
    }

    // ------------------------------------------------------------------ claim 10

    @Test
    void claim10_theHypervisorKeepsTheListUpToDateWithEveryFirstMigrationAndReturn() {
        Rig r = Rig.builder().policy(BalancingPolicy.of("copyless", MIGRATE_BEFORE_MAP, 16))
                .promoteOnTouch(true).build();
        MovedPageList list = r.list();
        int a = r.fault(0, 0);
        int b = r.fault(1, 0);
        long gen0 = list.generation();
        assertThat(list.size()).isZero();

        r.host.pageOut(VM, a);
        long gen1 = list.generation();
        assertThat(gen1).isGreaterThan(gen0);
        assertThat(list.references()).containsExactly(a);
        assertThat(MovedPageList.kind(list.entry(a))).isEqualTo(PageState.SWAPPED);

        r.host.demote(VM, b, 2);
        long gen2 = list.generation();
        assertThat(gen2).isGreaterThan(gen1);
        assertThat(list.references()).containsExactly(a, b);
        assertThat(MovedPageList.kind(list.entry(b))).isEqualTo(PageState.RESIDENT);
        assertThat(MovedPageList.locationId(list.entry(b))).isEqualTo(2);
        assertThat(MovedPageList.kind(list.entry(a))).as("a's entry untouched by b's").isEqualTo(PageState.SWAPPED);

        r.host.pageOut(VM, b); // moved again: node 2 -> swap; the entry is rewritten
        assertThat(list.generation()).isGreaterThan(gen2);
        assertThat(MovedPageList.kind(list.entry(b))).isEqualTo(PageState.SWAPPED);
        assertThat(list.size()).isEqualTo(2);

        r.touch(0, 0); // swap-in to its own node: no longer moved
        assertThat(list.references()).containsExactly(b);
        r.touch(1, 0);
        assertThat(list.size()).isZero();
        assertThat(list.generation() % 2).as("no update in progress").isZero();
        assertThat(r.hv.movedPageList(VM)).as("the same exported object, updated in place").isSameAs(list);
        r.checkInvariants();

        // the host's own reclaim (kswapd), with no call from the test or the guest, adds references
        Rig k = Rig.builder().nodes(16, 16, 16).watermarks(1, 2, 4).vnodes(new int[] {15, 8}, new int[] {0, 1})
                .virtualPages(23).build();
        for (int i = 0; i < 15; i++) {
            k.fault(i, 0);
        }
        assertThat(k.count(Counter.KSWAPD_WAKE)).isPositive();
        assertThat(k.list().size()).isZero();
        k.engine.afterEachEvent(k::checkInvariants);
        k.engine.runUntil(1_000_000_000L, null);
        assertThat(k.count(Counter.PSWPOUT)).isPositive();
        List<Integer> moved = new ArrayList<>();
        for (int gfn = 0; gfn < k.vm.gfns(); gfn++) {
            if (k.host.isMoved(VM, gfn)) {
                moved.add(gfn);
            }
        }
        assertThat(moved).isNotEmpty();
        assertThat(Arrays.stream(k.list().references()).boxed().toList()).isEqualTo(moved);
        assertThat(k.count(Counter.MOVED_LIST_INSPECTIONS)).isZero();
    }

    // ------------------------------------------------------------------ claim 11

    @Test
    void claim11_theNewSourceLocationCanBeASwapDevice() {
        Rig r = Rig.builder().swap(1, 16).policy(Rig.copyless(MIGRATE_BEFORE_MAP)).build();
        int a = r.fault(0, 0);
        int b = r.fault(1, 0);
        r.host.pageOut(VM, a); // fills device 0
        r.host.pageOut(VM, b); // goes to device 1
        assertThat(PageState.nodeOrDevice(r.word(b))).isEqualTo(1);
        long e = r.list().entry(b);
        assertThat(MovedPageList.kind(e)).isEqualTo(PageState.SWAPPED);
        assertThat(MovedPageList.locationId(e)).as("the list names the device").isEqualTo(1);
        int free0 = r.free(0);
        int dev1Free = r.host.swapDevice(1).freeSlots();
        int slotB = PageState.id(r.word(b));

        r.balanceFrom(1, 1);

        int d = r.gfnOf(1);
        assertThat(residentOn(r.word(d), 1)).isTrue();
        assertThat(r.host.swapDevice(1).owner(slotB)).isEqualTo(FrameOwner.of(VM, d));
        assertThat(r.host.swapDevice(1).freeSlots()).as("the slot stays with the page in the swap cache").isEqualTo(dev1Free);
        assertThat(PageState.inSwapCache(r.word(d))).isTrue();
        assertThat(r.kind(a)).as("the other device is not involved").isEqualTo(PageState.SWAPPED);
        assertThat(r.free(0)).isEqualTo(free0);
        assertThat(r.count(Counter.BALANCED_MOVED_PAGES_SWAP)).isEqualTo(1);
        assertThat(r.count(Counter.PSWPIN)).isEqualTo(1);
        assertThat(r.count(Counter.INTERCONNECT_BYTES)).as("storage -> destination node, no node-to-node copy").isZero();
        assertThat(r.count(Counter.EVICTIONS_CAUSED)).isZero();
        r.checkInvariants();
    }

    // ------------------------------------------------------------------ claim 12

    @Test
    void claim12_holdBackKeepsListedPagesOffTheirSourceNodeUntilTheGuestAsks() {
        // the key decides: copyless-holdback holds back, copyless (the hypercall alone) does not
        for (String key : new String[] {BalancingPolicy.COPYLESS_HOLDBACK, BalancingPolicy.COPYLESS}) {
            boolean holdBack = key.equals(BalancingPolicy.COPYLESS_HOLDBACK);
            BalancingPolicy p = BalancingPolicy.of(key, MIGRATE_BEFORE_MAP, 16);
            assertThat(p.holdBack()).isEqualTo(holdBack);

            // promotion of a demoted page on touch (memory tiering)
            Rig t = demotedPage(p, true);
            int g = t.gfnOf(0);
            assertThat(t.word(g) & PageState.PROMOTE_ON_TOUCH).isNotZero();
            int free0 = t.free(0);
            int mark = t.recorder.notifications.size();
            t.touch(0, 0);
            if (holdBack) {
                assertThat(residentOn(t.word(g), 2)).isTrue();
                assertThat(t.list().isMoved(g)).isTrue();
                assertThat(t.count(Counter.HOLDBACK_SKIPPED)).isEqualTo(1);
                assertThat(t.count(Counter.PGPROMOTE_SUCCESS)).isZero();
                // ... until the request comes: then straight to the destination node
                t.balanceFrom(0, 1);
                assertThat(residentOn(t.word(t.gfnOf(0)), 1)).isTrue();
                assertThat(t.free(0)).isEqualTo(free0);
                assertThat(t.recorder.notifications.subList(mark, t.recorder.notifications.size()))
                        .noneMatch(n -> residentOn(n.word(), 0));
            } else {
                assertThat(residentOn(t.word(g), 0)).isTrue();
                assertThat(t.list().isMoved(g)).isFalse();
                assertThat(t.count(Counter.HOLDBACK_SKIPPED)).isZero();
                assertThat(t.count(Counter.PGPROMOTE_SUCCESS)).isEqualTo(1);
                assertThat(t.count(Counter.PAGES_BROUGHT_BACK)).isEqualTo(1);
            }
            t.checkInvariants();

            // swap readahead around a demand fault
            Rig s = Rig.builder().pageCluster(3).policy(p).build();
            int[] gs = new int[8];
            for (int i = 0; i < 8; i++) {
                gs[i] = s.fault(i, 0);
            }
            for (int i = 0; i < 8; i++) {
                s.host.pageOut(VM, gs[i]);
                assertThat(PageState.id(s.word(gs[i]))).isEqualTo(i);
            }
            s.touch(0, 0);
            s.touch(1, 0); // next to the previous fault: a window of 2 reads gfn 2 ahead
            s.touch(2, 0); // a swap-cache hit (swap_ra_hit) ...
            s.touch(3, 0); // ... so the next miss reads 4 pages forward: 4, 5, 6 (swap_vma_readahead)
            if (holdBack) {
                // not read: still on its slot, marked as a read hold-back suppressed (its fault counts the hit)
                assertThat(s.word(gs[4]) & ~PageState.READAHEAD).isEqualTo(PageState.swapped(0, 4));
                assertThat(s.word(gs[4]) & PageState.READAHEAD).isNotZero();
                assertThat(s.list().isMoved(gs[4])).isTrue();
                // every read it suppressed is counted: the window grows as it would have (gfn 2, then 4, 5, 6)
                assertThat(s.count(Counter.HOLDBACK_SKIPPED)).isGreaterThanOrEqualTo(4);
                assertThat(s.count(Counter.SWAP_RA)).isZero();
                assertThat(s.count(Counter.PAGES_BROUGHT_BACK)).isZero();
                int free0s = s.free(0);
                s.balanceFrom(4, 1);
                assertThat(residentOn(s.word(s.gfnOf(4)), 1)).isTrue();
                assertThat(s.free(0)).isEqualTo(free0s);
            } else {
                long w4 = s.word(gs[4]);
                assertThat(PageState.isSwapped(w4) && PageState.inSwapCache(w4)).as(PageState.describe(w4)).isTrue();
                assertThat(s.host.swapCacheFrame(0, 4) >>> 32).as("read into the faulting VMA's node").isZero();
                assertThat(s.count(Counter.SWAP_RA)).isEqualTo(4);
                assertThat(s.count(Counter.SWAP_RA_HIT)).isEqualTo(1);
                assertThat(s.count(Counter.PAGES_BROUGHT_BACK)).isPositive();
                assertThat(s.count(Counter.HOLDBACK_SKIPPED)).isZero();
            }
            s.checkInvariants();
        }

        // a whole run: with hold-back nothing speculative returns a page to its source node
        Scenario tiered = Scenarios.parse(Scenarios.TIERED);
        RunResult on = Scenarios.run(tiered, Scenarios.policy("copyless-holdback", MIGRATE_BEFORE_MAP));
        RunResult off = Scenarios.run(tiered, Scenarios.policy("copyless", MIGRATE_BEFORE_MAP));
        assertThat(on.counter(Counter.HOLDBACK_SKIPPED)).isPositive();
        assertThat(on.counter(Counter.PAGES_BROUGHT_BACK)).isZero();
        assertThat(on.counter(Counter.PGPROMOTE_SUCCESS)).isZero();
        assertThat(off.counter(Counter.HOLDBACK_SKIPPED)).isZero();
        assertThat(off.counter(Counter.PGPROMOTE_SUCCESS)).isPositive();
        assertThat(off.counter(Counter.PAGES_BROUGHT_BACK)).isPositive();
    }

    // ------------------------------------------------------------------ claim 13

    @Test
    void claim13_theReferencesArePageFrameNumbers() {
        Rig r = Rig.builder().build();
        for (int i = 0; i < 4; i++) {
            r.fault(i, 0);
            r.fault(4 + i, 1);
        }
        r.host.pageOut(VM, r.gfnOf(1));
        r.host.pageOut(VM, r.gfnOf(5));
        r.host.demote(VM, r.gfnOf(2), 2);

        int[] refs = r.list().references();
        int[] expected = {r.gfnOf(1), r.gfnOf(2), r.gfnOf(5)};
        Arrays.sort(expected);
        assertThat(refs).containsExactly(expected);
        assertThat(r.list().capacity()).isEqualTo(r.vm.gfns());
        for (int ref : refs) {
            assertThat(ref).isBetween(0, r.vm.gfns() - 1);
            assertThat(r.host.isMoved(VM, ref)).isTrue();
            long w = r.word(ref);
            assertThat(MovedPageList.kind(r.list().entry(ref))).isEqualTo(PageState.kind(w));
            assertThat(MovedPageList.locationId(r.list().entry(ref))).isEqualTo(PageState.nodeOrDevice(w));
            assertThat(Arrays.stream(r.vm.pageTable()).filter(p -> p != GuestPte.NOT_PRESENT).map(GuestPte::gfn).boxed()
                    .toList()).as("the guest's own frame number, mapped by a guest PTE").contains(ref);
        }

        // the request carries the same numbers
        int src = r.gfnOf(1);
        r.balanceFrom(1, 1);
        assertThat(onlyMigration(r).src()).containsExactly(src);
        r.checkInvariants();
    }

    // ------------------------------------------------------------------ claims 14-19: the system, node source

    @Test
    void claim14_hostSystemWithPinnedVnodesProvidesTheListAndMigratesFromTheMemoryNodeOnRequest() {
        Scenario s = Scenarios.parse(Scenarios.TIERED);
        Simulation sim = new Simulation(s, Scenarios.policy("copyless-holdback", MIGRATE_BEFORE_MAP));

        // vNodes pinned to their host nodes
        GuestVm vm = sim.vms().get(0);
        assertThat(sim.host().nodeCount()).isEqualTo(3);
        for (int gfn = 0; gfn < vm.gfns(); gfn++) {
            assertThat(sim.host().pinnedNode(vm.id(), gfn)).isEqualTo(vm.hostNodeOf(vm.vnodeOf(gfn)));
        }
        assertThat(vm.hostNodeOf(0)).isEqualTo(0);
        assertThat(vm.hostNodeOf(1)).isEqualTo(1);

        RunResult res = sim.run();
        sim.checkInvariants();

        // the host demoted pages to memory node 2 on its own ...
        assertThat(res.counter(Counter.PGDEMOTE_KSWAPD)).isPositive();
        // ... the guest inspected the list and sent requests via the hypervisor ...
        assertThat(res.counter(Counter.MOVED_LIST_INSPECTIONS)).isPositive();
        assertThat(res.counter(Counter.HYPERCALLS)).isPositive();
        // ... and the host moved those pages from node 2 to the destination node, never back to the source node
        assertThat(res.counter(Counter.BALANCED_MOVED_PAGES_NODE)).isPositive();
        assertThat(res.counter(Counter.BALANCED_MOVED_PAGES)).isEqualTo(res.counter(Counter.BALANCED_MOVED_PAGES_NODE)
                + res.counter(Counter.BALANCED_MOVED_PAGES_SWAP));
        assertThat(res.counter(Counter.MOVED_PAGE_DATA_MOVEMENTS)).isEqualTo(res.counter(Counter.BALANCED_MOVED_PAGES));
        assertThat(res.counter(Counter.PAGES_BROUGHT_BACK)).isZero();
        assertThat(res.counter(Counter.PGPROMOTE_SUCCESS)).isZero();
    }

    @Test
    void claim15_systemMapThenMigrateMapsTheMemoryNodeFrameToTheDestinationInsteadOfTheSourceNode() {
        Rig r = demotedPage(Rig.copyless(MAP_THEN_MIGRATE), false);
        int g = r.gfnOf(0);
        int pfn = PageState.id(r.word(g));
        int[] free = {r.free(0), r.free(1), r.free(2)};
        long interconnect = r.count(Counter.INTERCONNECT_BYTES);

        r.balanceFrom(0, 1);

        assertThat(onlyMigration(r).order()).isEqualTo(MAP_THEN_MIGRATE);
        int d = r.gfnOf(0);
        assertThat(r.vm.vnodeOf(d)).isEqualTo(1);
        assertThat(r.kind(g)).isEqualTo(PageState.UNBACKED);
        long dw = r.word(d);
        assertThat(residentOn(dw, 2)).as("node 2's frame now mapped to the destination gfn").isTrue();
        assertThat(PageState.id(dw)).isEqualTo(pfn);
        assertThat(dw & PageState.MIGRATE_ON_TOUCH).isNotZero();
        assertThat(r.host.node(2).owner(pfn)).isEqualTo(FrameOwner.of(VM, d));
        assertThat(new int[] {r.free(0), r.free(1), r.free(2)}).isEqualTo(free);
        assertThat(r.count(Counter.INTERCONNECT_BYTES)).as("no data moved yet").isEqualTo(interconnect);
        assertThat(r.count(Counter.MOVED_PAGE_DATA_MOVEMENTS)).isZero();
        assertThat(r.list().references()).containsExactly(d);
        assertThat(MovedPageList.locationId(r.list().entry(d))).isEqualTo(2);
        r.checkInvariants();
    }

    @Test
    void claim16_systemMigratesTheDataFromTheMemoryNodeToTheDestinationNode() {
        Rig r = demotedPage(Rig.copyless(MAP_THEN_MIGRATE), false);
        int free0 = r.free(0);
        r.balanceFrom(0, 1);
        int d = r.gfnOf(0);

        r.touch(0, 1);

        assertThat(residentOn(r.word(d), 1)).isTrue();
        assertThat(r.count(Counter.MOVED_PAGE_DATA_MOVEMENTS)).isEqualTo(1);
        assertThat(r.count(Counter.BALANCED_MOVED_PAGES_NODE)).isEqualTo(1);
        assertThat(r.free(0)).isEqualTo(free0);
        assertThat(r.count(Counter.PAGES_BROUGHT_BACK)).isZero();
        r.checkInvariants();
    }

    @Test
    void claim17_systemReadsFromTheMemoryNodeAndWritesIntoTheDestinationNode() {
        Rig r = demotedPage(Rig.copyless(MAP_THEN_MIGRATE), false);
        r.balanceFrom(0, 1);
        int d = r.gfnOf(0);
        int srcPfn = PageState.id(r.word(d));
        int free1 = r.free(1);
        int free2 = r.free(2);
        long interconnect = r.count(Counter.INTERCONNECT_BYTES);

        long ns = r.touch(0, 1);

        assertThat(r.host.node(2).owner(srcPfn)).as("read: node 2's frame released").isEqualTo(FrameOwner.FREE);
        assertThat(r.free(2)).isEqualTo(free2 + 1);
        assertThat(r.host.node(1).owner(PageState.id(r.word(d)))).as("written into node 1").isEqualTo(FrameOwner.of(VM, d));
        assertThat(r.free(1)).isEqualTo(free1 - 1);
        assertThat(r.count(Counter.INTERCONNECT_BYTES) - interconnect).isEqualTo(CostModel.PAGE_SIZE);
        assertThat(r.count(Counter.MOVED_PAGE_INTERCONNECT_BYTES)).isEqualTo(CostModel.PAGE_SIZE);
        assertThat(ns).isGreaterThanOrEqualTo(r.cost.copyNs(2, 1));
        r.checkInvariants();
    }

    @Test
    void claim18_systemMapsTheDestinationNodeToTheDestinationVnode() {
        Rig r = demotedPage(Rig.copyless(MAP_THEN_MIGRATE), false);
        r.balanceFrom(0, 1);
        int d = r.gfnOf(0);
        r.touch(0, 1);

        long w = r.word(d);
        assertThat(PageState.nodeOrDevice(w)).isEqualTo(r.vm.hostNodeOf(r.vm.vnodeOf(d))).isEqualTo(1);
        assertThat(w & PageState.FAST_MASK).isEqualTo(PageState.RESIDENT);
        assertThat(GuestPte.gfn(r.vm.pageTable()[0])).isEqualTo(d);
        assertThat(r.list().isMoved(d)).isFalse();
        long moves = r.count(Counter.MOVED_PAGE_DATA_MOVEMENTS);
        long interconnect = r.count(Counter.INTERCONNECT_BYTES);
        r.touch(0, 1);
        assertThat(r.count(Counter.MOVED_PAGE_DATA_MOVEMENTS)).isEqualTo(moves);
        assertThat(r.count(Counter.INTERCONNECT_BYTES)).isEqualTo(interconnect);
        r.checkInvariants();
    }

    @Test
    void claim19_systemMigratesFromTheMemoryNodeBeforeAnyMapping() {
        Rig r = demotedPage(Rig.copyless(MIGRATE_BEFORE_MAP), false);
        int g = r.gfnOf(0);
        int pfn = PageState.id(r.word(g));
        int free0 = r.free(0);
        int free1 = r.free(1);
        long interconnect = r.count(Counter.INTERCONNECT_BYTES);
        int mark = r.recorder.notifications.size();

        r.balanceFrom(0, 1);

        int d = r.gfnOf(0);
        assertThat(onlyMigration(r).order()).isEqualTo(MIGRATE_BEFORE_MAP);
        List<Notification> mappings = notificationsAbout(r, mark, g, d);
        assertThat(mappings).isNotEmpty().allSatisfy(n -> {
            assertThat(n.counter(Counter.MOVED_PAGE_DATA_MOVEMENTS)).isEqualTo(1);
            assertThat(n.counter(Counter.INTERCONNECT_BYTES) - interconnect).isEqualTo(CostModel.PAGE_SIZE);
            assertThat(n.freeFrames()[1]).isEqualTo(free1 - 1);
        });
        assertThat(residentOn(r.word(d), 1)).isTrue();
        assertThat(r.word(d) & PageState.MIGRATE_ON_TOUCH).isZero();
        assertThat(r.host.node(2).owner(pfn)).isEqualTo(FrameOwner.FREE);
        assertThat(r.free(0)).isEqualTo(free0);
        r.touch(0, 1);
        assertThat(r.count(Counter.MOVED_PAGE_DATA_MOVEMENTS)).isEqualTo(1);
        r.checkInvariants();
    }

    // ------------------------------------------------------------------ claim 20

    @Test
    void claim20_aProgramOnAStorageMediumPerformsTheMethod(@TempDir Path dir) throws IOException {
        Path program = dir.resolve("tiered.yaml");
        Files.writeString(program, Scenarios.TIERED, StandardCharsets.UTF_8);
        Scenario s = ScenarioParser.load(program);
        assertThat(s.host().demotionTarget()).containsExactly(2, 2, -1);

        RunResult copyless = Scenarios.run(s, Scenarios.policy("copyless-holdback", MIGRATE_BEFORE_MAP));
        RunResult naive = Scenarios.run(s, Scenarios.policy("naive", MIGRATE_BEFORE_MAP));

        long balanced = copyless.counter(Counter.BALANCED_MOVED_PAGES_NODE);
        assertThat(balanced).isPositive();
        assertThat(copyless.counter(Counter.HYPERCALL_PAGES)).isGreaterThanOrEqualTo(balanced);
        assertThat(copyless.counter(Counter.MOVED_PAGE_DATA_MOVEMENTS))
                .isEqualTo(copyless.counter(Counter.BALANCED_MOVED_PAGES));
        assertThat(copyless.counter(Counter.PAGES_BROUGHT_BACK)).isZero();
        assertThat(copyless.counter(Counter.GUEST_PAGE_COPIES))
                .isEqualTo(copyless.counter(Counter.NUMA_PAGES_MIGRATED) - copyless.counter(Counter.BALANCED_MOVED_PAGES));

        assertThat(naive.counter(Counter.BALANCED_MOVED_PAGES_NODE)).isPositive();
        assertThat(naive.counter(Counter.MOVED_PAGE_DATA_MOVEMENTS))
                .isEqualTo(2 * naive.counter(Counter.BALANCED_MOVED_PAGES));
        assertThat(naive.counter(Counter.PAGES_BROUGHT_BACK)).isPositive();
        assertThat(naive.counter(Counter.HYPERCALLS)).isZero();
    }
}
