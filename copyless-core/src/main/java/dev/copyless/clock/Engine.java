package dev.copyless.clock;

import java.util.PriorityQueue;

/**
 * Discrete-event engine with a virtual clock in nanoseconds. Agents run one at a time in
 * (time, scheduling order) order, so a run is a pure function of its scenario and seed.
 *
 * <p>While an agent runs, {@link #now()} is the time its work has reached: a vCPU advances
 * it as it accumulates access and fault time ({@link #advanceTo}), so anything it wakes is
 * scheduled at the right instant.
 */
public final class Engine {
    private final PriorityQueue<Agent> queue = new PriorityQueue<>((a, b) -> {
        int c = Long.compare(a.nextRun, b.nextRun);
        return c != 0 ? c : Long.compare(a.seq, b.seq);
    });
    private long now;
    private long seq;
    private Runnable afterEvent = () -> {};

    public long now() {
        return now;
    }

    /** Moves the running agent's notion of time forward (never backward). */
    public void advanceTo(long t) {
        if (t > now) {
            now = t;
        }
    }

    /** Schedules (or reschedules earlier) an agent at {@code time}. */
    public void wake(Agent agent, long time) {
        if (agent.scheduled()) {
            if (agent.nextRun <= time) {
                return;
            }
            queue.remove(agent);
        }
        agent.nextRun = Math.max(time, now);
        agent.seq = seq++;
        queue.add(agent);
    }

    /** A hook run after every event: the invariant checker in tests. */
    public void afterEachEvent(Runnable hook) {
        this.afterEvent = hook;
    }

    /**
     * Runs events until the queue is empty or the next event is at or after {@code until}.
     *
     * @param progress called with the virtual time after each event (may be null)
     */
    public void runUntil(long until, java.util.function.LongConsumer progress) {
        while (!queue.isEmpty() && queue.peek().nextRun < until) {
            Agent a = queue.poll();
            now = a.nextRun;
            a.nextRun = Agent.SLEEP;
            long next = a.doWork(now);
            if (next != Agent.SLEEP && !a.scheduled()) {
                a.nextRun = Math.max(next, now);
                a.seq = seq++;
                queue.add(a);
            }
            afterEvent.run();
            if (progress != null) {
                progress.accept(now);
            }
        }
        if (now < until) {
            now = until;
        }
    }
}
