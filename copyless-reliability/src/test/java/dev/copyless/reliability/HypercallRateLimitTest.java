package dev.copyless.reliability;

import static dev.copyless.testkit.Rig.VM;
import static org.assertj.core.api.Assertions.assertThat;

import dev.copyless.guest.GuestPte;
import dev.copyless.hypervisor.HypercallConfig;
import dev.copyless.metrics.Counter;
import dev.copyless.metrics.RunResult;
import dev.copyless.mm.Errno;
import dev.copyless.mm.PageState;
import dev.copyless.scenario.Scenario;
import dev.copyless.testkit.Rig;
import dev.copyless.testkit.Scenarios;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

/**
 * Per-VM hypercall rate limits in virtual time: a VM that floods the hypervisor is throttled
 * ({@code -EBUSY}, {@code hypercall_throttled}) while another VM's calls all go through; the
 * pages limit bounds pages per second; and a throttled guest leaves its pages where they are and
 * tries again at a later hinting fault (no copy, no failure counted).
 */
class HypercallRateLimitTest {
    private static final MemorySegment REPLY = HypercallWorld.reply();

    /** Sends one valid call of VM {@code v} with {@code pages} entries at {@code now}; true if accepted. */
    private static boolean call(HypercallWorld w, int v, int pages) {
        int[] src = new int[pages];
        int[] dst = new int[pages];
        for (int k = 0; k < pages; k++) {
            src[k] = w.vm(v).vnodeStart(0) + k;
            dst[k] = w.vm(v).vnodeStart(1) + k;
        }
        long r = w.hv().hypercall(v, w.request(v, 1, src, dst), REPLY);
        if (r < 0 && r != -Errno.EBUSY) {
            throw new AssertionError("vm" + v + ": neither accepted nor throttled: " + r);
        }
        return r >= 0;
    }

    @Test
    void aFloodingVmIsThrottledWhileTheOtherGetsEveryCallThrough() {
        // 1,000 calls/s per VM, a 10 ms bucket (10 calls)
        HypercallWorld w = HypercallWorld.builder().config(HypercallConfig.DEFAULT.withRateLimits(1_000, 0)).build();
        int[] accepted = new int[2];
        int[] sent = new int[2];
        for (long t = 0; t < 1_000_000_000L; t += 10_000) { // one virtual second
            w.engine().advanceTo(t);
            sent[0]++;
            if (call(w, 0, 1)) { // VM 0 floods: 100,000 calls/s
                accepted[0]++;
            }
            if (t % 10_000_000 == 0) { // VM 1: 100 calls/s
                sent[1]++;
                if (call(w, 1, 1)) {
                    accepted[1]++;
                }
            }
        }
        assertThat(accepted[1]).as("the polite VM's calls").isEqualTo(sent[1]).isEqualTo(100);
        assertThat(accepted[0]).as("the flooding VM gets its rate plus one bucket").isBetween(1_000, 1_000 + 10 + 1);
        assertThat(w.stat().get(Counter.HYPERCALL_THROTTLED)).isEqualTo(sent[0] - accepted[0]);
        assertThat(w.stat().get(Counter.HYPERCALLS)).isEqualTo(accepted[0] + accepted[1]);
        w.checkInvariants();
    }

    @Test
    void thePagesLimitBoundsPagesPerSecond() {
        // 1,000 pages/s per VM; the bucket holds at least one full batch (512 pages)
        HypercallWorld w = HypercallWorld.builder().config(HypercallConfig.DEFAULT.withRateLimits(0, 1_000)).build();
        long pages = 0;
        int polite = 0;
        for (long t = 0; t < 1_000_000_000L; t += 1_000_000) {
            w.engine().advanceTo(t);
            if (call(w, 0, 8)) { // 8,000 pages/s
                pages += 8;
            }
            if (t % 100_000_000 == 0 && call(w, 1, 1)) { // 10 pages/s
                polite++;
            }
        }
        assertThat(pages).isBetween(1_000L, 1_000L + 512 + 8);
        assertThat(polite).isEqualTo(10);
        assertThat(w.stat().get(Counter.HYPERCALL_THROTTLED)).isPositive();
    }

    @Test
    void aThrottledGuestLeavesItsPagesInPlaceAndRetriesAtALaterHintingFault() {
        // 100 calls/s: a bucket of one call, refilled after 10 ms of virtual time
        Rig r = Rig.builder().hypercall(HypercallConfig.DEFAULT.withRateLimits(100, 0)).build();
        int a = r.fault(0, 0);
        int b = r.fault(1, 0);
        r.host.pageOut(VM, a);
        r.host.pageOut(VM, b);
        r.balanceFrom(0, 1);
        assertThat(r.vm.vnodeOf(r.gfnOf(0))).as("first call accepted").isEqualTo(1);
        int free1 = r.vm.freeGfns(1);
        long swappedB = r.word(b);

        r.balanceFrom(1, 1);

        assertThat(r.count(Counter.HYPERCALL_THROTTLED)).isEqualTo(1);
        assertThat(r.vm.pageTable()[1]).as("the page stays mapped where it was, not pending").isEqualTo(b);
        assertThat(r.word(b)).as("still in its swap slot").isEqualTo(swappedB);
        assertThat(r.vm.freeGfns(1)).as("the destination gfn went back").isEqualTo(free1);
        assertThat(r.recorder.copies).as("no fallback copy").isEmpty();
        assertThat(r.recorder.migrations).hasSize(1);
        assertThat(r.count(Counter.PGMIGRATE_FAIL)).isZero();
        assertThat(r.count(Counter.NUMA_PAGES_MIGRATED)).isEqualTo(1);
        r.checkInvariants();

        r.engine.advanceTo(r.engine.now() + 10_000_000L); // the clock moved on with the first call's host operations
        r.balanceFrom(1, 1);

        assertThat(r.vm.vnodeOf(r.gfnOf(1))).as("the next hinting fault after the refill migrates it").isEqualTo(1);
        assertThat(r.kind(b)).isEqualTo(PageState.UNBACKED);
        assertThat(r.vm.pageTable()[1] & GuestPte.PENDING).isZero();
        assertThat(r.recorder.migrations).hasSize(2);
        assertThat(r.count(Counter.NUMA_PAGES_MIGRATED)).isEqualTo(2);
        r.checkInvariants();
    }

    @Test
    void aWholeRunUnderATightLimitKeepsEveryInvariant() {
        Scenario s = Scenarios.parse(Scenarios.SMALL);
        s = s.withHypercall(new Scenario.Hypercall(200, 0, 10_000_000L, 50_000L, 2, 1, 0, 0, 0));
        RunResult limited = Scenarios.run(s, Scenarios.policy("copyless", s));
        assertThat(limited.counter(Counter.HYPERCALL_THROTTLED)).isPositive();
        assertThat(limited.counter(Counter.HYPERCALLS)).as("at most 200/s plus the bucket, over 300 ms")
                .isLessThanOrEqualTo(60 + 2);
        assertThat(limited.counter(Counter.NUMA_PAGES_MIGRATED)).isPositive();
        assertThat(limited.counter(Counter.HYPERCALL_REFUSED)).isEqualTo(limited.counter(Counter.HYPERCALL_THROTTLED));
    }
}
