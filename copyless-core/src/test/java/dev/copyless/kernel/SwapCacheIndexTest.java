package dev.copyless.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SwapCacheIndexTest {
    @Test
    void agreesWithAHashMapThroughGrowthAndShrinking() {
        Random rnd = new Random(3);
        SwapCacheIndex idx = new SwapCacheIndex();
        Map<Integer, Integer> ref = new HashMap<>();
        List<Integer> keys = new ArrayList<>();
        int peak = 0;
        for (int op = 0; op < 400_000; op++) {
            boolean growing = (op / 50_000) % 2 == 0;
            if (keys.isEmpty() || rnd.nextInt(100) < (growing ? 75 : 25)) {
                // clustered keys (neighbouring frames) and keys at the ends of the int range
                int frame = switch (rnd.nextInt(4)) {
                    case 0 -> rnd.nextInt(64);
                    case 1 -> Integer.MAX_VALUE - 1 - rnd.nextInt(64);
                    default -> rnd.nextInt(1 << 20);
                };
                int slot = rnd.nextInt(Integer.MAX_VALUE);
                if (ref.put(frame, slot) == null) {
                    keys.add(frame);
                }
                idx.put(frame, slot);
            } else {
                int frame = keys.remove(rnd.nextInt(keys.size()));
                assertThat(idx.remove(frame)).isEqualTo(ref.remove(frame));
                assertThat(idx.remove(frame)).isEqualTo(SwapCacheIndex.NONE);
            }
            assertThat(idx.size()).isEqualTo(ref.size());
            peak = Math.max(peak, idx.capacity());
            if (op % 997 == 0) {
                for (int k : keys) {
                    assertThat(idx.get(k)).as("frame %d", k).isEqualTo(ref.get(k));
                }
                assertThat(idx.get(1 << 21)).isEqualTo(SwapCacheIndex.NONE);
                assertThat(4L * idx.size()).as("at most three quarters full").isLessThanOrEqualTo(3L * idx.capacity());
            }
        }
        assertThat(peak).as("it grew").isGreaterThanOrEqualTo(1 << 13);
        for (int k : new ArrayList<>(keys)) {
            assertThat(idx.remove(k)).isEqualTo(ref.remove(k));
        }
        assertThat(idx.size()).isZero();
        assertThat(idx.capacity()).as("and shrank back").isEqualTo(64);
    }
}
