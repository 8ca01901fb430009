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
 * Runs one scenario under several policies, and with {@code --seeds} under several seeds, in
 * parallel on a fixed pool of the available cores (each run is an independent pure function of
 * scenario, seed and policy), with {@link Progress} on stderr: the virtual time simulated so far
 * and an estimate of the wall time left.
 */
final class Runner {
    private Runner() {}

    static Map<String, RunResult> run(Scenario s, List<String> policies, Progress progress) {
        return run(s, policies, progress, HostFactory.SIMULATED, policies.size());
    }

    /**
     * Runs on the given host backend, at most {@code parallel} runs at a time (1 on the Linux
     * backend: runs share the kernel's swap and its counters, and each is timed for real; fewer
     * than the runs when memory holds only that many at once).
     */
    static Map<String, RunResult> run(Scenario s, List<String> policies, Progress progress, HostFactory host,
                                      int parallel) {
        Map<String, RunResult> out = new LinkedHashMap<>();
        run(s, policies, List.of(s.seed()), progress, host, parallel).forEach((k, v) -> out.put(k, v.getFirst()));
        return out;
    }

    /**
     * Runs every policy once per seed ({@code --seeds N}): policies x seeds independent runs on a
     * fixed pool of at most {@code parallel} threads (and at most {@code availableProcessors()}).
     *
     * @return per policy, in the order given, its results in the order of {@code seeds}
     */
    static Map<String, List<RunResult>> run(Scenario base, List<String> policies, List<Long> seeds, Progress progress,
                                            HostFactory host, int parallel) {
        int runs = policies.size() * seeds.size();
        VirtualTime bar = new VirtualTime(progress, runs, base.durationNs());
        int threads = Math.max(1, Math.min(parallel, Math.min(runs, Runtime.getRuntime().availableProcessors())));
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

    /**
     * Progress over all runs: the virtual time simulated (the mean over the runs) and the wall
     * time left. The rate is measured between {@link #MEASURE_NS} and twice that (the first
     * seconds, population and JIT, are slower than the rest); when the wall time left at that
     * rate is more than {@link #LONG_NS}, it says so once on stderr, progress or not, with the estimate.
     */
    private static final class VirtualTime {
        /** Wall time measured before the estimate of a long run is trusted. */
        static final long MEASURE_NS = 3_000_000_000L;
        /** A run that has more wall time than this left is announced. */
        static final long LONG_NS = 10L * 60 * 1_000_000_000L;

        private final Progress progress;
        private final long[] reached;
        private final long durationNs;
        private long events;
        private boolean announced;
        /** Wall time and fraction done when {@link #MEASURE_NS} had passed: the rate is measured from there. */
        private long firstElapsed;
        private double firstF;

        VirtualTime(Progress progress, int runs, long durationNs) {
            this.progress = progress;
            this.reached = new long[runs];
            this.durationNs = durationNs;
        }

        synchronized void update(int run, long virtualNs) {
            reached[run] = virtualNs;
            if ((++events & 1023) != 0) {
                return;
            }
            double sum = 0;
            for (long r : reached) {
                sum += Math.min(1.0, r / (double) Math.max(1, durationNs));
            }
            double f = sum / reached.length;
            long elapsed = progress.elapsedNs();
            if (!announced && elapsed >= MEASURE_NS && f > 0 && f < 1 && firstElapsed == 0) {
                firstElapsed = elapsed; // the start (population, JIT) is slower than the rest: measure from here
                firstF = f;
            } else if (!announced && firstElapsed > 0 && elapsed >= 2 * firstElapsed && f > firstF && f < 1) {
                announced = true;
                double leftNs = (elapsed - firstElapsed) * (1 - f) / (f - firstF);
                if (leftNs > LONG_NS) {
                    progress.println(String.format(java.util.Locale.ROOT, "note: this will take about %s more (%s of"
                            + " virtual time, %.3g s of it per second of wall time lately); Ctrl-C to stop, or give a"
                            + " shorter --duration", Progress.duration((long) (leftNs / 1e9)), seconds(durationNs),
                            (f - firstF) * durationNs / 1e9 / ((elapsed - firstElapsed) / 1e9)));
                }
            }
            if (!progress.enabled()) {
                return;
            }
            String left = Progress.left(elapsed, f);
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
