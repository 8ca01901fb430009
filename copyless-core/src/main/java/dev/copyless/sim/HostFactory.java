package dev.copyless.sim;

import dev.copyless.clock.CostModel;
import dev.copyless.clock.Engine;
import dev.copyless.host.HostMemory;
import dev.copyless.metrics.VmStat;
import dev.copyless.scenario.Scenario;

/**
 * Builds the host a {@link Simulation} runs on: the backend behind the {@link HostMemory}
 * seam. {@link #SIMULATED} is the embedded default (the {@link dev.copyless.kernel.SimulatedHost}
 * with its kswapd and demotion agents); the Linux backend ({@code dev.copyless.linux.LinuxBackend})
 * maps guest RAM in real memory and uses the kernel's swap. Guest, balancer and hypervisor
 * code are the same for every backend.
 */
@FunctionalInterface
public interface HostFactory {
    /**
     * Builds the host for one run of {@code s}. The host may wake its own agents (reclaim,
     * demotion, rescans) on {@code engine}; it counts into {@code stat}.
     */
    HostMemory create(Scenario s, CostModel cost, VmStat stat, Engine engine);

    /** The simulated host of the scenario's {@code host:} section (deterministic, virtual time). */
    HostFactory SIMULATED = Simulation::simulatedHost;
}
