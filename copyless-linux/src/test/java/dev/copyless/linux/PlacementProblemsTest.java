package dev.copyless.linux;

import static org.assertj.core.api.Assertions.assertThat;

import dev.copyless.mm.MigrationOrder;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link LinuxDemo#placementProblems}: what a two-node run must show, and each way it can fall short. */
class PlacementProblemsTest {
    private static final int N = 64;
    private static final long PAGE = Syscalls.PAGE_SIZE;

    private static LinuxDemo.PathResult path(String name, int verified, int onDest, int refused, int swapins, long cross) {
        NodeVmstat.Snapshot none = new NodeVmstat.Snapshot(new int[] {0, 1}, new long[2][NodeVmstat.KEYS.size()]);
        return new LinuxDemo.PathResult(name, N, N, 1, 0, verified, 2 * N - verified, new ProcVmstat.Snapshot(N, 0, 0, 0, 0, 0, 0),
                onDest, refused, N, 0, 2, 2, new NodePlacement.PathPlacement(onDest, swapins, cross, 0, none));
    }

    private static LinuxDemo.Result result(int src, int dst, LinuxDemo.PathResult... paths) {
        Map<String, LinuxDemo.PathResult> m = new LinkedHashMap<>();
        for (LinuxDemo.PathResult p : paths) {
            m.put(p.path(), p);
        }
        return new LinuxDemo.Result(N, new int[] {0, 1}, src, dst, "", MigrationOrder.MIGRATE_BEFORE_MAP, true,
                MovePrimitive.UFFDIO_MOVE, m);
    }

    private static LinuxDemo.PathResult goodNaive() {
        return path("naive", 2 * N, N, 0, N, N * PAGE);
    }

    private static LinuxDemo.PathResult goodCopyless() {
        return path("copyless", 2 * N, N, 0, 0, 0);
    }

    @Test
    void whatClaimOnePromisesPasses() {
        assertThat(LinuxDemo.placementProblems(result(0, 1, goodNaive(), path("linux-move", 2 * N, N, 0, N, N * PAGE),
                goodCopyless()))).isEmpty();
    }

    @Test
    void eachShortfallIsNamed() {
        assertThat(LinuxDemo.placementProblems(result(0, 1, goodNaive(), path("copyless", 2 * N, N - 3, 0, 3, 0))))
                .containsExactly("copyless: 61 of 64 pages on the destination node 1",
                        "copyless: 3 swap-ins on the source node 0 (expected none)");
        assertThat(LinuxDemo.placementProblems(result(0, 1, path("naive", 2 * N - 1, N, 0, N, N * PAGE), goodCopyless())))
                .containsExactly("naive: 127 of 128 pages verified, 1 corrupt");
        assertThat(LinuxDemo.placementProblems(result(0, 1, path("naive", 2 * N, N, 0, 0, 0), goodCopyless())))
                .containsExactly("naive: 0 swap-ins on the source node 0 (expected one per page, 64)",
                        "naive: 0 bytes copied across nodes (expected one page each, 262144)");
        assertThat(LinuxDemo.placementProblems(result(0, 1, goodNaive(), path("copyless", 2 * N, N, 2, 0, PAGE))))
                .containsExactly("copyless: 2 pages refused", "copyless: 4096 bytes copied across nodes (expected none)");
    }

    @Test
    void oneNodeHasNothingToCheck() {
        assertThat(LinuxDemo.placementProblems(result(0, 0, goodNaive(), goodCopyless())))
                .containsExactly("vNodes 0 and 1 are both on node 0: nothing crosses nodes on this host");
    }
}
