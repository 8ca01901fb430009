package dev.copyless.cli;

import dev.copyless.balancer.BalancingPolicy;
import dev.copyless.host.HostOutOfMemoryException;
import dev.copyless.metrics.RunResult;
import dev.copyless.scenario.Scenario;
import dev.copyless.sim.HostFactory;
import dev.copyless.sim.Simulation;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Runs one scenario under several policies, in parallel on the available cores (each run is
 * an independent pure function of scenario and policy), with {@link Progress} on stderr: the
 * virtual time simulated so far and an estimate of the wall time left.
 */
final class Runner {
    private Runner() {}


    static Map<String, RunResult> run(Scenario s, List<String> policies, Progress progress) {
        return run(s, policies, progress, HostFactory.SIMULATED, false);
    }

    /**
     * Runs on the given host backend; {@code sequential} runs one policy at a time (the Linux
     * backend: runs share the kernel's swap and its counters, and each is timed for real).
     */
    static Map<String, RunResult> run(Scenario s, List<String> policies, Progress progress, HostFactory host,
                                      boolean sequential) {
        VirtualTime bar = new VirtualTime(progress, policies.size(), s.durationNs());
        int threads = sequential ? 1 : Math.max(1, Math.min(policies.size(), Runtime.getRuntime().availableProcessors()));
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "copyless-run");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<RunResult>> futures = new ArrayList<>();
            for (int i = 0; i < policies.size(); i++) {
                int idx = i;
                BalancingPolicy p = BalancingPolicy.of(policies.get(i), s.copyless());
                String key = policies.get(i);
                futures.add(pool.submit(() -> {
                    try {
                        return new Simulation(s, p, host).run(t -> bar.update(idx, t));
                    } catch (HostOutOfMemoryException e) {
                        throw new HostOutOfMemoryException("under policy " + key + ": " + e.getMessage());
                    }
                }));
            }
            Map<String, RunResult> out = new LinkedHashMap<>();
            for (int i = 0; i < policies.size(); i++) {
                out.put(policies.get(i), futures.get(i).get());
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

    /** Progress over all runs: the virtual time simulated (the mean over the runs) and the wall time left. */
    private static final class VirtualTime {
        private final Progress progress;
        private final long[] reached;
        private final long durationNs;
        private long events;

        VirtualTime(Progress progress, int runs, long durationNs) {
            this.progress = progress;
            this.reached = new long[runs];
            this.durationNs = durationNs;
        }

        synchronized void update(int run, long virtualNs) {
            reached[run] = virtualNs;
            if (!progress.enabled() || (++events & 1023) != 0) {
                return;
            }
            double sum = 0;
            for (long r : reached) {
                sum += Math.min(1.0, r / (double) Math.max(1, durationNs));
            }
            double f = sum / reached.length;
            String left = Progress.left(progress.elapsedNs(), f);
            progress.update(String.format(java.util.Locale.ROOT, "simulating %d run(s): %s of %s virtual (%.0f%%)%s",
                    reached.length, seconds((long) (f * durationNs)), seconds(durationNs), 100 * f,
                    left.isEmpty() ? "" : ", " + left));
        }

        private static String seconds(long ns) {
            return String.format(java.util.Locale.ROOT, "%.2f s", ns / 1e9);
        }

        void close() {
            progress.close();
        }
    }
}
