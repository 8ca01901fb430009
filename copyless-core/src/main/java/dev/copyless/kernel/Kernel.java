package dev.copyless.kernel;

import dev.copyless.clock.CostModel;
import dev.copyless.clock.Engine;
import dev.copyless.host.GfnLocations;
import dev.copyless.metrics.VmStat;
import dev.copyless.mm.FrameOwner;
import dev.copyless.mm.HostGfns;
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
    /** Every VM's gfns in one index space: the owners of frames and slots are kept as its indexes. */
    final HostGfns gfns = new HostGfns();
    /** The operation contexts in use, innermost last ({@link #enter}, {@link #exit}). */
    private Op[] ops = new Op[0];
    private int depth;
    /** The engine's time when the outermost operation in progress began. */
    private long base;
    private boolean[] holdBack = new boolean[0];

    final Interconnect links;
    final BlockLayer block;
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
        for (HostNode n : nodes) {
            n.ownerTable().useGfns(gfns);
        }
        for (SwapDevice d : swaps) {
            d.useGfns(gfns);
        }
        this.links = new Interconnect(nodes.length, config.linkBytesPerSecond(), stat);
        this.block = new BlockLayer(swaps, links, stat);
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
        if (depth == 0) {
            base = engine.now();
        }
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

    /**
     * Gives back the innermost operation context. When the outermost one ends, the engine's
     * clock moves to the time it reached ({@link Engine#advanceTo}, never backwards), so the
     * next operation of the same agent is submitted after this one, not beside it, to the
     * device queues and links.
     */
    void exit(Op op) {
        if (depth == 0 || ops[depth - 1] != op) {
            throw new IllegalStateException("operation contexts given back out of order");
        }
        depth--;
        if (depth == 0) {
            engine.advanceTo(base + op.ns);
        }
    }

    /**
     * The virtual time the innermost operation in progress has reached: the engine's time when
     * the outermost one began plus the time every operation on the stack has accumulated (an
     * operation's time is its own until it returns it to its caller). Outside any operation, the
     * engine's time. The time at which I/O is submitted to the {@link BlockLayer} and transfers
     * ask for the {@link Interconnect}.
     */
    long now() {
        if (depth == 0) {
            return engine.now();
        }
        long t = base;
        for (int i = 0; i < depth; i++) {
            t += ops[i].ns;
        }
        return t;
    }

    /** Adds a VM's location words; returns its id. */
    int addVm(GfnLocations locations) {
        int vm = vms.size();
        gfns.register(locations.gfns());
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
