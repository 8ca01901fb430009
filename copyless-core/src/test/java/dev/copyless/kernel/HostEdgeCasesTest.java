package dev.copyless.kernel;

import static dev.copyless.testkit.Rig.VM;
import static org.assertj.core.api.Assertions.assertThat;

import dev.copyless.balancer.BalancingPolicy;
import dev.copyless.metrics.Counter;
import dev.copyless.mm.MigrationOrder;
import dev.copyless.mm.PageState;
import dev.copyless.testkit.Rig;
import org.junit.jupiter.api.Test;

/** Corner cases of the simulated host found by the random-operation tests, pinned down one by one. */
class HostEdgeCasesTest {

    /**
     * The migrate-on-touch mark of a map-then-migrate destination means "the data is not in the
     * destination node yet". When the host itself moves such a page into that node (a demotion
     * whose target is the page's pinned node), the mark must go: the first touch then has
     * nothing left to migrate.
     */
    @Test
    void aMapThenMigratePageThatTheHostMovesIntoItsDestinationNodeIsNotCopiedAgainOnTouch() {
        Rig r = Rig.builder().policy(Rig.copyless(MigrationOrder.MAP_THEN_MIGRATE)).build();
        int g = r.fault(0, 0);
        r.host.demote(VM, g, 2);
        r.balanceFrom(0, 1); // destination gfn d (vNode 1, node 1) now maps node 2's frame, migrate-on-touch
        int d = r.gfnOf(0);
        assertThat(r.word(d) & PageState.MIGRATE_ON_TOUCH).isNotZero();

        assertThat(r.host.demote(VM, d, 1)).isGreaterThanOrEqualTo(0); // the host moves it to node 1 on its own
        long w = r.word(d);
        assertThat(PageState.isResident(w) && PageState.nodeOrDevice(w) == 1).isTrue();
        assertThat(r.list().isMoved(d)).isFalse();
        assertThat(w & PageState.MIGRATE_ON_TOUCH).as("nothing left to migrate").isZero();

        long moves = r.count(Counter.MOVED_PAGE_DATA_MOVEMENTS);
        long migrations = r.count(Counter.PGMIGRATE_SUCCESS);
        r.touch(0, 1);
        assertThat(PageState.id(r.word(d))).as("same frame").isEqualTo(PageState.id(w));
        assertThat(r.count(Counter.MOVED_PAGE_DATA_MOVEMENTS)).isEqualTo(moves);
        assertThat(r.count(Counter.PGMIGRATE_SUCCESS)).isEqualTo(migrations);
        r.checkInvariants();
    }

    /**
     * A guest page copy reads its source after faulting it in and after faulting in the
     * destination. When the destination's node is full, its direct reclaim must not evict the
     * source page being copied (Linux isolates it from the LRU first): vNode 1 is backed by
     * node 2, the very node vNode 0's page was demoted to.
     */
    @Test
    void theDirectReclaimOfACopysDestinationDoesNotEvictTheSourceBeingCopied() {
        Rig r = Rig.builder().nodes(16, 16, 8).vnodes(new int[] {8, 8}, new int[] {0, 2})
                .policy(BalancingPolicy.of("naive", MigrationOrder.MIGRATE_BEFORE_MAP, 16)).build();
        int g = r.fault(0, 0);
        assertThat(r.host.demote(VM, g, 2)).isGreaterThanOrEqualTo(0);
        for (int i = 1; r.free(2) > 0; i++) {
            r.fault(i, 1); // fill node 2 with vNode 1's pages
        }
        int mark = r.recorder.notifications.size();

        r.balanceFrom(0, 1); // naive: copy g -> a new gfn of vNode 1, whose frame needs direct reclaim on node 2

        assertThat(r.count(Counter.PGSTEAL_DIRECT)).as("the destination needed direct reclaim").isPositive();
        assertThat(r.recorder.notifications.subList(mark, r.recorder.notifications.size()))
                .as("the source page was never evicted during its copy")
                .noneMatch(n -> n.gfn() == g && !PageState.isResident(n.word()));
        assertThat(PageState.isResident(r.word(g))).isTrue();
        assertThat(r.count(Counter.GUEST_PAGE_COPIES)).isEqualTo(1);
        r.checkInvariants();
    }
}
