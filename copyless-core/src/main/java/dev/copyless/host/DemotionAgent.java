package dev.copyless.host;

import dev.copyless.sim.Agent;

/**
 * Proactive demotion of cold guest pages to a lower memory tier, like DAMON's DAMOS
 * {@code migrate_cold} action: every period it scans a batch of frames on each node that
 * has a demotion target and moves pages not accessed since the last pass. Off unless the
 * scenario configures targets. A demoted page's new source location is a physical memory
 * node (claim 1).
 */
public final class DemotionAgent extends Agent {
    private final SimulatedHost host;

    public DemotionAgent(SimulatedHost host) {
        this.host = host;
    }

    @Override
    public String name() {
        return "demotion";
    }

    @Override
    public long doWork(long now) {
        HostConfig c = host.config();
        for (int n = 0; n < host.nodeCount(); n++) {
            host.demotionPass(host.node(n), c.demotionBatch());
        }
        return now + c.demotionInterval();
    }
}
