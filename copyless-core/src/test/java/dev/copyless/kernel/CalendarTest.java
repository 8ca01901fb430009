package dev.copyless.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link Calendar}: jumping over a run of full bins gives exactly the completion times of visiting
 * every bin (the reference below is the bin-by-bin algorithm), for requests in and out of time
 * order, backlogs longer than the ring, one server and many.
 */
class CalendarTest {
    /** The bin-by-bin reference: no run of full bins. */
    private static final class Reference {
        private final int servers;
        private final long[] used = new long[Calendar.HORIZON_BINS];
        private long lo;

        Reference(int servers) {
            this.servers = servers;
        }

        long reserve(long t, long amount) {
            long capacity = servers * Calendar.BIN_NS;
            long b = Math.max(t / Calendar.BIN_NS, lo);
            long from = Math.max(t, b * Calendar.BIN_NS);
            long remaining = amount;
            while (true) {
                if (b >= lo + Calendar.HORIZON_BINS) {
                    long newLo = b - Calendar.HORIZON_BINS + 1;
                    for (long x = lo; x < newLo && x < lo + Calendar.HORIZON_BINS; x++) {
                        used[(int) (x & (Calendar.HORIZON_BINS - 1))] = 0;
                    }
                    lo = newLo;
                }
                int i = (int) (b & (Calendar.HORIZON_BINS - 1));
                long binStart = b * Calendar.BIN_NS;
                long take = Math.min(Math.min(capacity - used[i], binStart + Calendar.BIN_NS - from), remaining);
                if (take > 0) {
                    used[i] += take;
                    remaining -= take;
                    if (remaining == 0) {
                        long end = Math.max(from + take, binStart + (used[i] + servers - 1) / servers);
                        return Math.max(end, t + amount);
                    }
                }
                b++;
                from = b * Calendar.BIN_NS;
            }
        }
    }

    @Test
    void skippingFullBinsGivesTheSameCompletionsAsVisitingThem() {
        for (int servers : new int[] {1, 2, 64}) {
            for (long seed = 1; seed <= 20; seed++) {
                SplittableRandom rnd = new SplittableRandom(seed * 31 + servers);
                Calendar fast = new Calendar(servers);
                Reference ref = new Reference(servers);
                long now = 0;
                for (int k = 0; k < 20_000; k++) {
                    now += rnd.nextInt(4) == 0 ? rnd.nextLong(5_000) : 0; // bursts at one instant build a backlog
                    long t = Math.max(0, now - rnd.nextLong(90_000)); // up to a 90 us slice out of order
                    long amount = 1 + rnd.nextLong(rnd.nextBoolean() ? 1_400 : 40_000);
                    assertThat(fast.reserve(t, amount)).as("servers %d seed %d request %d", servers, seed, k)
                            .isEqualTo(ref.reserve(t, amount));
                }
            }
        }
    }

    @Test
    void aLongBacklogIsJumpedAndStillQueuedBehind() {
        Calendar c = new Calendar(1);
        long end = 0;
        for (int i = 0; i < 5_000; i++) {
            end = c.reserve(0, 2_000); // 10 ms of work submitted at once
        }
        assertThat(end).isEqualTo(10_000_000L);
        assertThat(c.reserve(0, 1_000)).isEqualTo(10_001_000L);
    }
}
