package dev.copyless.kernel;

import dev.copyless.mm.FrameOwner;

/**
 * The context of one host operation in progress, passed down the call chain as an explicit
 * argument (the simulated counterpart of {@code struct vm_fault} and the reclaim caller's
 * state): the virtual nanoseconds the operation has cost so far, the page a guest copy holds
 * isolated from reclaim ({@code folio_isolate_lru}: a direct reclaim on the copy's behalf must
 * not evict the page being read), and the I/O plug a batch submits its reads under. A nested
 * operation whose time nobody waits for (asynchronous readahead, a reclaim pass's writes) gets
 * an {@code Op} of its own.
 *
 * <p>Ops are handed out by {@link Kernel#enter} and given back by {@link Kernel#exit} in
 * last-in, first-out order, so the access path allocates nothing; no callee ever reads an
 * {@code Op} it was not passed.
 */
final class Op {
    /** Nanoseconds accumulated by the operation. */
    long ns;
    /** Owner word of the page isolated from reclaim, or {@link FrameOwner#FREE}. */
    long isolated;
    /** The batch's plug, or null when each read is waited for on its own. */
    BlkPlug plug;

    Op reset(long isolated, BlkPlug plug) {
        this.ns = 0;
        this.isolated = isolated;
        this.plug = plug;
        return this;
    }
}
