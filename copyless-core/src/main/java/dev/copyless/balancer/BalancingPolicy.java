package dev.copyless.balancer;

import dev.copyless.guest.Vcpu;
import dev.copyless.mm.MigrationOrder;
import dev.copyless.scenario.Scenario;

/**
 * How the guest carries out a balancing migration once {@link NumaBalancer} has decided
 * that a page must move to another vNode. The decision logic is shared; only this step
 * differs, so a comparison isolates the mechanism.
 */
public sealed interface BalancingPolicy permits NoBalancing, NaiveBalancing, CopylessBalancing {

    /** The policy's name in scenarios, tables and JSON: {@code none}, {@code naive}, {@code copyless}. */
    String key();

    /** Whether the NUMA scanner runs at all ({@code numa_balancing} enabled). */
    boolean scans();

    /** Whether the host should hold this VM's moved pages back from their source node (claim 12). */
    boolean holdBack();

    /**
     * Migrates the page mapped at {@code gvpn} (gfn {@code srcGfn}) to {@code dstVnode},
     * called from a hinting fault on {@code cpu}.
     *
     * @return virtual nanoseconds the faulting vCPU spent
     */
    long migrate(NumaBalancer b, Vcpu cpu, int gvpn, int srcGfn, int dstVnode);

    /** Completes any migration this vCPU has left pending (end of quantum, touch of a pending page). */
    long flush(NumaBalancer b, Vcpu cpu);

    /** The policy {@code key} with a scenario's copyless options (order, hold-back, batch). */
    static BalancingPolicy of(String key, Scenario.Copyless c) {
        return of(key, MigrationOrder.fromKey(c.order()), c.holdBack(), c.batch());
    }

    static BalancingPolicy of(String key, MigrationOrder order, boolean holdBack, int batch) {
        return switch (key) {
            case "none" -> new NoBalancing();
            case "naive" -> new NaiveBalancing();
            case "copyless" -> new CopylessBalancing(order, holdBack, batch);
            default -> throw new IllegalArgumentException("unknown policy '" + key + "'; expected none, naive or copyless");
        };
    }
}
