package dev.copyless.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.copyless.balancer.BalancingPolicy;
import dev.copyless.host.Verification;
import dev.copyless.hypervisor.HypercallAbi;
import dev.copyless.metrics.Counter;
import dev.copyless.mm.Errno;
import dev.copyless.mm.PageState;
import dev.copyless.testkit.Rig;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

/**
 * One test per race of the request path (issue 3, item 2), each played as the interleaving
 * that real threads can produce ({@code ConcurrentRun} plays them for real, at random): the
 * guest inspects the moved-page list and queues its request, the host acts in between, then
 * the request arrives. Every outcome is defined, and in real-bytes mode every page's bytes
 * are checked afterwards: the page the guest migrated holds its own content wherever it ends.
 */
class RacesTest {
    private static final int VM = Rig.VM;

    /** gvpn 0 faulted in on vNode 0 and swapped out: a moved page the guest will want on vNode 1. */
    private static int swappedPage(Rig r) {
        int gfn = r.fault(0, 0);
        assertThat(r.host.pageOut(VM, gfn)).isGreaterThanOrEqualTo(0);
        assertThat(r.list().isMoved(gfn)).isTrue();
        return gfn;
    }

    /** The guest's side up to the call: inspect the list and queue the request on vCPU 1 (vNode 1). */
    private static void inspectAndQueue(Rig r, int gfn) {
        BalancingPolicy p = r.balancer.policy();
        p.migrate(r.balancer, r.cpus[1], 0, gfn, 1);
        assertThat(r.cpus[1].request().count).as("queued, not yet sent").isEqualTo(1);
    }

    private static void send(Rig r) {
        r.balancer.policy().flush(r.balancer, r.cpus[1]);
    }

    /** Every backed page holds its own bytes, and the migrated page's content is the one it had. */
    private static void assertNoPageLost(Rig r, long token) {
        int now = r.gfnOf(0);
        assertThat(r.host.expectedContent(VM, now)).as("gvpn 0 still maps its own data").isEqualTo(token);
        Verification v = r.host.verifyAll();
        assertThat(v.pagesLost()).as("lost: %s", v.lost()).isZero();
        assertThat(v.verified()).isEqualTo(v.backed()).isPositive();
        r.checkInvariants();
    }

    @Test
    void thePageCameBackBetweenTheInspectionAndTheRequest() {
        try (Rig r = Rig.builder().realBytes().build()) {
            int src = swappedPage(r);
            long token = r.host.expectedContent(VM, src);
            inspectAndQueue(r, src);
            r.host.touch(VM, src, 0); // a vhost read brings it home behind the guest's back
            send(r);
            assertThat(r.count(Counter.HYPERCALL_STALE)).as("the host answered -EAGAIN").isEqualTo(1);
            int now = r.gfnOf(0);
            assertThat(r.vm.vnodeOf(now)).as("the guest fell back to its copy").isEqualTo(1);
            assertThat(r.nodeOf(now)).isEqualTo(1);
            assertThat(r.count(Counter.GUEST_PAGE_COPIES)).isEqualTo(1);
            assertNoPageLost(r, token);
        }
    }

    @Test
    void thePageMovedOnAfterTheGuestDecided() {
        try (Rig r = Rig.builder().realBytes().build()) {
            int src = r.fault(0, 0);
            long token = r.host.expectedContent(VM, src);
            assertThat(r.host.demote(VM, src, 2)).isGreaterThanOrEqualTo(0); // first migration: to memory node 2
            inspectAndQueue(r, src); // the guest saw it on node 2
            assertThat(r.host.pageOut(VM, src)).isGreaterThanOrEqualTo(0); // then the host swapped it out
            send(r);
            assertThat(r.count(Counter.HYPERCALL_STALE)).isZero();
            int now = r.gfnOf(0);
            assertThat(PageState.isResident(r.word(now))).isTrue();
            assertThat(r.nodeOf(now)).as("read from swap straight onto the destination node").isEqualTo(1);
            assertThat(r.count(Counter.PAGES_BROUGHT_BACK)).isZero();
            assertNoPageLost(r, token);
        }
    }

    @Test
    void thePageWasSwappedOutAfterTheGuestDecidedToCopyIt() {
        try (Rig r = Rig.builder().realBytes().build()) {
            int src = r.fault(0, 0);
            long token = r.host.expectedContent(VM, src);
            assertThat(r.list().isMoved(src)).as("not moved: the guest will copy it").isFalse();
            assertThat(r.host.pageOut(VM, src)).isGreaterThanOrEqualTo(0); // swapped before the copy ran
            r.balancer.migrateByCopy(0, src, 1);
            assertThat(r.nodeOf(r.gfnOf(0))).isEqualTo(1);
            assertThat(r.count(Counter.PAGES_BROUGHT_BACK)).as("the copy faulted it back first").isEqualTo(1);
            assertNoPageLost(r, token);
        }
    }

    @Test
    void twoRequestsForTheSamePage() {
        HypercallWorld w = HypercallWorld.builder().build();
        int src = w.movedGfn(0, 0);
        int dstA = w.vm(0).vnodeStart(1) + 2;
        int dstB = w.vm(0).vnodeStart(1) + 4;
        long beforeB = w.host().locate(0, dstB);
        MemorySegment replyA = HypercallWorld.reply();
        MemorySegment replyB = HypercallWorld.reply();
        w.hv().hypercall(0, w.request(0, 1, new int[] {src}, new int[] {dstA}), replyA);
        w.hv().hypercall(0, w.request(0, 1, new int[] {src}, new int[] {dstB}), replyB);
        assertThat(HypercallAbi.entryStatus(replyA, 0)).isEqualTo(Errno.OK);
        assertThat(HypercallAbi.entryStatus(replyB, 0)).as("the page is no longer moved").isEqualTo(-Errno.EAGAIN);
        assertThat(w.host().locate(0, dstB)).as("the second destination is untouched").isEqualTo(beforeB);
        assertThat(PageState.nodeOrDevice(w.host().locate(0, dstA))).isEqualTo(HypercallWorld.vnodeNodes()[0][1]);
        w.checkInvariants();
    }

    @Test
    void aRequestForAPageAlreadyMigrated() {
        HypercallWorld w = HypercallWorld.builder().build();
        int src = w.movedGfn(0, 0);
        int dst = w.vm(0).vnodeStart(1) + 2;
        MemorySegment req = w.request(0, 1, new int[] {src}, new int[] {dst});
        MemorySegment copy = MemorySegment.ofArray(req.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
        w.hv().hypercall(0, req, HypercallWorld.reply());
        long after = w.host().locate(0, dst);
        MemorySegment replay = HypercallWorld.reply();
        assertThat(w.hv().hypercall(0, copy, replay)).as("the same block again is a replay").isEqualTo(-Errno.EALREADY);
        MemorySegment again = HypercallWorld.reply();
        w.hv().hypercall(0, w.request(0, 1, new int[] {src}, new int[] {dst}), again);
        assertThat(HypercallAbi.entryStatus(again, 0)).as("a new request for it is stale").isEqualTo(-Errno.EAGAIN);
        assertThat(w.host().locate(0, dst)).isEqualTo(after);
        w.checkInvariants();
    }

    @Test
    void theDestinationNodeIsFullAndTheHostReclaimsForIt() {
        try (Rig r = Rig.builder().realBytes().nodes(16, 4, 16).build()) {
            int src = swappedPage(r);
            long token = r.host.expectedContent(VM, src);
            for (int g = 1; r.free(1) > 0; g++) {
                r.fault(g, 1); // fill node 1 with the guest's own pages
            }
            inspectAndQueue(r, src);
            send(r);
            assertThat(r.count(Counter.PGSTEAL_DIRECT)).as("room made by direct reclaim").isPositive();
            assertThat(r.nodeOf(r.gfnOf(0))).isEqualTo(1);
            assertNoPageLost(r, token);
        }
    }

    @Test
    void theDestinationNodeIsFullAndSwapTooSoTheHostRefuses() {
        try (Rig r = Rig.builder().realBytes().nodes(16, 4, 16).swap(1).build()) {
            int src = swappedPage(r); // the one swap slot
            long token = r.host.expectedContent(VM, src);
            for (int g = 1; r.free(1) > 0; g++) {
                r.fault(g, 1);
            }
            inspectAndQueue(r, src);
            send(r);
            assertThat(r.count(Counter.PGMIGRATE_FAIL)).as("-ENOMEM: the guest gave up for now").isEqualTo(1);
            assertThat(r.gfnOf(0)).as("the page stays where it is").isEqualTo(src);
            assertThat(PageState.isSwapped(r.word(src))).isTrue();
            assertThat(r.vm.freeGfns(1)).as("the destination gfn was freed again").isPositive();
            assertNoPageLost(r, token);
        }
    }

    @Test
    void swapIsFull() {
        try (Rig r = Rig.builder().realBytes().swap(1).build()) {
            int first = r.fault(0, 0);
            int second = r.fault(1, 0);
            assertThat(r.host.pageOut(VM, first)).isGreaterThanOrEqualTo(0);
            long word = r.word(second);
            long listed = r.list().entry(second);
            assertThat(r.host.pageOut(VM, second)).isEqualTo(-Errno.ENOSPC);
            assertThat(r.word(second)).as("refused: no change").isEqualTo(word);
            assertThat(r.list().entry(second)).isEqualTo(listed);
            Verification v = r.host.verifyAll();
            assertThat(v.pagesLost()).isZero();
            assertThat(v.verified()).isEqualTo(2);
            r.checkInvariants();
        }
    }
}
