package dev.copyless.hypervisor;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.copyless.mm.PageState;
import java.util.Arrays;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Options;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.StressOptions;
import org.junit.jupiter.api.Test;

/**
 * The moved-page list's seqcount protocol (docs/ABI.md, "Exported moved-page list") checked for
 * linearizability by Lincheck: one writer (the host, through the MMU notifier: the operations of
 * the {@code host} non-parallel group never run at the same time) listing, re-listing and
 * unlisting gfns, and lock-free readers taking the guest's {@link MovedPageListView} snapshots
 * of every entry, its {@code size}, and single entries. Every result must be one a sequential
 * run could give: a snapshot is the whole list as it was between two updates (its generation
 * and every entry's generation agree with that moment), never half of one update and half of
 * another. Lincheck runs the operations on real threads (stress mode) and checks every outcome
 * against every sequential order; a reader without the retry ({@link TornReader}) is caught by
 * the same configuration, so the check has teeth. Lincheck's model checker is not used: it
 * switches threads only at the field, array and atomic accesses it instruments, and the list
 * lives in a {@code MemorySegment} (the exported ABI), whose accesses it does not see, so it
 * would explore no interleaving inside an operation.
 */
public class MovedPageListLincheckTest {
    static final int GFNS = 3;

    /** The list and the guest's view of it, as Lincheck drives them. */
    @Param(name = "gfn", gen = IntGen.class, conf = "0:2")
    public static class SharedList {
    final MovedPageList list = new MovedPageList(GFNS);
    final MovedPageListView view = new MovedPageListView(list.segment());

    @Operation(nonParallelGroup = "host")
    public void swapOut(@Param(name = "gfn") int gfn) {
        list.update(gfn, PageState.swapped(1, 7 + gfn), true);
    }

    @Operation(nonParallelGroup = "host")
    public void demote(@Param(name = "gfn") int gfn) {
        list.update(gfn, PageState.resident(2, 40 + gfn), true);
    }

    @Operation(nonParallelGroup = "host")
    public void backHome(@Param(name = "gfn") int gfn) {
        list.update(gfn, PageState.resident(0, gfn), false);
    }

    /** The guest's consistent snapshot: its generation and every entry. */
    @Operation
    public String snapshot() {
        long[] out = new long[GFNS];
        long gen = view.read(0, out, 0, GFNS);
        return gen + " " + Arrays.toString(out);
    }

    @Operation
    public long size() {
        return view.size();
    }

    @Operation
    public long entry(@Param(name = "gfn") int gfn) {
        return view.entry(gfn);
    }

    }

    /** Two threads of three operations (the writer's and a reader's), on three gfns: small enough to check every order. */
    static <O extends Options<O, ?>> O small(O o) {
        return o.iterations(20).threads(2).actorsPerThread(3).actorsBefore(2).actorsAfter(1).minimizeFailedScenario(false);
    }

    @Test
    void stress() {
        small(new StressOptions()).invocationsPerIteration(100).check(SharedList.class);
    }

    /**
     * A reader that skips {@code read_seqcount_retry}: it reads the count once and then the
     * entries, so it can return entries from two different moments under one generation.
     */
    @Param(name = "gfn", gen = IntGen.class, conf = "0:2")
    public static class TornReader {
        final MovedPageList list = new MovedPageList(GFNS);

        @Operation(nonParallelGroup = "host")
        public void swapOut(@Param(name = "gfn") int gfn) {
            list.update(gfn, PageState.swapped(1, 7 + gfn), true);
        }

        @Operation(nonParallelGroup = "host")
        public void backHome(@Param(name = "gfn") int gfn) {
            list.update(gfn, PageState.resident(0, gfn), false);
        }

        @Operation
        public String snapshot() {
            long gen = list.generation() & ~1L;
            long[] out = new long[GFNS];
            for (int g = 0; g < GFNS; g++) {
                out[g] = list.entry(g);
            }
            return gen + " " + Arrays.toString(out);
        }
    }

    @Test
    void aReaderWithoutTheRetryIsCaughtByStress() {
        assertThatThrownBy(() -> small(new StressOptions()).invocationsPerIteration(100).check(TornReader.class))
                .isInstanceOf(AssertionError.class);
    }
}
