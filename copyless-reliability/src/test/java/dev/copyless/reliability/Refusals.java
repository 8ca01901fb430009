package dev.copyless.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.copyless.hypervisor.AbiError;

/** The hypercall ABI tests' assertion that a refused call changed nothing it must not. */
final class Refusals {
    private Refusals() {}

    /**
     * Asserts that nothing but the refusal counters changed in {@code w} since {@code before},
     * and that the calling VM's last sequence number moved to {@code seq} only if the refusal
     * consumes it; then that every invariant holds.
     */
    static void assertUnchangedBy(HypercallWorld w, HypercallWorld.Snapshot before, AbiError refusal, int vm, long seq) {
        assertThat(w.refusalChanges(before, refusal, vm, seq)).as("what %s changed", refusal).isEmpty();
        w.checkInvariants();
    }
}
