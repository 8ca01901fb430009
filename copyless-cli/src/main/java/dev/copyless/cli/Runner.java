package dev.copyless.cli;

import dev.copyless.balancer.BalancingPolicy;
import dev.copyless.host.HostOutOfMemoryException;
import dev.copyless.metrics.RunResult;
import dev.copyless.scenario.Scenario;
import dev.copyless.sim.HostFactory;
import dev.copyless.sim.Simulation;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Runs one scenario under several policies, and with {@code --seeds} under several seeds, in
 * parallel on a fixed pool of the available cores (each run is an independent pure function of
 * scenario, seed and policy), with a progress bar on stderr once the runs have taken more than a
 * second and stderr is a terminal.
 */
final class Runner {
    private Runner() {}


    static Map<String, RunResult> run(Scenario s, List<String> policies, boolean progress) {
        return run(s, policies, progress, HostFactory.SIMULATED, false);
    }

    /**
     * Runs on the given host backend; {@code sequential} runs one policy at a time (the Linux
     * backend: runs share the kernel's swap and its counters, and each is timed for real).
     */
    static Map<String, RunResult> run(Scenario s, List<String> policies, boolean progress, HostFactory host,
                                      boolean sequential) {
        Map<String, RunResult> out = new LinkedHashMap<>();
        run(s, policies, List.of(s.seed()), progress, host, sequential).forEach((k, v) -> out.put(k, v.getFirst()));
        return out;
    }

    /**
     * Runs every policy once per seed ({@code --seeds N}): policies x seeds independent runs on a
     * fixed pool of {@code availableProcessors()} threads (one thread when {@code sequential}).
     *
     * @return per policy, in the order given, its results in the order of {@code seeds}
     */
    static Map<String, List<RunResult>> run(Scenario base, List<String> policies, List<Long> seeds, boolean progress,
                                            HostFactory host, boolean sequential) {
        int runs = policies.size() * seeds.size();
        Progress bar = new Progress(progress, runs, base.durationNs());
        int threads = sequential ? 1 : Math.max(1, Math.min(runs, Runtime.getRuntime().availableProcessors()));
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "copyless-run");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<RunResult>> futures = new ArrayList<>();
            for (int j = 0; j < seeds.size(); j++) {
                Scenario s = seeds.size() == 1 && seeds.getFirst() == base.seed() ? base : base.withSeed(seeds.get(j));
                String seedNote = seeds.size() == 1 ? "" : " (seed " + seeds.get(j) + ")";
                for (int i = 0; i < policies.size(); i++) {
                    int idx = j * policies.size() + i;
                    BalancingPolicy p = BalancingPolicy.of(policies.get(i), s.copyless());
                    String key = policies.get(i);
                    futures.add(pool.submit(() -> {
                        try {
                            return new Simulation(s, p, host).run(t -> bar.update(idx, t));
                        } catch (HostOutOfMemoryException e) {
                            throw new HostOutOfMemoryException("under policy " + key + seedNote + ": " + e.getMessage());
                        }
                    }));
                }
            }
            Map<String, List<RunResult>> out = new LinkedHashMap<>();
            for (int i = 0; i < policies.size(); i++) {
                List<RunResult> perSeed = new ArrayList<>();
                for (int j = 0; j < seeds.size(); j++) {
                    perSeed.add(futures.get(j * policies.size() + i).get());
                }
                out.put(policies.get(i), perSeed);
            }
            return out;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted");
        } finally {
            pool.shutdownNow();
            bar.close();
        }
    }

    /** Throttled progress over all runs: percent of total virtual time simulated. */
    private static final class Progress {
        private final boolean enabled;
        private final long[] reached;
        private final long durationNs;
        private final long start = System.nanoTime();
        private ProgressBar bar;
        private long events;

        Progress(boolean enabled, int runs, long durationNs) {
            this.enabled = enabled && Terminal.stderrIsTerminal();
            this.reached = new long[runs];
            this.durationNs = durationNs;
        }

        synchronized void update(int run, long virtualNs) {
            reached[run] = virtualNs;
            if (!enabled || (++events & 1023) != 0) {
                return;
            }
            if (bar == null) {
                if (System.nanoTime() - start < 1_000_000_000L) {
                    return;
                }
                bar = new ProgressBarBuilder().setTaskName("simulating").setInitialMax(100L)
                        .setStyle(ProgressBarStyle.ASCII).setUnit("%", 1).hideEta()
                        .setConsumer(new ConsoleProgressBarConsumer(new PrintStream(System.err, true))).build();
            }
            long sum = 0;
            for (long r : reached) {
                sum += Math.min(100, r * 100 / Math.max(1, durationNs));
            }
            bar.stepTo(sum / reached.length);
        }

        synchronized void close() {
            if (bar != null) {
                bar.stepTo(bar.getMax());
                bar.close();
            }
        }
    }
}
