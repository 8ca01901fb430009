package dev.copyless.guest;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class FreeGfnsTest {
    @Test
    void handsOutTheSameGfnsInTheSameOrderAsTheArrayStackItReplaced() {
        Random rnd = new Random(5);
        for (int round = 0; round < 6; round++) {
            int start = rnd.nextInt(1000);
            int count = 1 + rnd.nextInt(3 * FreeGfns.CHUNK);
            FreeGfns list = new FreeGfns(start, count);
            int[] stack = new int[count]; // GuestVm's old free stack of one vNode: lowest gfn on top
            for (int i = 0; i < count; i++) {
                stack[i] = start + count - 1 - i;
            }
            int top = count;
            List<Integer> used = new ArrayList<>();
            for (int op = 0; op < 60_000; op++) {
                // phases of mostly allocating and mostly freeing, so the freed stack crosses chunk boundaries both ways
                boolean alloc = used.isEmpty() || rnd.nextInt(100) < ((op / 5_000) % 2 == 0 ? 80 : 20);
                if (alloc) {
                    int expected = top == 0 ? GuestVm.NO_GFN : stack[--top];
                    int g = list.allocate();
                    assertThat(g).as("allocation %d of round %d", op, round).isEqualTo(expected);
                    if (g != GuestVm.NO_GFN) {
                        assertThat(list.neverAllocated(g)).isFalse();
                        used.add(g);
                    }
                } else {
                    int g = used.remove(rnd.nextInt(used.size()));
                    list.free(g);
                    stack[top++] = g;
                }
                assertThat(list.count()).isEqualTo(top);
            }
        }
    }

    @Test
    void freedChunksAreDroppedWhenTheStackShrinks() {
        FreeGfns list = new FreeGfns(0, 10 * FreeGfns.CHUNK);
        long empty = list.heapBytes();
        for (int i = 0; i < 10 * FreeGfns.CHUNK; i++) {
            assertThat(list.allocate()).isEqualTo(i);
        }
        assertThat(list.neverAllocated(0)).isFalse();
        for (int i = 0; i < 10 * FreeGfns.CHUNK; i++) {
            list.free(i);
        }
        assertThat(list.heapBytes()).isGreaterThanOrEqualTo(10L * 4 * FreeGfns.CHUNK);
        for (int i = 0; i < 10 * FreeGfns.CHUNK; i++) {
            assertThat(list.allocate()).isEqualTo(10 * FreeGfns.CHUNK - 1 - i);
        }
        assertThat(list.allocate()).isEqualTo(GuestVm.NO_GFN);
        assertThat(list.heapBytes()).as("one empty chunk kept, the rest dropped")
                .isLessThanOrEqualTo(empty + 8L * 16 + 16 + 4L * FreeGfns.CHUNK);
    }
}
