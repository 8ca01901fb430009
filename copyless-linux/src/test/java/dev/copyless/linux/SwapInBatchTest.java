package dev.copyless.linux;

import static org.assertj.core.api.Assertions.assertThat;

import dev.copyless.mm.Errno;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link SwapInBatch}: the side the reads start on follows the longer runs of adjacent slots
 * at adjacent addresses, and reads started at the sources leave the sources' policy and the
 * mapping count as they were and every page intact. The read tests need swap and
 * {@code UFFDIO_MOVE} and are skipped, with the reason, without them.
 */
class SwapInBatchTest {
    private static final int N = 256;

    @Test
    void theSideFollowsTheLongerRuns() {
        try (GuestRam ram = GuestRam.create(MovePrimitive.MREMAP, N, N)) { // no userfaultfd needed to plan
            int[] seq = new int[N];
            int[] shuffled = shuffled(N, 5);
            int[] dstSeq = new int[N];
            long[] slotsBySrc = new long[N];
            long[] slotsByShuffled = new long[N];
            for (int i = 0; i < N; i++) {
                seq[i] = i;
                dstSeq[i] = N + i;
                slotsBySrc[i] = MigrationPaths.slotKey(0, 1000 + i);
                slotsByShuffled[i] = MigrationPaths.slotKey(0, 1000 + shuffled[i] - N);
            }
            // sources together in slot order, destinations scattered: read at the sources
            SwapInBatch a = SwapInBatch.plan(ram, seq, shuffled, slotsBySrc, N);
            assertThat(a.sourceRuns()).isEqualTo(1);
            assertThat(a.destinationRuns()).isGreaterThan(N / 2);
            assertThat(a.side()).isEqualTo(SwapInBatch.Side.SOURCES);
            // slots follow the destinations, sources scattered: read at the destinations
            int[] srcShuffled = new int[N];
            for (int i = 0; i < N; i++) {
                srcShuffled[i] = shuffled[i] - N;
            }
            SwapInBatch b = SwapInBatch.plan(ram, srcShuffled, dstSeq, slotsBySrc, N);
            assertThat(b.destinationRuns()).isEqualTo(1);
            assertThat(b.side()).isEqualTo(SwapInBatch.Side.DESTINATIONS);
            // both contiguous: a tie goes to the destinations
            assertThat(SwapInBatch.plan(ram, seq, dstSeq, slotsBySrc, N).side()).isEqualTo(SwapInBatch.Side.DESTINATIONS);
            // a source run stops at a vNode boundary
            int[] across = {N - 2, N - 1, N, N + 1};
            int[] to = {3, 9, 17, 30};
            long[] sl = {MigrationPaths.slotKey(0, 1), MigrationPaths.slotKey(0, 2), MigrationPaths.slotKey(0, 3),
                    MigrationPaths.slotKey(0, 4)};
            assertThat(SwapInBatch.plan(ram, across, to, sl, 4).sourceRuns()).isEqualTo(2);
            assertThat(slotsByShuffled).isNotEmpty();
        }
    }

    @Test
    void readsAtTheSourcesKeepTheirPolicyAndMappingsAndEveryPage() {
        SwapAvailable.assumeSwapAndUffdioMove();
        try (GuestRam ram = GuestRam.create(MovePrimitive.UFFDIO_MOVE, N, N); MovedPageScanner list = new MovedPageScanner(ram)) {
            int[] src = new int[N];
            int[] dst = shuffled(N, 9);
            long[] slots = new long[N];
            for (int i = 0; i < N; i++) {
                src[i] = i;
                ram.writePattern(i, 500 + i);
            }
            SwapAvailable.pageOutCold(ram, list, 0, N);
            assertThat(list.size()).isEqualTo(N);
            for (int i = 0; i < N; i++) {
                slots[i] = MigrationPaths.slotKey(list.swapType(i), list.swapOffset(i));
            }
            int maps = ram.mappings();
            SwapInBatch b = SwapInBatch.plan(ram, src, dst, slots, N);
            assertThat(b.side()).isEqualTo(SwapInBatch.Side.SOURCES);
            b.beforeMoves();
            assertThat(Syscalls.policyModeAt(ram.address(0))).isEqualTo(Syscalls.MPOL_BIND);
            assertThat(Syscalls.policyNodesAt(ram.address(0))).isEqualTo(1L << ram.vnodeNode(0));
            assertThat(ram.mappings()).isEqualTo(maps);
            list.scan();
            assertThat(list.size()).as("started reads map nothing: the sources are still swap entries").isEqualTo(N);
            for (int i = 0; i < N; i++) {
                MigrationPaths.moveEntries(ram, src[i], dst[i], 1);
            }
            b.afterMoves();
            list.scan();
            assertThat(list.size()).as("every destination populated").isZero();
            assertThat(ram.mappings()).isEqualTo(maps);
            int bad = 0;
            for (int i = 0; i < N; i++) {
                bad += ram.checkPattern(dst[i], 500 + i) && ram.checkPattern(i, 0) ? 0 : 1;
            }
            assertThat(bad).isZero();
        }
    }

    @Test
    void aSkippedPairIsNotPopulated() {
        SwapAvailable.assumeSwapAndUffdioMove();
        try (GuestRam ram = GuestRam.create(MovePrimitive.UFFDIO_MOVE, 8, 8); MovedPageScanner list = new MovedPageScanner(ram)) {
            for (int i = 0; i < 4; i++) {
                ram.writePattern(i, 70 + i);
            }
            ram.pageOut(0, 4);
            list.scan();
            int[] src = {0, 1, 2, 3};
            int[] dst = {8, 9, 10, 11};
            long[] slots = new long[4];
            for (int i = 0; i < 4; i++) {
                slots[i] = MigrationPaths.slotKey(list.swapType(i), list.swapOffset(i));
            }
            SwapInBatch b = SwapInBatch.plan(ram, src, dst, slots, 4);
            b.beforeMoves();
            for (int i = 0; i < 4; i++) {
                if (i != 2) {
                    MigrationPaths.moveEntries(ram, src[i], dst[i], 1);
                }
            }
            b.skip(2);
            b.afterMoves();
            list.scan();
            assertThat(list.isMoved(2)).as("the pair that did not move keeps its swap entry at the source").isTrue();
            int[] nodes = new int[1];
            ram.nodes(10, 1, nodes);
            assertThat(nodes[0]).as("its destination was not populated").isEqualTo(-Errno.ENOENT);
            assertThat(ram.checkPattern(9, 71)).isTrue();
            assertThat(ram.checkPattern(2, 72)).isTrue();
        }
    }

    private static int[] shuffled(int n, long seed) {
        int[] d = new int[n];
        for (int i = 0; i < n; i++) {
            d[i] = n + i;
        }
        Random rnd = new Random(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = d[i];
            d[i] = d[j];
            d[j] = t;
        }
        return d;
    }
}
