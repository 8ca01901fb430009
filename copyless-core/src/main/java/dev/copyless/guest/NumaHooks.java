package dev.copyless.guest;

/**
 * Where the guest's scheduler and fault path call into automatic NUMA balancing, as Linux's
 * {@code task_tick_numa} / {@code task_numa_work} and the NUMA hinting fault
 * {@code do_numa_page} do: the vCPU calls these hooks; the balancer
 * ({@code dev.copyless.balancer.NumaBalancer}) implements them with its policy (none, naive,
 * copyless). The guest code depends only on this interface.
 */
public interface NumaHooks {
    /** {@code task_numa_work}: scan the task's next window of PTEs; returns virtual ns spent. */
    long taskNumaWork(Task t, long now);

    /** {@code do_numa_page}: a hinting fault on {@code gvpn} by task {@code t} on {@code cpu}; returns virtual ns spent. */
    long doNumaPage(Vcpu cpu, Task t, int gvpn);

    /** Completes the vCPU's pending migrations (a batch waiting for its hypercall); returns virtual ns spent. */
    long flush(Vcpu cpu);
}
