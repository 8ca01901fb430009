package dev.copyless.kernel;

import static dev.copyless.mm.MigrationOrder.MAP_THEN_MIGRATE;
import static dev.copyless.mm.MigrationOrder.MIGRATE_BEFORE_MAP;
import static dev.copyless.testkit.Rig.VM;
import static org.assertj.core.api.Assertions.assertThat;

import dev.copyless.balancer.BalancingPolicy;
import dev.copyless.metrics.Counter;
import dev.copyless.mm.MigrationOrder;
import dev.copyless.mm.PageState;
import dev.copyless.swap.SwapProfile;
import dev.copyless.testkit.Rig;
import org.junit.jupiter.api.Test;

/**
 * The charges of issue 10 item 6, each paid by the policy that the kernel would make pay it
 * (docs/COST-MODEL.md, "Where each cost is charged"): the host's remap per page of a copyless
 * migration, the TLB shootdown when the host clears a present mapping, the destination's EPT
 * fault on the guest's first touch after migrate-before-map (naive pays its own in the copy),
 * and the moved-page list lookup of every copyless balancing attempt.
 */
class CostChargesTest {

    private static BalancingPolicy copyless(MigrationOrder order) {
        return BalancingPolicy.of("copyless", order, 1);
    }

    /** gvpn 0 on vNode 0 (host node 0), paged out: its gfn. */
    private static int swappedOut(Rig r) {
        int g = r.fault(0, 0);
        assertThat(r.host.pageOut(VM, g)).isGreaterThanOrEqualTo(0);
        assertThat(r.kind(g)).isEqualTo(PageState.SWAPPED);
        return g;
    }

    @Test
    void copylessMigrateBeforeMapPaysOneEptFaultOnTheDestinationsFirstTouch() {
        Rig r = Rig.builder().policy(copyless(MIGRATE_BEFORE_MAP)).build();
        swappedOut(r);
        r.balanceFrom(0, 1);
        int dst = r.gfnOf(0);
        assertThat(r.nodeOf(dst)).isEqualTo(1);
        assertThat(r.word(dst) & PageState.EPT_UNMAPPED).as("the host installed the page: no EPT entry yet").isNotZero();

        long first = r.touch(0, 1);
        long second = r.touch(0, 1);

        assertThat(first).isEqualTo(r.cost.eptFaultNs + r.cost.accessNs(1, 1));
        assertThat(second).isEqualTo(r.cost.accessNs(1, 1));
        assertThat(r.count(Counter.EPT_REMAP_FAULTS)).isEqualTo(1);
        r.checkInvariants();
    }

    @Test
    void naivePaysItsDestinationsEptFaultInTheCopyAndNothingOnTheFirstTouch() {
        Rig r = Rig.builder().policy(BalancingPolicy.of("naive", MIGRATE_BEFORE_MAP, 1)).build();
        swappedOut(r);
        r.balanceFrom(0, 1);
        int dst = r.gfnOf(0);
        assertThat(r.nodeOf(dst)).isEqualTo(1);

        assertThat(r.touch(0, 1)).isEqualTo(r.cost.accessNs(1, 1));
        assertThat(r.count(Counter.EPT_REMAP_FAULTS)).isZero();
    }

    @Test
    void mapThenMigratePaysTheEptFaultInItsMigrationOnTouchOnly() {
        Rig r = Rig.builder().policy(copyless(MAP_THEN_MIGRATE)).build();
        swappedOut(r);
        r.balanceFrom(0, 1);
        long first = r.touch(0, 1); // the deferred swap-in into node 1: one EPT violation, a major fault

        assertThat(first).isGreaterThanOrEqualTo(r.cost.eptFaultNs + SwapProfile.NVME.pageReadNs());
        assertThat(r.count(Counter.EPT_REMAP_FAULTS)).as("not a second EPT fault").isZero();
        assertThat(r.touch(0, 1)).isEqualTo(r.cost.accessNs(1, 1));
    }

    @Test
    void everyCopylessAttemptPaysOneListLookupAndNaiveNone() {
        Rig naive = Rig.builder().policy(BalancingPolicy.of("naive", MIGRATE_BEFORE_MAP, 1)).build();
        Rig copyless = Rig.builder().policy(copyless(MIGRATE_BEFORE_MAP)).build();
        naive.fault(0, 0);
        copyless.fault(0, 0); // resident on its pinned node: not listed, both migrate by copy

        long n = naive.balanceFrom(0, 1);
        long c = copyless.balanceFrom(0, 1);

        assertThat(copyless.count(Counter.MOVED_LIST_INSPECTIONS)).isEqualTo(1);
        assertThat(naive.count(Counter.MOVED_LIST_INSPECTIONS)).isZero();
        assertThat(c - n).isEqualTo(copyless.cost.listInspectNs);
        assertThat(copyless.cost.listInspectNs).isPositive();
    }

    @Test
    void aCopylessMigrationOfASwappedPagePaysOneRemapAndNoShootdown() {
        Rig r = Rig.builder().build();
        int src = swappedOut(r);
        long before = r.count(Counter.HOST_TLB_SHOOTDOWNS);
        int dst = r.vm.allocGfn(1);

        long ns = r.host.migrate(VM, src, dst, MIGRATE_BEFORE_MAP);

        assertThat(ns).isEqualTo(r.cost.remapPageNs + SwapProfile.NVME.pageReadNs());
        assertThat(r.count(Counter.HOST_TLB_SHOOTDOWNS)).as("a swap entry is not in any TLB").isEqualTo(before);
    }

    @Test
    void aCopylessMigrationOfAResidentPagePaysARemapAndAShootdown() {
        Rig r = Rig.builder().build();
        int src = r.fault(0, 0);
        assertThat(r.host.demote(VM, src, 2)).isPositive(); // a first migration to node 2
        int dst = r.vm.allocGfn(1);
        long before = r.count(Counter.HOST_TLB_SHOOTDOWNS);

        long ns = r.host.migrate(VM, src, dst, MIGRATE_BEFORE_MAP);

        assertThat(ns).isEqualTo(r.cost.remapPageNs + r.cost.tlbShootdownNs + r.cost.copyNs(2, 1));
        assertThat(r.count(Counter.HOST_TLB_SHOOTDOWNS)).isEqualTo(before + 1);
    }

    @Test
    void theHostsUnmappingOfAResidentPagePaysAShootdownForEveryPolicy() {
        for (String policy : BalancingPolicy.KEYS) {
            Rig r = Rig.builder().policy(BalancingPolicy.of(policy, MIGRATE_BEFORE_MAP, 1)).build();
            int g = r.fault(0, 0);

            long ns = r.host.pageOut(VM, g);

            assertThat(ns).as(policy).isEqualTo(r.cost.tlbShootdownNs + SwapProfile.NVME.pageWriteNs());
            assertThat(r.count(Counter.HOST_TLB_SHOOTDOWNS)).as(policy).isEqualTo(1);
        }
    }

    @Test
    void aDemotedPageIsMappedAgainByAnEptFaultOnItsNextTouch() {
        Rig r = Rig.builder().build();
        int g = r.fault(0, 0);
        r.host.demote(VM, g, 2);

        assertThat(r.touch(0, 0)).isEqualTo(r.cost.eptFaultNs + r.cost.accessNs(0, 2));
        assertThat(r.touch(0, 0)).isEqualTo(r.cost.accessNs(0, 2));
        assertThat(r.count(Counter.EPT_REMAP_FAULTS)).isEqualTo(1);
    }
}
