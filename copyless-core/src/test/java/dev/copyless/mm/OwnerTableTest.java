package dev.copyless.mm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class OwnerTableTest {
    /** The array stack {@link OwnerTable} replaced, as HostNode and SwapDevice had it. */
    private static final class OldStack {
        final long[] owner;
        final int[] stack;
        int top;

        OldStack(int n) {
            owner = new long[n];
            stack = new int[n];
            java.util.Arrays.fill(owner, FrameOwner.FREE);
            for (int i = 0; i < n; i++) {
                stack[i] = n - 1 - i;
            }
            top = n;
        }

        int allocate(long o) {
            if (top == 0) {
                return -1;
            }
            int i = stack[--top];
            owner[i] = o;
            return i;
        }

        void free(int i) {
            owner[i] = FrameOwner.FREE;
            stack[top++] = i;
        }
    }

    @Test
    void handsOutTheSameEntriesInTheSameOrderAsTheArrayStackItReplaced() {
        HostGfns gfns = new HostGfns();
        gfns.register(300);
        gfns.register(700);
        Random rnd = new Random(13);
        for (int round = 0; round < 20; round++) {
            int n = 1 + rnd.nextInt(200);
            OwnerTable t = new OwnerTable(n, gfns);
            OldStack old = new OldStack(n);
            List<Integer> used = new ArrayList<>();
            for (int op = 0; op < 5_000; op++) {
                if (used.isEmpty() || rnd.nextInt(10) < 6) {
                    long o = FrameOwner.of(rnd.nextInt(2), rnd.nextInt(300));
                    int a = t.allocate(o);
                    assertThat(a).as("allocation %d of round %d", op, round).isEqualTo(old.allocate(o));
                    if (a >= 0) {
                        used.add(a);
                    }
                } else {
                    int i = used.remove(rnd.nextInt(used.size()));
                    t.free(i);
                    old.free(i);
                }
                assertThat(t.free()).isEqualTo(old.top);
            }
            for (int i = 0; i < n; i++) {
                assertThat(t.owner(i)).as("owner of %d", i).isEqualTo(old.owner[i]);
            }
        }
    }

    @Test
    void ownersAtTheEdgesOfTheGfnSpaceRoundTrip() {
        HostGfns gfns = new HostGfns();
        assertThat(gfns.register(5)).isZero();
        assertThat(gfns.register(0)).isEqualTo(5);
        assertThat(gfns.register(HostGfns.MAX_GFNS - 5)).isEqualTo(5);
        assertThatThrownBy(() -> gfns.register(1)).isInstanceOf(IllegalArgumentException.class);
        OwnerTable t = new OwnerTable(4, gfns);
        long first = FrameOwner.of(0, 0);
        long lastOfFirst = FrameOwner.of(0, 4);
        long last = FrameOwner.of(2, HostGfns.MAX_GFNS - 6);
        assertThat(t.allocate(first)).isZero();
        assertThat(t.allocate(lastOfFirst)).isEqualTo(1);
        assertThat(t.allocate(last)).isEqualTo(2);
        assertThat(t.allocate(FrameOwner.RESERVED)).isEqualTo(3);
        assertThat(t.allocate(first)).as("full").isEqualTo(-1);
        assertThat(t.owner(0)).isEqualTo(first);
        assertThat(t.owner(1)).isEqualTo(lastOfFirst);
        assertThat(t.owner(2)).isEqualTo(last);
        assertThat(FrameOwner.vm(t.owner(2))).isEqualTo(2);
        assertThat(t.owner(3)).isEqualTo(FrameOwner.RESERVED);
        t.setOwner(1, FrameOwner.of(2, 0));
        assertThat(t.owner(1)).isEqualTo(FrameOwner.of(2, 0));
        t.free(2);
        t.free(0);
        assertThat(t.owner(0)).isEqualTo(FrameOwner.FREE);
        assertThat(t.owner(2)).isEqualTo(FrameOwner.FREE);
        assertThatThrownBy(() -> t.free(0)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> t.setOwner(2, first)).isInstanceOf(IllegalStateException.class);
        assertThat(t.allocate(last)).as("most recently freed first").isZero();
        assertThat(t.allocate(last)).isEqualTo(2);
        assertThat(t.free()).isZero();
    }
}
