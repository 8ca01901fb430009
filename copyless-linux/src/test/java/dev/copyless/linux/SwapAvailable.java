package dev.copyless.linux;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Optional;

/** Test helper: skips a test, with the reason, when this process cannot use swap for real. */
final class SwapAvailable {
    private static final Optional<String> REASON = LinuxHost.swapUnusableReason();

    private SwapAvailable() {}

    static void assume() {
        assumeTrue(REASON.isEmpty(), () -> "skipped: " + REASON.orElse(""));
    }
}
