package dev.copyless.hypervisor;

import static dev.copyless.testkit.Rig.VM;
import static org.assertj.core.api.Assertions.assertThat;

import dev.copyless.guest.GuestPte;
import dev.copyless.guest.GuestVm;
import dev.copyless.hypervisor.HypercallConfig;
import dev.copyless.metrics.Counter;
import dev.copyless.metrics.RunResult;
import dev.copyless.mm.MigrationOrder;
import dev.copyless.mm.PageState;
import dev.copyless.scenario.Scenario;
import dev.copyless.sim.Simulation;
import dev.copyless.testkit.Rig;
import dev.copyless.testkit.Scenarios;
import org.junit.jupiter.api.Test;

/**
 * The request channel's faults (docs/ABI.md, "Request channel"): a lost request makes the guest
 * time out, retry with new sequence numbers and at last copy; a duplicated request reaches the
 * host once, the second copy being a refused replay; a reordered request, held past its timeout,
 * is overtaken by the retry and refused as a replay when it arrives. Whole runs at high fault
 * rates keep every invariant after every event, never leave a guest-mapped gfn without its data,
 * and refuse every duplicate and every late original.
 */
class RequestChannelTest {

    private static Rig swappedPageWith(HypercallConfig c) {
        Rig r = Rig.builder().hypercall(c).build();
        int g = r.fault(0, 0);
        r.host.pageOut(VM, g);
        assertThat(r.kind(g)).isEqualTo(PageState.SWAPPED);
        return r;
    }

    @Test
    void aLostRequestTimesOutIsRetriedWithNewSequenceNumbersAndFallsBackToACopy() {
        Rig r = swappedPageWith(HypercallConfig.DEFAULT.withFaults(7, 1.0, 0, 0));
        int g = r.gfnOf(0);
        long ns = r.balanceFrom(0, 1);
        assertThat(r.count(Counter.HYPERCALL_DROPPED)).as("the first attempt and two retries").isEqualTo(3);
        assertThat(r.count(Counter.HYPERCALL_RETRIES)).isEqualTo(2);
        assertThat(r.count(Counter.HYPERCALLS)).isZero();
        assertThat(r.recorder.migrations).as("the host never saw a request").isEmpty();
        assertThat(r.recorder.copies).as("the guest copied instead").hasSize(1);
        assertThat(r.vm.vnodeOf(r.gfnOf(0))).isEqualTo(1);
        assertThat(r.vm.isFree(g)).isTrue();
        assertThat(r.count(Counter.BALANCED_MOVED_PAGES)).isEqualTo(1);
        assertThat(ns).as("three timeouts waited").isGreaterThanOrEqualTo(3 * 50_000L);
        assertThat(r.hv.lastSequence(VM)).isZero();
        r.checkInvariants();
    }

    @Test
    void aDuplicatedRequestReachesTheHostOnceAndItsCopyIsARefusedReplay() {
        Rig r = swappedPageWith(HypercallConfig.DEFAULT.withFaults(7, 0, 1.0, 0));
        int g = r.gfnOf(0);
        r.balanceFrom(0, 1);
        assertThat(r.count(Counter.HYPERCALL_DUPLICATED)).isEqualTo(1);
        assertThat(r.count(Counter.HYPERCALL_REPLAYS_REFUSED)).isEqualTo(1);
        assertThat(r.count(Counter.HYPERCALL_REFUSED)).isEqualTo(1);
        assertThat(r.count(Counter.HYPERCALLS)).isEqualTo(1);
        assertThat(r.recorder.migrations).hasSize(1);
        assertThat(r.recorder.copies).isEmpty();
        int d = r.gfnOf(0);
        assertThat(r.vm.vnodeOf(d)).isEqualTo(1);
        assertThat(r.kind(g)).isEqualTo(PageState.UNBACKED);
        assertThat(r.nodeOf(d)).isEqualTo(1);
        r.checkInvariants();
    }

    @Test
    void aReorderedRequestIsOvertakenByItsRetryAndRefusedWhenItArrives() {
        Rig r = swappedPageWith(HypercallConfig.DEFAULT.withFaults(7, 0, 0, 1.0));
        int g = r.gfnOf(0);
        r.balanceFrom(0, 1);
        assertThat(r.count(Counter.HYPERCALL_REORDERED)).as("held back past its timeout").isEqualTo(1);
        assertThat(r.count(Counter.HYPERCALL_RETRIES)).isEqualTo(1);
        assertThat(r.count(Counter.HYPERCALLS)).as("the retry, with a newer number, was accepted").isEqualTo(1);
        assertThat(r.count(Counter.HYPERCALL_REPLAYS_REFUSED)).as("the late original").isEqualTo(1);
        assertThat(r.hv.channel().holding(VM)).isFalse();
        assertThat(r.hv.lastSequence(VM)).isEqualTo(2);
        assertThat(r.recorder.migrations).hasSize(1);
        assertThat(r.recorder.copies).isEmpty();
        assertThat(r.kind(g)).isEqualTo(PageState.UNBACKED);
        assertThat(r.vm.vnodeOf(r.gfnOf(0))).isEqualTo(1);
        r.checkInvariants();
    }

    /**
     * The guest gives up on a held request at once (no retries) and copies the page; its
     * destination gfn goes back to the free list and is handed out again for the next page.
     * Were the late original carried out, it would overwrite that next page's data. It is not:
     * the next request, with a newer sequence number, overtakes it and fences it.
     */
    @Test
    void aHeldRequestThatTheGuestGaveUpOnCanNeverBeCarriedOut() {
        Rig r = swappedPageWith(new HypercallConfig(0, 0, 10_000_000L, 50_000L, 0, 7, 0, 0, 1.0));
        int g = r.gfnOf(0);
        r.balanceFrom(0, 1);
        assertThat(r.hv.channel().holding(VM)).isTrue();
        assertThat(r.recorder.copies).as("the guest gave up and copied").hasSize(1);
        int copy = r.gfnOf(0);
        long copyWord = r.word(copy);
        assertThat(r.vm.isFree(g)).isTrue();
        int h = r.fault(1, 0);
        r.host.pageOut(VM, h);

        r.balanceFrom(1, 1);

        assertThat(r.hv.channel().holding(VM)).isFalse();
        assertThat(r.count(Counter.HYPERCALL_REPLAYS_REFUSED)).as("the late original").isEqualTo(1);
        assertThat(r.recorder.migrations).as("only the new request reached the host").hasSize(1);
        assertThat(r.recorder.migrations.getFirst().src()).containsExactly(h);
        int d = r.gfnOf(1);
        assertThat(r.vm.vnodeOf(d)).isEqualTo(1);
        assertThat(PageState.kind(r.word(d))).as("the new page's data is where the guest maps it")
                .isNotEqualTo(PageState.UNBACKED);
        assertThat(r.word(copy)).as("the copied page is untouched").isEqualTo(copyWord);
        r.checkInvariants();
    }

    // ------------------------------------------------------------------ whole runs

    /** After every event: the invariants, and every gfn a guest PTE maps still has its data (is backed). */
    private static void checkEveryEvent(Simulation sim) {
        sim.engine().afterEachEvent(() -> {
            sim.checkInvariants();
            for (GuestVm vm : sim.vms()) {
                int[] pt = vm.pageTable();
                for (int gvpn = 0; gvpn < pt.length; gvpn++) {
                    if (pt[gvpn] != GuestPte.NOT_PRESENT) {
                        int gfn = GuestPte.gfn(pt[gvpn]);
                        if (PageState.kind(sim.host().locate(vm.id(), gfn)) == PageState.UNBACKED) {
                            throw new IllegalStateException("gvpn " + gvpn + " maps gfn " + gfn + " whose data is gone");
                        }
                    }
                }
            }
        });
    }

    private static RunResult faultyRun(MigrationOrder order, double drop, double duplicate, double reorder) {
        Scenario s = Scenarios.parse(Scenarios.SMALL);
        s = s.withHypercall(new Scenario.Hypercall(0, 0, 10_000_000L, 50_000L, 2, 99, drop, duplicate, reorder));
        Simulation sim = new Simulation(s, Scenarios.policy("copyless-holdback", order));
        checkEveryEvent(sim);
        RunResult res = sim.run();
        sim.checkInvariants();
        long held = sim.hypervisor().channel().holding(0) ? 1 : 0;
        // every duplicate and every late original was refused as a replay, and nothing else was refused
        assertThat(res.counter(Counter.HYPERCALL_REPLAYS_REFUSED))
                .isEqualTo(res.counter(Counter.HYPERCALL_DUPLICATED) + res.counter(Counter.HYPERCALL_REORDERED) - held);
        assertThat(res.counter(Counter.HYPERCALL_REFUSED)).isEqualTo(res.counter(Counter.HYPERCALL_REPLAYS_REFUSED));
        assertThat(res.counter(Counter.HYPERCALL_STALE)).isZero();
        return res;
    }

    @Test
    void aWholeRunAtHighFaultRatesKeepsEveryInvariantAndLosesNoPage() {
        for (MigrationOrder order : MigrationOrder.values()) {
            RunResult res = faultyRun(order, 0.25, 0.25, 0.25);
            for (Counter c : new Counter[] {Counter.HYPERCALL_DROPPED, Counter.HYPERCALL_DUPLICATED,
                Counter.HYPERCALL_REORDERED, Counter.HYPERCALL_REPLAYS_REFUSED, Counter.HYPERCALL_RETRIES,
                Counter.HYPERCALLS, Counter.BALANCED_MOVED_PAGES}) {
                assertThat(res.counter(c)).as(order.key() + ": " + c.metricName()).isPositive();
            }
        }
    }

    @Test
    void aChannelThatLosesEveryRequestTurnsCopylessIntoCopies() {
        RunResult res = faultyRun(MigrationOrder.MIGRATE_BEFORE_MAP, 1.0, 0, 0);
        assertThat(res.counter(Counter.HYPERCALLS)).isZero();
        assertThat(res.counter(Counter.HYPERCALL_DROPPED)).isPositive();
        assertThat(res.counter(Counter.BALANCED_MOVED_PAGES)).isPositive();
        assertThat(res.counter(Counter.GUEST_PAGE_COPIES)).isEqualTo(res.counter(Counter.NUMA_PAGES_MIGRATED));
    }
}
