package dev.copyless.guest;

import dev.copyless.clock.Agent;
import dev.copyless.metrics.Counter;
import dev.copyless.metrics.VmStat;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The guest scheduler's cross-node task migrations (load balancing between vNodes): every
 * interval one task moves to a vCPU on another vNode, which leaves its pages misplaced for
 * the NUMA balancer to fix. Patterns: {@code round-robin} (tasks in turn, each to the next
 * vNode), {@code random} (a random task to a random other vNode, seeded), {@code pingpong}
 * (the first task to the next vNode every time, so it keeps coming back), {@code swap} (two
 * tasks on different vNodes exchange them, so each vNode keeps its load; a lone task, or tasks
 * all on one vNode, move one at a time) and {@code none}.
 */
public final class TaskScheduler extends Agent {
    private final GuestVm vm;
    private final long intervalNs;
    private final String pattern;
    private final boolean random;
    private final SplittableRandom rng;
    private final VmStat stat;
    private int next;

    public TaskScheduler(GuestVm vm, long intervalNs, String pattern, long seed, VmStat stat) {
        this.vm = vm;
        this.intervalNs = intervalNs;
        this.pattern = pattern;
        this.random = "random".equals(pattern);
        this.rng = new SplittableRandom(seed);
        this.stat = stat;
    }

    @Override
    public String name() {
        return vm.name() + "/sched";
    }

    @Override
    public long doWork(long now) {
        List<Task> tasks = vm.tasks();
        if (tasks.isEmpty() || vm.vnodes() < 2 || now <= 0 || "none".equals(pattern)) {
            return now + intervalNs;
        }
        if ("swap".equals(pattern)) {
            if (!swapPair(tasks)) { // no two tasks on different vNodes: one moves on its own
                Task t = tasks.get(next++ % tasks.size());
                moveAlone(t, (t.vnode() + 1) % vm.vnodes());
            }
            return now + intervalNs;
        }
        Task t = random ? tasks.get(rng.nextInt(tasks.size()))
                : "pingpong".equals(pattern) ? tasks.get(0) : tasks.get(next++ % tasks.size());
        int from = t.vnode();
        moveAlone(t, random ? (from + 1 + rng.nextInt(vm.vnodes() - 1)) % vm.vnodes() : (from + 1) % vm.vnodes());
        return now + intervalNs;
    }

    /** Moves {@code t} to the least loaded vCPU of vNode {@code to} ({@code update_scan_period} on the way). */
    private void moveAlone(Task t, int to) {
        Vcpu target = leastLoaded(to);
        if (target != null) {
            t.updateScanPeriod(t.vnode(), to);
            target.enqueue(t);
            stat.inc(Counter.TASK_MOVES);
        }
    }

    /**
     * The {@code swap} pattern: the next task in turn and the first task after it that runs on
     * another vNode exchange vNodes, as the scheduler's NUMA-aware balancing swaps tasks
     * ({@code task_numa_migrate} / {@code migrate_swap}) instead of piling them on one node;
     * every vNode keeps its number of tasks, so the vCPUs stay as loaded as before.
     *
     * @return false when no two tasks run on different vNodes (one task, or all on one vNode)
     */
    private boolean swapPair(List<Task> tasks) {
        int n = tasks.size();
        for (int tried = 0; tried < n; tried++) {
            Task a = tasks.get(next++ % n);
            for (int j = 1; j < n; j++) {
                Task b = tasks.get((next - 1 + j) % n);
                int va = a.vnode();
                int vb = b.vnode();
                if (va != vb) {
                    Vcpu ca = a.vcpu;
                    Vcpu cb = b.vcpu;
                    a.updateScanPeriod(va, vb);
                    b.updateScanPeriod(vb, va);
                    cb.enqueue(a);
                    ca.enqueue(b);
                    stat.add(Counter.TASK_MOVES, 2);
                    return true;
                }
            }
        }
        return false;
    }

    private Vcpu leastLoaded(int vnode) {
        Vcpu best = null;
        for (Vcpu c : vm.vcpus()) {
            if (c.vnode() == vnode && (best == null || c.runQueue().size() < best.runQueue().size())) {
                best = c;
            }
        }
        return best;
    }
}
