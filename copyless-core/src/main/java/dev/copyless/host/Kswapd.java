package dev.copyless.host;

import dev.copyless.sim.Agent;

/**
 * The per-node reclaim daemon: woken when an allocation leaves its node below the low
 * watermark, it reclaims {@code SWAP_CLUSTER_MAX}-page batches (clock scan over accessed
 * bits, write to swap or demote) until the node is above the high watermark, then sleeps.
 * Acts on its own: guests are not told (the first migration of claim 1 / claim 11).
 */
public final class Kswapd extends Agent {
    private final SimulatedHost host;
    private final HostNode node;

    Kswapd(SimulatedHost host, HostNode node) {
        this.host = host;
        this.node = node;
    }

    @Override
    public String name() {
        return "kswapd" + node.id();
    }

    @Override
    public long doWork(long now) {
        long ns = host.kswapdBatch(node);
        return ns < 0 ? SLEEP : now + ns;
    }
}
