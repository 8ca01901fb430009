package dev.copyless.linux;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Optional;

/** Test helper: skips a test, with the reason, when this process cannot use swap (or UFFDIO_MOVE) for real. */
final class SwapAvailable {
    private static final Optional<String> REASON = LinuxHost.swapUnusableReason();

    private SwapAvailable() {}

    static void assume() {
        assumeTrue(REASON.isEmpty(), () -> "skipped: " + REASON.orElse(""));
    }

    /** Skips unless this kernel offers UFFDIO_MOVE to this process (Linux 6.8 and later; root or unprivileged userfaultfd). */
    static void assumeUffdioMove() {
        Optional<String> why = Userfaultfd.moveUnavailableReason();
        assumeTrue(why.isEmpty(), () -> "skipped: UFFDIO_MOVE is not usable here: " + why.orElse(""));
    }

    /** Skips unless both swap and UFFDIO_MOVE are usable. */
    static void assumeSwapAndUffdioMove() {
        assume();
        assumeUffdioMove();
    }
}
