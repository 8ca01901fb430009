package dev.copyless.testkit;

import dev.copyless.host.HostMemory;
import dev.copyless.host.MmuNotifier;
import dev.copyless.host.Verification;
import dev.copyless.kernel.SimulatedHost;
import dev.copyless.metrics.Counter;
import dev.copyless.metrics.VmStat;
import dev.copyless.mm.MigrationOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A {@link HostMemory} that forwards everything to a {@link SimulatedHost} and records what the
 * hypervisor and the guest balancer asked of it: every migration request (with the source pages'
 * location words and moved state at the time of the request), every guest page copy, and every
 * MMU notification with a snapshot of the counters at that instant (so tests can see the order of
 * data movements and mapping changes). Can also drop notifications, to simulate a lost MMU
 * notifier callback.
 */
public final class RecordingHost implements HostMemory {

    /** One {@code migratePages} call as the host received it. */
    public record MigrateCall(int vm, int[] src, int[] dst, MigrationOrder order, long[] srcWordBefore,
                       boolean[] srcMovedBefore, int[] statusAfter) {}

    /** One guest page copy. */
    public record CopyCall(int vm, int src, int dst, boolean srcMovedBefore) {}

    /** One MMU notification, with the counters and per-node free frames at that instant. */
    public record Notification(int vm, int gfn, long word, boolean moved, long[] counters, int[] freeFrames) {
        public long counter(Counter c) {
            return counters[c.ordinal()];
        }
    }

    public final SimulatedHost delegate;
    private final VmStat stat;
    public final List<MigrateCall> migrations = new ArrayList<>();
    public final List<CopyCall> copies = new ArrayList<>();
    public final List<Notification> notifications = new ArrayList<>();
    public boolean dropNotifications;

    public RecordingHost(SimulatedHost delegate, VmStat stat) {
        this.delegate = delegate;
        this.stat = stat;
    }

    @Override
    public int nodeCount() {
        return delegate.nodeCount();
    }

    @Override
    public int registerVm(int gfns, int[] vnodeStart, int[] vnodeNode, MmuNotifier notifier) {
        int[] vmId = new int[1];
        vmId[0] = delegate.registerVm(gfns, vnodeStart, vnodeNode, (gfn, word, moved) -> {
            int[] free = new int[delegate.nodeCount()];
            for (int n = 0; n < free.length; n++) {
                free[n] = delegate.node(n).freeFrames();
            }
            notifications.add(new Notification(vmId[0], gfn, word, moved, stat.snapshot(), free));
            if (!dropNotifications) {
                notifier.locationChanged(gfn, word, moved);
            }
        });
        return vmId[0];
    }

    @Override
    public void setHoldBack(int vm, boolean holdBack) {
        delegate.setHoldBack(vm, holdBack);
    }

    @Override
    public long locate(int vm, int gfn) {
        return delegate.locate(vm, gfn);
    }

    @Override
    public int pinnedNode(int vm, int gfn) {
        return delegate.pinnedNode(vm, gfn);
    }

    @Override
    public boolean isMoved(int vm, int gfn) {
        return delegate.isMoved(vm, gfn);
    }

    @Override
    public long touch(int vm, int gfn, int cpuNode) {
        return delegate.touch(vm, gfn, cpuNode);
    }

    @Override
    public long touch(int vm, int gfn, int cpuNode, boolean write) {
        return delegate.touch(vm, gfn, cpuNode, write);
    }

    @Override
    public long copy(int vm, int srcGfn, int dstGfn) {
        copies.add(new CopyCall(vm, srcGfn, dstGfn, delegate.isMoved(vm, srcGfn)));
        return delegate.copy(vm, srcGfn, dstGfn);
    }

    @Override
    public long migrate(int vm, int srcGfn, int dstGfn, MigrationOrder order) {
        int[] status = new int[1];
        long ns = migratePages(vm, new int[] {srcGfn}, new int[] {dstGfn}, 1, order, status);
        return status[0] < 0 ? status[0] : ns;
    }

    @Override
    public long migratePages(int vm, int[] srcGfn, int[] dstGfn, int count, MigrationOrder order, int[] status) {
        long[] words = new long[count];
        boolean[] moved = new boolean[count];
        for (int i = 0; i < count; i++) {
            if (srcGfn[i] >= 0 && srcGfn[i] < delegate.stateArray(vm).length) {
                words[i] = delegate.locate(vm, srcGfn[i]);
                moved[i] = delegate.isMoved(vm, srcGfn[i]);
            }
        }
        long ns = delegate.migratePages(vm, srcGfn, dstGfn, count, order, status);
        migrations.add(new MigrateCall(vm, Arrays.copyOf(srcGfn, count), Arrays.copyOf(dstGfn, count), order,
                words, moved, Arrays.copyOf(status, count)));
        return ns;
    }

    @Override
    public long populate(int vm, int gfn) {
        return delegate.populate(vm, gfn);
    }

    @Override
    public long pageOut(int vm, int gfn) {
        return delegate.pageOut(vm, gfn);
    }

    @Override
    public long demote(int vm, int gfn, int node) {
        return delegate.demote(vm, gfn, node);
    }

    @Override
    public void discard(int vm, int gfn) {
        delegate.discard(vm, gfn);
    }

    @Override
    public Verification verifyAll() {
        return delegate.verifyAll();
    }
}
