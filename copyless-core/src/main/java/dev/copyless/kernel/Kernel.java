package dev.copyless.kernel;

import dev.copyless.clock.CostModel;
import dev.copyless.clock.Engine;
import dev.copyless.host.GfnLocations;
import dev.copyless.metrics.VmStat;
import dev.copyless.mm.FrameOwner;
import dev.copyless.swap.SwapDevice;
import dev.copyless.swap.SwapFaults;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The simulated kernel's common ground: what the kernel keeps in globals and {@code pg_data_t}
 * ({@code NODE_DATA(n)}, {@code swap_info[]}, {@code vm_event_states}, the tunables) plus the
 * per-VM location words, and one instance of each room. Each room owns its own state and
 * reaches the others through this hub, as mm/'s files call each other's functions. Built
 * once by {@link SimulatedHost}; single-threaded like the rest of the simulated host.
 */
final class Kernel {
    final HostNode[] nodes;
    final SwapDevice[] swaps;
    final CostModel cost;
    final VmStat stat;
    final Engine engine;
    final HostConfig config;
    final PageStore store;
    final SwapFaults faults;

    private final List<GfnLocations> vms = new ArrayList<>();
    /** The operation contexts in use, innermost last ({@link #enter}, {@link #exit}). */
    private Op[] ops = new Op[0];
    private int depth;
    private boolean[] holdBack = new boolean[0];

    final PageAlloc alloc;
    final Vmscan vmscan;
    final PageIo io;
    final SwapState swap;
    final MemoryTiers tiers;
    final NumaTiering tiering;
    final Migrate migrate;
    final Memory memory;
    final MemoryFailure failure;
    final ContentShadow shadow;

    Kernel(HostNode[] nodes, SwapDevice[] swaps, CostModel cost, VmStat stat, Engine engine, HostConfig config,
           PageStore store, SwapFaults faults) {
        this.nodes = nodes;
        this.swaps = swaps;
        this.cost = cost;
        this.stat = stat;
        this.engine = engine;
        this.config = config;
        this.store = store;
        this.faults = faults;
        this.alloc = new PageAlloc(this);
        this.vmscan = new Vmscan(this);
        this.io = new PageIo(this);
        this.swap = new SwapState(this);
        this.tiers = new MemoryTiers(this);
        this.tiering = new NumaTiering(this);
        this.migrate = new Migrate(this);
        this.memory = new Memory(this);
        this.failure = new MemoryFailure(this);
        this.shadow = new ContentShadow(store);
    }

    /**
     * An operation context for a new (possibly nested) operation: no time yet, {@code isolated}
     * kept from reclaim, reads under {@code plug}. Give it back with {@link #exit} when the
     * operation returns (or throws).
     */
    Op enter(long isolated, BlkPlug plug) {
        if (depth == ops.length) {
            ops = Arrays.copyOf(ops, depth + 4);
            for (int i = depth; i < ops.length; i++) {
                ops[i] = new Op();
            }
        }
        return ops[depth++].reset(isolated, plug);
    }

    /** An operation context with nothing isolated and no plug. */
    Op enter() {
        return enter(FrameOwner.FREE, null);
    }

    /** Gives back the innermost operation context. */
    void exit(Op op) {
        if (depth == 0 || ops[depth - 1] != op) {
            throw new IllegalStateException("operation contexts given back out of order");
        }
        depth--;
    }

    /** Adds a VM's location words; returns its id. */
    int addVm(GfnLocations locations) {
        int vm = vms.size();
        vms.add(locations);
        holdBack = Arrays.copyOf(holdBack, vm + 1);
        shadow.addVm(locations.gfns());
        swap.addVm(locations.layout().vnodes());
        return vm;
    }

    int vmCount() {
        return vms.size();
    }

    GfnLocations vm(int vm) {
        return vms.get(vm);
    }

    boolean holdBack(int vm) {
        return holdBack[vm];
    }

    void setHoldBack(int vm, boolean on) {
        holdBack[vm] = on;
    }
}
