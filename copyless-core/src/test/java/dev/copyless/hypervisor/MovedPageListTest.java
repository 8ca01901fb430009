package dev.copyless.hypervisor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.copyless.mm.PageState;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

class MovedPageListTest {
    @Test
    void oneByteEntriesNameEveryLocationUpToTheLimit() {
        MovedPageList list = new MovedPageList(9);
        MovedPageListView view = new MovedPageListView(list.segment());
        int last = MovedPageList.MAX_LOCATIONS - 1;
        list.update(0, PageState.swapped(0, 12), true);
        list.update(1, PageState.swapped(last, Integer.MAX_VALUE), true);
        list.update(2, PageState.resident(0, 5), true);
        list.update(3, PageState.resident(last, 5), true);
        list.update(8, PageState.resident(3, 0), true);
        assertThat(view.size()).isEqualTo(5);
        int[][] expect = {{PageState.SWAPPED, 0}, {PageState.SWAPPED, last}, {PageState.RESIDENT, 0},
            {PageState.RESIDENT, last}};
        for (int g = 0; g < expect.length; g++) {
            long e = view.entry(g);
            assertThat(e).as("listed gfn %d", g).isNotZero();
            assertThat(MovedPageList.kind(e)).isEqualTo(expect[g][0]);
            assertThat(MovedPageList.locationId(e)).isEqualTo(expect[g][1]);
        }
        assertThat(MovedPageList.kind(view.entry(4))).as("not listed").isZero();
        assertThat(list.segment().get(ValueLayout.JAVA_BYTE, HypercallAbi.LIST_HEADER + 8)).as("u8 at 64 + gfn")
                .isEqualTo((byte) (MovedPageList.NODE | 4));
        assertThat(list.segment().byteSize()).as("header and one byte per gfn, rounded to 8").isEqualTo(64 + 16);
        assertThatThrownBy(() -> list.update(5, PageState.swapped(MovedPageList.MAX_LOCATIONS, 1), true))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(view.isMoved(5)).isFalse();
        list.update(1, PageState.UNBACKED_WORD, false);
        assertThat(view.isMoved(1)).isFalse();
        assertThat(list.references()).containsExactly(0, 2, 3, 8);
        assertThat(MovedPageList.MAX_LOCATIONS).as("the scenario's limit").isEqualTo(PageState.MAX_NODES);
    }
}
