package dev.copyless.kernel;

import dev.copyless.clock.CostModel;
import dev.copyless.clock.Engine;
import dev.copyless.host.GfnLocations;
import dev.copyless.host.HostMemory;
import dev.copyless.host.MmuNotifier;
import dev.copyless.host.Verification;
import dev.copyless.host.VnodeLayout;
import dev.copyless.metrics.LinkLoad;
import dev.copyless.metrics.VmStat;
import dev.copyless.mm.FrameOwner;
import dev.copyless.mm.MigrationOrder;
import dev.copyless.mm.PageState;
import dev.copyless.swap.FaultConfig;
import dev.copyless.swap.SwapDevice;
import dev.copyless.swap.SwapFaults;
import java.util.Map;

/**
 * The simulated host behind the {@link HostMemory} seam: NUMA nodes, swap devices, and a
 * kernel whose mechanisms each live in the room named after their mm/ file: frame allocation
 * and watermarks ({@link PageAlloc}), reclaim and kswapd ({@link Vmscan}), swap I/O
 * ({@link PageIo}), swap-out, swap-in and readahead ({@link SwapState}), migration in both
 * orders ({@link Migrate}), demotion ({@link MemoryTiers}), the fault paths and the guest copy
 * ({@link Memory}), lost pages ({@link MemoryFailure}) and the real-bytes content record
 * ({@link ContentShadow}). This class is the VM registry and the door: each operation is
 * handed to its room. Time is virtual: operations return the nanoseconds they cost under the
 * {@link CostModel}; kswapd and the demotion agent run on the {@link Engine}.
 *
 * <p>Implements the host machine of claims 1 and 14: it performs first migrations
 * independently of the guests (reclaim to swap, claim 11; demotion to another node, claim 1),
 * reports every location change through the VM's {@link MmuNotifier} (feeding claim 10's
 * list), carries out requested migrations from the new source location in both orders
 * (claims 2-8, 15-19), and holds moved pages back from their source node while hold-back is on
 * (claim 12).
 *
 * <p>Data: every data movement goes through a {@link PageStore}. The default
 * {@link ModelPageStore} moves nothing; in real-bytes mode ({@link OffHeapPageStore}) 4 KiB
 * really move and {@link #verifyAll()} checks that every backed gfn holds its own data. Faults:
 * a {@link SwapFaults} injector can make swap writes fail, tear or be slow and reads fail; a
 * lost page is never silently wrong (it becomes {@link PageState#POISONED}).
 *
 * <p>Single-threaded: all calls come from the engine thread (or under one lock).
 */
public final class SimulatedHost implements HostMemory {
    private final Kernel k;
    /** How often {@link #observe} samples the nodes' free frames: every 1 ms of virtual time. */
    static final long OBSERVE_EVERY_NS = 1_000_000;
    private long nextObserveNs;
    private long freeFramesSum;
    private long observations;

    /** A model host: no bytes, no faults. */
    public SimulatedHost(HostNode[] nodes, SwapDevice[] swaps, CostModel cost, VmStat stat, Engine engine,
                         HostConfig config) {
        this(nodes, swaps, cost, stat, engine, config, new ModelPageStore(), new SwapFaults(FaultConfig.NONE));
    }

    /**
     * A host whose pages live in {@code store} (it owns it and closes it in {@link #close()})
     * and whose swap I/O suffers {@code faults}.
     */
    public SimulatedHost(HostNode[] nodes, SwapDevice[] swaps, CostModel cost, VmStat stat, Engine engine,
                         HostConfig config, PageStore store, SwapFaults faults) {
        if (nodes.length > PageState.MAX_NODES || swaps.length > PageState.MAX_NODES) {
            throw new IllegalArgumentException("at most " + PageState.MAX_NODES + " nodes and swap devices");
        }
        this.k = new Kernel(nodes, swaps, cost, stat, engine, config, store, faults);
    }

    // ------------------------------------------------------------------ registry and queries

    @Override
    public int nodeCount() {
        return k.nodes.length;
    }

    public HostNode node(int id) {
        return k.nodes[id];
    }

    public SwapDevice swapDevice(int id) {
        return k.swaps[id];
    }

    /**
     * The swap cache's pairing of a slot with a frame, for the invariant checker: the frame
     * ({@code node << 32 | pfn}) caching slot {@code slot} of device {@code dev}, or -1.
     */
    public long swapCacheFrame(int dev, int slot) {
        return k.swap.frameOfSlot(dev, slot);
    }

    /** The slot ({@code dev << 32 | slot}) whose data frame {@code pfn} of {@code node} caches, or -1. */
    public long swapCacheSlot(int node, int pfn) {
        return k.swap.slotOfFrame(node, pfn);
    }

    /** One kswapd reclaim pass of up to {@code nr} pages over {@code node} ({@code shrink_node}); its nanoseconds. */
    long shrinkNode(int node, int nr) {
        return k.vmscan.shrinkNode(k.nodes[node], nr, false, FrameOwner.FREE);
    }

    /** Heap the swap cache's frame -> slot index holds now (it grows and shrinks with the swap cache), for the footprint figures. */
    public long swapCacheIndexBytes() {
        return k.swap.indexBytes();
    }

    public int swapDeviceCount() {
        return k.swaps.length;
    }

    public HostConfig config() {
        return k.config;
    }

    public int vmCount() {
        return k.vmCount();
    }

    @Override
    public int registerVm(int gfns, int[] vnodeStart, int[] vnodeNode, MmuNotifier notifier) {
        for (int n : vnodeNode) {
            if (n < 0 || n >= k.nodes.length) {
                throw new IllegalArgumentException("vNode pinned to node " + n + ", host has " + k.nodes.length);
            }
        }
        return k.addVm(new GfnLocations(new VnodeLayout(gfns, vnodeStart, vnodeNode), notifier));
    }

    @Override
    public void setHoldBack(int vm, boolean on) {
        k.setHoldBack(vm, on);
    }

    /**
     * The VM's location words, for the vCPU access fast path and the invariant checker only:
     * callers may set {@link PageState#ACCESSED} and {@link PageState#DIRTY} (a store) and nothing else.
     */
    @Override
    public long[] stateArray(int vm) {
        return k.vm(vm).words();
    }

    @Override
    public long locate(int vm, int gfn) {
        return k.vm(vm).word(gfn);
    }

    @Override
    public int pinnedNode(int vm, int gfn) {
        return k.vm(vm).pinnedNode(gfn);
    }

    @Override
    public boolean isMoved(int vm, int gfn) {
        return k.vm(vm).isMoved(gfn);
    }

    // ------------------------------------------------------------------ operations, each to its room

    @Override
    public long touch(int vm, int gfn, int cpuNode) {
        return k.memory.touch(vm, gfn, cpuNode, false);
    }

    @Override
    public long touch(int vm, int gfn, int cpuNode, boolean write) {
        return k.memory.touch(vm, gfn, cpuNode, write);
    }

    @Override
    public long copy(int vm, int srcGfn, int dstGfn) {
        return k.memory.copy(vm, srcGfn, dstGfn);
    }

    @Override
    public long migrate(int vm, int srcGfn, int dstGfn, MigrationOrder order) {
        return k.migrate.migrate(vm, srcGfn, dstGfn, order, null);
    }

    @Override
    public long migratePages(int vm, int[] srcGfn, int[] dstGfn, int count, MigrationOrder order, int[] status) {
        return k.migrate.migratePages(vm, srcGfn, dstGfn, count, order, status);
    }

    @Override
    public long populate(int vm, int gfn) {
        return k.memory.populate(vm, gfn);
    }

    @Override
    public long pageOut(int vm, int gfn) {
        return k.vmscan.pageOut(vm, gfn);
    }

    @Override
    public long demote(int vm, int gfn, int node) {
        return k.tiers.demote(vm, gfn, node);
    }

    @Override
    public void discard(int vm, int gfn) {
        k.memory.zap(vm, gfn, k.vm(vm).word(gfn));
    }

    /**
     * The host's NUMA scanner of tiering mode ({@code host.demotion.promotion: tiering}), for the
     * caller to start on the engine, or null when promotion is not in tiering mode.
     */
    public HostNumaScanner hostNumaScanner() {
        return k.tiering.enabled() ? new HostNumaScanner(k) : null;
    }

    /** Records every link transfer's busy interval into {@code load} (the run's link utilisation series). */
    public void recordLinkLoad(LinkLoad load) {
        k.links.recordInto(load);
    }

    /** The proactive demotion agent (DAMOS {@code migrate_cold}), for the caller to start on the engine. */
    public DemotionAgent demotionAgent() {
        return new DemotionAgent(k.tiers, k.config.demotionInterval());
    }

    // ------------------------------------------------------------------ content (real-bytes mode) and verification

    /** The token a gfn's bytes must hold (real-bytes mode), or {@link dev.copyless.host.PageContent#NONE}. */
    public long expectedContent(int vm, int gfn) {
        return k.shadow.expected(vm, gfn);
    }

    /** The store behind the frames and slots. */
    public PageStore pageStore() {
        return k.store;
    }

    /** Bytes moved by the store so far (copies, swap writes and reads; 0 in the model). */
    public long bytesCopied() {
        return k.store.bytesCopied();
    }

    @Override
    public Verification verifyAll() {
        return k.shadow.verifyAll(k);
    }

    /** Frees the store's memory and swap files. Idempotent. */
    @Override
    public void close() {
        k.store.close();
    }

    @Override
    public void observe(long nowNs) {
        while (nowNs >= nextObserveNs) {
            for (HostNode n : k.nodes) {
                freeFramesSum += n.freeFrames();
            }
            observations++;
            nextObserveNs += OBSERVE_EVERY_NS;
        }
    }

    @Override
    public void gauges(Map<String, Long> out) {
        out.put("host_free_pages_mean", observations == 0 ? 0 : Math.round(freeFramesSum / (double) observations));
        long used = 0;
        for (SwapDevice d : k.swaps) {
            used += d.slots() - d.freeSlots();
        }
        out.put("swap_slots_used", used);
    }
}
