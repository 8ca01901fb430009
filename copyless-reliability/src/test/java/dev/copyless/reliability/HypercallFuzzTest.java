package dev.copyless.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.copyless.hypervisor.AbiError;
import dev.copyless.metrics.Counter;
import org.junit.jupiter.api.Test;

/**
 * The seeded fuzz of the hypercall ABI ({@link HypercallFuzzer}): 300,000 inputs from two VMs
 * (random bytes, valid requests, mutated requests, replies of random sizes) leave no violation
 * (nothing escapes, every result is accepted or a documented {@link AbiError}, refusals change
 * nothing, the invariants hold), many calls are accepted and move pages, and every refusal class
 * is reached. The run is deterministic, and a change behind the checker's back is caught.
 */
class HypercallFuzzTest {
    private static final int INPUTS = 300_000;

    @Test
    void decoderAndHandlerSurviveEveryInputAndRefusalsChangeNothing() {
        HypercallFuzzer.Result r = HypercallFuzzer.run(0x5EED_AB1L, INPUTS);
        assertThat(r.violations()).as("violations, the first: %s", String.join("\n", r.firstViolations())).isZero();
        assertThat(r.clean()).isTrue();
        assertThat(r.inputs()).isEqualTo(INPUTS);
        assertThat(r.accepted()).as("accepted calls").isGreaterThan(INPUTS / 20);
        assertThat(r.pagesMigrated()).as("pages migrated by accepted calls").isGreaterThan(INPUTS / 20);
        assertThat(r.refused().keySet()).as("every refusal class reached: %s", r.refused())
                .containsExactlyInAnyOrder(AbiError.values());
        long refusals = r.refused().values().stream().mapToLong(Long::longValue).sum();
        assertThat(r.accepted() + refusals).as("every input accepted or refused").isEqualTo(INPUTS);
    }

    @Test
    void oneSeedGivesOneResult() {
        HypercallFuzzer.Result a = HypercallFuzzer.run(42, 20_000);
        assertThat(HypercallFuzzer.run(42, 20_000)).isEqualTo(a);
        assertThat(HypercallFuzzer.run(43, 20_000)).isNotEqualTo(a);
    }

    @Test
    void aChangeBehindTheCheckersBackIsAViolation() {
        // one hypercall too many counted after every call: accepted calls miscounted, refusals "counted"
        HypercallFuzzer.Result r = HypercallFuzzer.run(42, 2_000, w -> w.stat().inc(Counter.HYPERCALLS));
        assertThat(r.clean()).isFalse();
        assertThat(r.violations()).isGreaterThanOrEqualTo(2_000);
        assertThat(r.firstViolations()).hasSize(10)
                .allSatisfy(v -> assertThat(v).startsWith("input ").containsPattern("\\d+ bytes [0-9a-f]*"));
        assertThat(r.firstViolations()).anyMatch(v -> v.contains("hypercalls counted"))
                .anyMatch(v -> v.contains("changed counters other than refusals"));
    }
}
