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

    /**
     * {@link GuestRam#pageOutCold} until the list shows all {@code count} pages swapped (at
     * most 5 tries, 50 ms apart): the second {@code MADV_PAGEOUT} cannot drop a page whose
     * first write is still in flight, which a busy disk makes likely.
     */
    static void pageOutCold(GuestRam ram, MovedPageScanner list, int gfn, int count) {
        for (int attempt = 0; attempt < 5; attempt++) {
            ram.pageOutCold(gfn, count);
            list.scan();
            if (list.size() >= count) {
                return;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Skips unless both swap and UFFDIO_MOVE are usable. */
    static void assumeSwapAndUffdioMove() {
        assume();
        assumeUffdioMove();
    }
}
