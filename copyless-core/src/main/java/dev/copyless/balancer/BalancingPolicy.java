package dev.copyless.balancer;

import dev.copyless.guest.Vcpu;
import dev.copyless.mm.MigrationOrder;
import dev.copyless.scenario.Scenario;
import java.util.List;

/**
 * How the guest carries out a balancing migration once {@link NumaBalancer} has decided
 * that a page must move to another vNode. The decision logic is shared; only this step
 * differs, so a comparison isolates the mechanism.
 */
public sealed interface BalancingPolicy permits NoBalancing, NaiveBalancing, CopylessBalancing {

    /** Key of {@link NoBalancing}: {@code numa_balancing=0}, the baseline. */
    String NONE = "none";

    /** Key of {@link NaiveBalancing}: today's guest, which copies a page the host had moved. */
    String NAIVE = "naive";

    /**
     * Key of {@link CopylessBalancing} without hold-back: the invention's guest (list inspection,
     * hypercall, either order; claims 1-11), the host's readahead and promotion as under naive.
     */
    String COPYLESS = "copyless";

    /**
     * Key of {@link CopylessBalancing} with hold-back (claim 12 added): the host also keeps the
     * VM's listed pages off their source node until the guest asks. Its own policy, so that the
     * saving of the hypercall and that of hold-back are reported apart.
     */
    String COPYLESS_HOLDBACK = "copyless-holdback";

    /**
     * Every policy's key, in the order a comparison runs and prints them (the columns of
     * {@code copyless compare}, the objects of its JSON). The one list of policies: commands,
     * grids and reports take it from here.
     */
    List<String> KEYS = List.of(NONE, NAIVE, COPYLESS, COPYLESS_HOLDBACK);

    /** The keys as a comma-separated list, for a command-line default ({@code none,naive,copyless,copyless-holdback}). */
    String KEYS_CSV = NONE + "," + NAIVE + "," + COPYLESS + "," + COPYLESS_HOLDBACK;

    /** The keys as words for a message: {@code none, naive, copyless or copyless-holdback}. */
    String KEYS_TEXT = NONE + ", " + NAIVE + ", " + COPYLESS + " or " + COPYLESS_HOLDBACK;

    /**
     * The policy every ratio is taken against: {@code copyless/naive} and
     * {@code copyless-holdback/naive} in tables, reports and the {@code --seeds} statistics.
     */
    String RATIO_BASE = NAIVE;

    /** The policies compared with {@link #RATIO_BASE}, in column order. */
    List<String> RATIO_KEYS = List.of(COPYLESS, COPYLESS_HOLDBACK);

    /** The policy's name in scenarios, tables and JSON: one of {@link #KEYS}. */
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

    /**
     * The policy {@code key} with a scenario's copyless options (order, batch). The key alone
     * decides hold-back: on for {@link #COPYLESS_HOLDBACK}, off for every other policy.
     */
    static BalancingPolicy of(String key, Scenario.Copyless c) {
        return of(key, MigrationOrder.fromKey(c.order()), c.batch());
    }

    /** The policy {@code key} with the copyless order and pages per hypercall; the key decides hold-back. */
    static BalancingPolicy of(String key, MigrationOrder order, int batch) {
        return switch (key) {
            case NONE -> new NoBalancing();
            case NAIVE -> new NaiveBalancing();
            case COPYLESS -> new CopylessBalancing(order, false, batch);
            case COPYLESS_HOLDBACK -> new CopylessBalancing(order, true, batch);
            default -> throw new IllegalArgumentException("unknown policy '" + key + "'; expected " + KEYS_TEXT);
        };
    }

    /** Whether {@code key} names a policy (one of {@link #KEYS}). */
    static boolean isKey(String key) {
        return KEYS.contains(key);
    }
}
