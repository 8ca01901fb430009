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
 * (the first task to the next vNode every time, so it keeps coming back) and {@code none}.
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
        if (!tasks.isEmpty() && vm.vnodes() > 1 && now > 0 && !"none".equals(pattern)) {
            Task t = random ? tasks.get(rng.nextInt(tasks.size()))
                    : "pingpong".equals(pattern) ? tasks.get(0) : tasks.get(next++ % tasks.size());
            int from = t.vnode();
            int to = random ? (from + 1 + rng.nextInt(vm.vnodes() - 1)) % vm.vnodes() : (from + 1) % vm.vnodes();
            Vcpu target = leastLoaded(to);
            if (target != null) {
                target.enqueue(t);
                stat.inc(Counter.TASK_MOVES);
            }
        }
        return now + intervalNs;
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
