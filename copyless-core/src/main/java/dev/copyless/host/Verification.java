package dev.copyless.host;

import java.util.List;

/**
 * The result of {@link SimulatedHost#verifyAll()}: how many backed gfns (resident, swapped or
 * poisoned) there are, how many were read back and found to hold exactly their own page, and
 * every gfn that was not, with the reason. In real-bytes mode
 * {@code verified + lost.size() == backed}; in the model ({@code realBytes} false) nothing is
 * read, {@code verified} is 0 and {@code lost} lists the losses the model knows of.
 */
public record Verification(boolean realBytes, long backed, long verified, List<LostPage> lost) {

    /**
     * A gfn whose data is not there, and why (a poisoned entry's cause, or what the bytes hold
     * instead). {@code detected}: the loss was declared (a poisoned entry) or would be caught
     * by the swap slot's checksum before any data reached the guest; a loss that is not
     * detected is silently wrong data, which must never happen.
     */
    public record LostPage(int vm, int gfn, String reason, boolean detected) {
        @Override
        public String toString() {
            return "vm " + vm + " gfn " + gfn + ": " + reason;
        }
    }

    public long pagesLost() {
        return lost.size();
    }

    /** Lost pages that nothing would have caught: wrong bytes that a guest would have read as its own. */
    public long silentlyLost() {
        return lost.stream().filter(p -> !p.detected()).count();
    }
}
