package dev.copyless.kernel;

import dev.copyless.clock.CostModel;
import dev.copyless.clock.Engine;
import dev.copyless.host.GfnLocations;
import dev.copyless.metrics.VmStat;
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
    private boolean[] holdBack = new boolean[0];

    final PageAlloc alloc;
    final Vmscan vmscan;
    final PageIo io;
    final SwapState swap;
    final MemoryTiers tiers;
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
        this.migrate = new Migrate(this);
        this.memory = new Memory(this);
        this.failure = new MemoryFailure(this);
        this.shadow = new ContentShadow(store);
    }

    /** Adds a VM's location words; returns its id. */
    int addVm(GfnLocations locations) {
        int vm = vms.size();
        vms.add(locations);
        holdBack = Arrays.copyOf(holdBack, vm + 1);
        shadow.addVm(locations.gfns());
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
