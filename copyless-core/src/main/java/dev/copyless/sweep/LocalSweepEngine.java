package dev.copyless.sweep;

import dev.copyless.scenario.Scenario;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The default sweep engine: points run on a fixed pool of daemon threads of this JVM, one point
 * per thread, rows handed back as points finish.
 */
public final class LocalSweepEngine implements SweepEngine {
    private final int threads;
    private final ExecutorService pool;

    public LocalSweepEngine(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads < 1: " + threads);
        }
        this.threads = threads;
        this.pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "copyless-sweep");
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public String describe() {
        return threads + " at a time";
    }

    @Override
    public void run(Scenario base, List<SweepPoint> points, Sink sink) throws Exception {
        ExecutorCompletionService<Object[]> cs = new ExecutorCompletionService<>(pool);
        for (SweepPoint p : points) {
            cs.submit(() -> new Object[] {p, p.row(base)});
        }
        for (int i = 0; i < points.size(); i++) {
            Object[] r;
            try {
                r = cs.take().get();
            } catch (ExecutionException e) {
                if (e.getCause() instanceof RuntimeException re) {
                    throw re;
                }
                throw e;
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> row = (Map<String, Object>) r[1];
            sink.accept((SweepPoint) r[0], row);
        }
    }

    @Override
    public void close() {
        pool.shutdownNow();
        try {
            pool.awaitTermination(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
