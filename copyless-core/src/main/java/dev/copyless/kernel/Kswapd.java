package dev.copyless.kernel;

import dev.copyless.clock.Agent;

/**
 * The per-node reclaim daemon: woken when an allocation leaves its node below the low
 * watermark, it reclaims {@code SWAP_CLUSTER_MAX}-page batches ({@link Vmscan#kswapdBatch})
 * until the node is above the high watermark, then sleeps. Acts on its own: guests are not
 * told (the first migration of claim 1 / claim 11).
 */
final class Kswapd extends Agent {
    private final Vmscan vmscan;
    private final HostNode node;

    Kswapd(Vmscan vmscan, HostNode node) {
        this.vmscan = vmscan;
        this.node = node;
    }

    @Override
    public String name() {
        return "kswapd" + node.id();
    }

    @Override
    public long doWork(long now) {
        long ns = vmscan.kswapdBatch(node);
        return ns < 0 ? SLEEP : now + ns;
    }
}
