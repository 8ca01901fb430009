package dev.copyless.bench;

import dev.copyless.balancer.BalancingPolicy;
import dev.copyless.metrics.Counter;
import dev.copyless.metrics.RunResult;
import dev.copyless.scenario.Scenario;
import dev.copyless.sim.Simulation;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Simulated guest accesses per second of wall-clock time: the speed of the simulator's vCPU
 * loop ({@code Vcpu.runQuantum}), which is what bounds how long a {@code copyless run} takes.
 *
 * <p>Each invocation runs one whole simulation of the scenario for its virtual duration (the
 * {@link Simulation} is built beforehand, outside the measured time: a simulation runs only
 * once). The primary score is simulation runs per second; the secondary score
 * {@code accesses} is the number of guest accesses those runs simulated (the run's
 * {@code guest_accesses} counter) per second, i.e. guest accesses per second.
 *
 * <ul>
 *   <li>{@code scenario=fits}: the tasks fit in memory, nothing is swapped; about 95% of the
 *       accesses take the fast path (present PTE, resident host word, no flag), the rest are
 *       first touches and NUMA hinting faults.</li>
 *   <li>{@code scenario=default}: the embedded default scenario under memory pressure: swap-ins
 *       (major faults), direct reclaim, kswapd, readahead and balancing migrations of moved
 *       pages, i.e. the slow paths.</li>
 * </ul>
 *
 * {@code policy} defaults to {@code copyless}; {@code -p policy=none,naive,copyless} times the
 * three runs of a {@code copyless compare}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(1)
public class GuestAccessBenchmark {
    /** {@code fits} (no swapping), {@code default} (memory pressure), or a scenario file. */
    @Param({"fits", "default"})
    public String scenario;

    /** One of {@link BalancingPolicy#KEYS}. */
    @Param({BalancingPolicy.COPYLESS})
    public String policy;

    private Scenario spec;
    private BalancingPolicy balancing;
    private Simulation sim;

    /** Guest accesses simulated: reported per second of measured time. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Accesses {
        public long accesses;

        @Setup(Level.Iteration)
        public void reset() {
            accesses = 0;
        }
    }

    @Setup(Level.Trial)
    public void load() {
        spec = BenchScenarios.load(scenario);
        balancing = BenchScenarios.policy(policy, spec);
    }

    /** A fresh simulation per invocation (not measured): building one is O(pages) array allocation. */
    @Setup(Level.Invocation)
    public void build() {
        sim = new Simulation(spec, balancing);
    }

    @Benchmark
    public RunResult simulate(Accesses counters) {
        RunResult r = sim.run();
        counters.accesses += r.counter(Counter.GUEST_ACCESSES);
        return r;
    }
}
