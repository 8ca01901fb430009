package dev.copyless.sweep;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.copyless.scenario.ScenarioException;
import java.util.ArrayList;
import java.util.List;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Hostile and careless grids: each refused in one line naming the key, before any point is
 * enumerated: a point count past the limit, however large (no 64-bit wrap), a key given twice,
 * empty or repeated lists, and fractions for whole-number parameters.
 */
class SweepGridTest {
    private static AbstractThrowableAssert<?, ? extends Throwable> refuses(String grid) {
        return assertThatThrownBy(() -> SweepGrid.parse(grid, "g.yaml", null)).isInstanceOf(ScenarioException.class)
                .hasMessageStartingWith("g.yaml: ").satisfies(t -> assertThat(t.getMessage()).doesNotContain("\n"));
    }

    /** 8 parameters of 256 values: 2^64 points, which a 64-bit product wraps to 0. */
    @Test
    @Timeout(10)
    void aGridOfTwoToTheSixtyFourPointsIsRefusedWithItsTrueCount() {
        StringBuilder g = new StringBuilder("parameters:\n");
        for (String name : SweepParameters.NAMES.subList(0, 8)) {
            List<String> values = new ArrayList<>();
            for (int i = 0; i < 256; i++) {
                values.add("v" + i);
            }
            g.append("  ").append(name).append(": [").append(String.join(", ", values)).append("]\n");
        }
        refuses(g.toString()).hasMessageContaining("the grid has 18,446,744,073,709,551,616 points (1 seed(s) x 256 memory-pressure")
                .hasMessageContaining("at most 100,000");
    }

    @Test
    void justOverTheLimitIsRefusedAndTheLimitItselfCounts() {
        StringBuilder seeds = new StringBuilder();
        for (int i = 0; i < 1001; i++) {
            seeds.append(i == 0 ? "" : ", ").append(i);
        }
        StringBuilder values = new StringBuilder();
        for (int i = 0; i < 100; i++) {
            values.append(i == 0 ? "" : ", ").append(1 + i);
        }
        refuses("seeds: [" + seeds + "]\nparameters:\n  fault-around: [" + values + "]\n")
                .hasMessageContaining("100,100 points");
    }

    @Test
    void aKeyGivenTwiceIsRefused() {
        refuses("seeds: [1]\nparameters:\n  vms: [1, 2]\nseeds: [2]\n").hasMessageContaining("key 'seeds' given twice in one mapping");
        refuses("parameters:\n  vms: [1, 2]\n  vms: [3]\n").hasMessageContaining("key 'vms' given twice in one mapping");
    }

    @Test
    void emptyListsAreRefused() {
        refuses("seeds: []\nparameters:\n  vms: [1, 2]\n").hasMessage("g.yaml: seeds: expected a non-empty list of seeds"
                + " such as [42, 43], got []");
        refuses("policies: []\nparameters:\n  vms: [1, 2]\n").hasMessage("g.yaml: policies: expected a non-empty list of"
                + " none, naive or copyless, got []");
        refuses("parameters:\n  policy: []\n  vms: [1, 2]\n").hasMessageContaining("parameters.policy");
        refuses("parameters:\n  vms: []\n").hasMessageContaining("parameters.vms: expected a non-empty list");
    }

    @Test
    void aValueListedTwiceIsRefused() {
        refuses("policies: [naive, naive]\nparameters:\n  vms: [1, 2]\n")
                .hasMessage("g.yaml: policies: 'naive' is listed twice; list each value once");
        refuses("seeds: [4, 4]\nparameters:\n  vms: [1, 2]\n").hasMessageContaining("seeds: '4' is listed twice");
        refuses("parameters:\n  vms: [1, 1]\n").hasMessageContaining("parameters.vms: '1' is listed twice");
    }

    @Test
    void fractionsForWholeNumberParametersAreRefusedNotTruncated() {
        refuses("parameters:\n  vms: [1.5]\n").hasMessage("g.yaml: parameters.vms: expected a whole number between 1 and 64,"
                + " got '1.5'");
        refuses("parameters:\n  fault-around: [2.25]\n").hasMessageContaining("parameters.fault-around: expected a whole number");
        assertThat(SweepGrid.parse("parameters:\n  vms: [2.0]\n", "g.yaml", null).points()).hasSize(1);
    }

    @Test
    void seedsMustBeWholeNumbersAndTheBaseAName() {
        refuses("seeds: [1.5]\nparameters:\n  vms: [1]\n").hasMessageContaining("seeds: expected whole numbers");
        refuses("base: {a: 1}\nparameters:\n  vms: [1]\n").hasMessageContaining("base: expected 'default' or the path");
    }
}
