package dev.copyless.kernel;

import dev.copyless.clock.Agent;

/**
 * Proactive demotion of cold guest pages to a lower memory tier, like DAMON's DAMOS
 * {@code migrate_cold} action: every period it runs {@link MemoryTiers#demotionPeriod}. Off
 * unless the scenario configures targets ({@link SimulatedHost#demotionAgent}).
 */
public final class DemotionAgent extends Agent {
    private final MemoryTiers tiers;
    private final long interval;

    DemotionAgent(MemoryTiers tiers, long interval) {
        this.tiers = tiers;
        this.interval = interval;
    }

    @Override
    public String name() {
        return "demotion";
    }

    @Override
    public long doWork(long now) {
        tiers.demotionPeriod();
        return now + interval;
    }
}
