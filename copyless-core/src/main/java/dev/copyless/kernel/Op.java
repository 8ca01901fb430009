package dev.copyless.kernel;

import dev.copyless.mm.FrameOwner;

/**
 * The context of one host operation in progress, passed down the call chain as a value (the
 * simulated counterpart of {@code struct vm_fault} and the reclaim caller's state): the
 * virtual nanoseconds the operation has cost so far, the page a guest copy holds isolated from
 * reclaim ({@code folio_isolate_lru}: a direct reclaim on the copy's behalf must not evict the
 * page being read), and the I/O plug a batch submits its reads under. A nested operation whose
 * time nobody waits for (asynchronous readahead) gets an {@code Op} of its own.
 */
final class Op {
    /** Nanoseconds accumulated by the operation. */
    long ns;
    /** Owner word of the page isolated from reclaim, or {@link FrameOwner#FREE}. */
    final long isolated;
    /** The batch's plug, or null when each read is waited for on its own. */
    final BlkPlug plug;

    Op(long isolated, BlkPlug plug) {
        this.isolated = isolated;
        this.plug = plug;
    }

    /** An operation with nothing isolated and no plug. */
    static Op plain() {
        return new Op(FrameOwner.FREE, null);
    }
}
