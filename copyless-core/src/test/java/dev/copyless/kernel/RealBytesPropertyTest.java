package dev.copyless.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;
import static org.quicktheories.generators.SourceDSL.longs;

import dev.copyless.host.PageContent;
import dev.copyless.host.Verification;
import dev.copyless.kernel.SimulatedHost;
import dev.copyless.mm.PageState;
import dev.copyless.sim.Invariants;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Random host operation sequences (touch, populate, pageOut, demote, guest copy, migrate in both
 * orders, hypercalls, discard, and engine time with kswapd, readahead, demotion and promotion)
 * on real-bytes worlds ({@link InvariantsTest.World}): after every step and every engine event,
 * every backed gfn's bytes are exactly its expected page, and every expected content either
 * existed before the step or is a fresh population of a gfn of that VM that was unbacked before
 * it (no content is invented; a guest copy may carry a source it has just populated).
 */
class RealBytesPropertyTest {

    @Test
    void randomOperationSequencesKeepEveryPagesBytes() {
        qt().withFixedSeed(20250611L).withExamples(150)
                .forAll(longs().all(), lists().of(integers().all()).ofSizeBetween(1, 250))
                .checkAssert(RealBytesPropertyTest::runSequence);
    }

    static void runSequence(long seed, List<Integer> ops) {
        try (InvariantsTest.World w = new InvariantsTest.World(seed, true)) {
            w.engine.afterEachEvent(() -> checkContent(w));
            List<String> done = new ArrayList<>();
            try {
                for (int op : ops) {
                    Set<Long> before = tokens(w.host, w.vms.size());
                    List<long[]> states = new ArrayList<>();
                    for (int vm = 0; vm < w.vms.size(); vm++) {
                        states.add(w.host.stateArray(vm).clone());
                    }
                    done.add(InvariantsTest.step(w, op));
                    checkContent(w);
                    checkProvenance(w, before, states);
                    Invariants.check(w.host, w.hv, w.vms);
                }
            } catch (AssertionError | RuntimeException e) {
                int from = Math.max(0, done.size() - 6);
                throw new AssertionError("world " + seed + " (" + w.description + "), after " + done.subList(from,
                        done.size()) + ": " + e.getMessage(), e);
            }
        }
    }

    /** Every backed gfn holds its own page, byte for byte; an unbacked one expects nothing. */
    private static void checkContent(InvariantsTest.World w) {
        Verification v = w.host.verifyAll();
        assertThat(v.lost()).as("lost pages").isEmpty();
        assertThat(v.verified()).isEqualTo(v.backed());
        for (int vm = 0; vm < w.vms.size(); vm++) {
            long[] st = w.host.stateArray(vm);
            for (int gfn = 0; gfn < st.length; gfn++) {
                boolean backed = PageState.kind(st[gfn]) != PageState.UNBACKED;
                assertThat(w.host.expectedContent(vm, gfn) != PageContent.NONE).as("vm %d gfn %d expects content", vm, gfn)
                        .isEqualTo(backed);
            }
        }
    }

    /** After a step, each expected content existed before it, or is a new population of a gfn unbacked before it. */
    private static void checkProvenance(InvariantsTest.World w, Set<Long> before, List<long[]> statesBefore) {
        for (int vm = 0; vm < w.vms.size(); vm++) {
            long[] st = w.host.stateArray(vm);
            for (int gfn = 0; gfn < st.length; gfn++) {
                long t = w.host.expectedContent(vm, gfn);
                if (t != PageContent.NONE && !before.contains(t)) {
                    assertThat(PageContent.vm(t)).isEqualTo(vm);
                    assertThat(PageState.kind(statesBefore.get(vm)[PageContent.gfn(t)]))
                            .as("gfn %d holds fresh content of gfn %d, which was unbacked", gfn, PageContent.gfn(t))
                            .isEqualTo(PageState.UNBACKED);
                }
            }
        }
    }

    private static Set<Long> tokens(SimulatedHost host, int vms) {
        Set<Long> s = new HashSet<>();
        for (int vm = 0; vm < vms; vm++) {
            for (int gfn = 0; gfn < host.stateArray(vm).length; gfn++) {
                s.add(host.expectedContent(vm, gfn));
            }
        }
        return s;
    }
}
