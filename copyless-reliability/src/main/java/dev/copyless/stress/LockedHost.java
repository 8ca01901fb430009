package dev.copyless.stress;

import dev.copyless.host.HostMemory;
import dev.copyless.host.MmuNotifier;
import dev.copyless.host.Verification;
import dev.copyless.mm.MigrationOrder;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * A {@link HostMemory} whose every operation holds one lock: the host side of a run on real
 * threads ({@link ConcurrentRun}). The lock plays the part of the host mm's locks around a
 * page's state change (the page lock, the PTL, {@code swap_info} locks): host reclaim,
 * demotion, guest faults and hypercalls each see a page in one state and leave it in one
 * state. It also makes the {@link MmuNotifier}, and so the moved-page list, single-writer, as
 * {@link dev.copyless.hypervisor.MovedPageList} requires; the list's readers take no lock.
 *
 * <p>{@link #stateArray} is null: a vCPU thread must not read location words behind the lock.
 */
public final class LockedHost implements HostMemory {
    private final HostMemory delegate;
    private final ReentrantLock lock = new ReentrantLock();

    public LockedHost(HostMemory delegate) {
        this.delegate = delegate;
    }

    /** The host being guarded (read it only while holding {@link #lock()}). */
    public HostMemory delegate() {
        return delegate;
    }

    /** The host lock; a guest lock, when held too, is always taken first. */
    public ReentrantLock lock() {
        return lock;
    }

    private long locked(LongSupplier op) {
        lock.lock();
        try {
            return op.getAsLong();
        } finally {
            lock.unlock();
        }
    }

    private void locked(Runnable op) {
        lock.lock();
        try {
            op.run();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public int nodeCount() {
        return delegate.nodeCount();
    }

    @Override
    public int registerVm(int gfns, int[] vnodeStart, int[] vnodeNode, MmuNotifier notifier) {
        return (int) locked(() -> delegate.registerVm(gfns, vnodeStart, vnodeNode, notifier));
    }

    @Override
    public void setHoldBack(int vm, boolean holdBack) {
        locked(() -> delegate.setHoldBack(vm, holdBack));
    }

    @Override
    public long locate(int vm, int gfn) {
        return locked(() -> delegate.locate(vm, gfn));
    }

    @Override
    public int pinnedNode(int vm, int gfn) {
        return delegate.pinnedNode(vm, gfn); // fixed at registration
    }

    @Override
    public boolean isMoved(int vm, int gfn) {
        return locked(() -> delegate.isMoved(vm, gfn) ? 1 : 0) != 0;
    }

    @Override
    public long touch(int vm, int gfn, int cpuNode) {
        return locked(() -> delegate.touch(vm, gfn, cpuNode));
    }

    @Override
    public long touch(int vm, int gfn, int cpuNode, boolean write) {
        return locked(() -> delegate.touch(vm, gfn, cpuNode, write));
    }

    @Override
    public long copy(int vm, int srcGfn, int dstGfn) {
        return locked(() -> delegate.copy(vm, srcGfn, dstGfn));
    }

    @Override
    public long migrate(int vm, int srcGfn, int dstGfn, MigrationOrder order) {
        return locked(() -> delegate.migrate(vm, srcGfn, dstGfn, order));
    }

    @Override
    public long migratePages(int vm, int[] srcGfn, int[] dstGfn, int count, MigrationOrder order, int[] status) {
        return locked(() -> delegate.migratePages(vm, srcGfn, dstGfn, count, order, status));
    }

    @Override
    public long populate(int vm, int gfn) {
        return locked(() -> delegate.populate(vm, gfn));
    }

    @Override
    public long pageOut(int vm, int gfn) {
        return locked(() -> delegate.pageOut(vm, gfn));
    }

    @Override
    public long demote(int vm, int gfn, int node) {
        return locked(() -> delegate.demote(vm, gfn, node));
    }

    @Override
    public void discard(int vm, int gfn) {
        locked(() -> delegate.discard(vm, gfn));
    }

    @Override
    public Verification verifyAll() {
        lock.lock();
        try {
            return delegate.verifyAll();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void gauges(Map<String, Long> out) {
        locked(() -> delegate.gauges(out));
    }

    @Override
    public void close() {
        locked(delegate::close);
    }
}
