package dev.copyless.stress;

import dev.copyless.balancer.BalancingPolicy;
import dev.copyless.balancer.NumaBalancer;
import dev.copyless.guest.GuestPte;
import dev.copyless.guest.GuestVm;
import dev.copyless.guest.Task;
import dev.copyless.guest.Vcpu;
import dev.copyless.host.HostMemory;
import dev.copyless.host.HostOutOfMemoryException;
import dev.copyless.hypervisor.MovedPageList;
import dev.copyless.hypervisor.MovedPageListView;
import dev.copyless.metrics.RunResult;
import dev.copyless.mm.Errno;
import dev.copyless.mm.PageState;
import dev.copyless.scenario.Scenario;
import dev.copyless.sim.HostFactory;
import dev.copyless.sim.Invariants;
import dev.copyless.sim.Simulation;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A scenario's host, hypervisor and guests driven by real threads instead of the virtual
 * clock (issue 3's concurrency): one thread per vCPU making the tasks' accesses and, on a
 * misplaced page, the balancing migration through the policy's own code
 * ({@link BalancingPolicy#migrate} and {@link BalancingPolicy#flush}: the list inspection of
 * claim 9 and the hypercall of claim 1); a guest scheduler thread moving tasks between vNodes;
 * a host reclaim thread paging cold pages out; a demotion thread moving pages to the other
 * node (claim 1's first migration to a memory node); a vhost thread reading guest pages by gfn
 * behind the guest's back (bringing moved pages home); a reader thread taking lock-free
 * seqcount snapshots of every moved-page list; and a checker that stops the world now and
 * then to check every invariant ({@link Invariants}).
 *
 * <p>Locks: the host's state changes under {@link LockedHost}'s lock (one writer of the lists);
 * each guest's page table and allocator under a read-write lock (accesses share it, faults,
 * migrations and task moves hold it alone). Order: guest lock, host lock. No lock is held
 * around the hypercall beyond the calling guest's own: the vCPUs of different VMs call the
 * hypervisor at the same moment, as real vCPU exits do (the hypervisor keeps its decode state
 * per vCPU and each VM's fence and buckets under that VM's own lock; the run's counters and
 * latency histograms are thread-safe). The list is read without any lock, so between the guest's inspection and its hypercall the host is free
 * to bring the page back, swap it out again, or demote it: the races the request path must
 * answer (stale entries fall back to a copy; see {@code RacesTest}).
 *
 * <p>Not deterministic (real threads); bounded by wall time. Results carry the run's counters
 * and gauges (with real bytes on, {@code pages_verified} and {@code pages_lost}) plus this
 * driver's own counts ({@link Report}).
 */
public final class ConcurrentRun {
    /** What a run did, besides the run's own metrics. */
    public record Report(RunResult result, int threads, long wallNs, long accesses, long balancingAttempts,
                         long pagedOut, long pageOutRefused, long demoted, long demoteRefused, long taskMoves,
                         long vhostReads, long listSnapshots, long seqlockRetries, long invariantChecks) {
        /** The driver's counts as named values (for JSON and RELIABILITY.md). */
        public Map<String, Long> counts() {
            Map<String, Long> m = new LinkedHashMap<>();
            m.put("threads", (long) threads);
            m.put("wall_ms", wallNs / 1_000_000);
            m.put("accesses", accesses);
            m.put("balancing_attempts", balancingAttempts);
            m.put("host_paged_out", pagedOut);
            m.put("host_page_out_refused", pageOutRefused);
            m.put("host_demoted", demoted);
            m.put("host_demote_refused", demoteRefused);
            m.put("task_moves", taskMoves);
            m.put("vhost_reads_of_moved_pages", vhostReads);
            m.put("list_snapshots", listSnapshots);
            m.put("seqlock_retries", seqlockRetries);
            m.put("invariant_checks", invariantChecks);
            return m;
        }
    }

    /** Pause between a vCPU's list inspection and its hypercall, the window the host threads race in. */
    static final long INSPECT_TO_CALL_NS = 20_000;
    /** How long a thread may take to stop once the run is over before it counts as stuck. */
    static final long JOIN_TIMEOUT_MS = 30_000;

    private final Simulation sim;
    private final LockedHost host;
    private final List<ReentrantReadWriteLock> guestLocks = new ArrayList<>();
    private final AtomicBoolean stop = new AtomicBoolean();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final long seed;
    private final LongAdder accesses = new LongAdder();
    private final LongAdder attempts = new LongAdder();
    private final LongAdder pagedOut = new LongAdder();
    private final LongAdder pageOutRefused = new LongAdder();
    private final LongAdder demoted = new LongAdder();
    private final LongAdder demoteRefused = new LongAdder();
    private final LongAdder taskMoves = new LongAdder();
    private final LongAdder vhostReads = new LongAdder();
    private final LongAdder snapshots = new LongAdder();
    private final LongAdder retries = new LongAdder();
    private final LongAdder checks = new LongAdder();

    /**
     * Builds the scenario's world on {@code backend} behind a {@link LockedHost}.
     *
     * @param seed seeds the drivers' random choices (the interleaving is the scheduler's)
     */
    public ConcurrentRun(Scenario s, BalancingPolicy policy, HostFactory backend, long seed) {
        LockedHost[] made = new LockedHost[1];
        this.sim = new Simulation(s, policy, (sc, cost, stat, engine) -> {
            made[0] = new LockedHost(backend.create(sc, cost, stat, engine));
            return made[0];
        }, true);
        this.host = made[0];
        this.seed = seed;
        for (int i = 0; i < sim.vms().size(); i++) {
            guestLocks.add(new ReentrantReadWriteLock());
        }
    }

    /** The host behind its lock (for tests). */
    public LockedHost host() {
        return host;
    }

    public Simulation simulation() {
        return sim;
    }

    /**
     * Runs every thread for {@code wallMillis} of wall time, then checks the invariants once
     * more, collects the results (the content check of every page among them, when the host
     * holds real bytes) and closes the host.
     *
     * @throws IllegalStateException if any thread failed or an invariant broke (the first failure is the cause)
     */
    public Report run(long wallMillis) {
        List<Thread> threads = new ArrayList<>();
        int n = 0;
        for (int vi = 0; vi < sim.vms().size(); vi++) {
            GuestVm vm = sim.vms().get(vi);
            for (Vcpu cpu : vm.vcpus()) {
                int id = n++;
                threads.add(thread(vm.name() + "/vcpu" + cpu.id(), () -> vcpuLoop(vm, cpu, new SplittableRandom(seed + id))));
            }
            threads.add(thread(vm.name() + "/sched", () -> schedulerLoop(vm, new SplittableRandom(seed ^ 0x5C4ED))));
        }
        threads.add(thread("host-reclaim", () -> reclaimLoop(new SplittableRandom(seed ^ 0x6EC1A1))));
        if (host.nodeCount() > 1) {
            threads.add(thread("host-demotion", () -> demotionLoop(new SplittableRandom(seed ^ 0xDE307E))));
        }
        threads.add(thread("vhost", () -> vhostLoop(new SplittableRandom(seed ^ 0x7405))));
        threads.add(thread("list-reader", this::listReaderLoop));
        threads.add(thread("checker", this::checkerLoop));
        long t0 = System.nanoTime();
        threads.forEach(Thread::start);
        long deadline = t0 + wallMillis * 1_000_000L;
        try {
            while (System.nanoTime() < deadline && failure.get() == null) {
                Thread.sleep(5);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        stop.set(true);
        for (Thread t : threads) {
            try {
                t.join(JOIN_TIMEOUT_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (t.isAlive()) { // a deadlock or a livelock: exactly what a stress run must report
                StringBuilder where = new StringBuilder();
                for (StackTraceElement e : t.getStackTrace()) {
                    where.append("\n  at ").append(e);
                }
                failure.compareAndSet(null, new IllegalStateException(t.getName() + " did not stop within "
                        + JOIN_TIMEOUT_MS + " ms of the end of the run" + where));
            }
        }
        long wall = System.nanoTime() - t0;
        try {
            if (failure.get() == null) {
                checkInvariants();
            }
            Throwable f = failure.get();
            if (f != null) {
                Throwable cause = f.getCause() != null ? f.getCause() : f;
                if (cause instanceof HostOutOfMemoryException) { // the scenario does not fit: a user's mistake, one line
                    throw new HostOutOfMemoryException("in the concurrent run: " + cause.getMessage());
                }
                throw new IllegalStateException("concurrent run failed: " + f, f);
            }
            RunResult r = sim.result(wall);
            return new Report(r, threads.size(), wall, accesses.sum(), attempts.sum(), pagedOut.sum(),
                    pageOutRefused.sum(), demoted.sum(), demoteRefused.sum(), taskMoves.sum(), vhostReads.sum(), snapshots.sum(),
                    retries.sum(), checks.sum());
        } finally {
            host.close();
        }
    }

    private Thread thread(String name, Runnable body) {
        Thread t = new Thread(() -> {
            try {
                body.run();
            } catch (Throwable e) {
                failure.compareAndSet(null, new IllegalStateException(Thread.currentThread().getName() + ": " + e, e));
                stop.set(true);
            }
        }, "copyless-" + name);
        t.setDaemon(true);
        return t;
    }

    /**
     * A vCPU: under the guest's read lock, up to 64 accesses of the task at the head of its run
     * queue to pages already mapped on the right vNode; a first touch or a misplaced page takes
     * the write lock for the fault and the balancing migration ({@code do_numa_page} without
     * the scanner: every access to a misplaced page is a migrating hinting fault).
     */
    private void vcpuLoop(GuestVm vm, Vcpu cpu, SplittableRandom rng) {
        ReentrantReadWriteLock lock = guestLocks.get(vm.id());
        NumaBalancer balancer = sim.balancer(vm.id());
        BalancingPolicy policy = balancer.policy();
        int[] pt = vm.pageTable();
        int rr = 0;
        while (!stop.get()) {
            int slow = -1;
            Task task = null;
            lock.readLock().lock();
            try {
                List<Task> rq = cpu.runQueue();
                if (rq.isEmpty()) {
                    Thread.yield();
                    continue;
                }
                task = rq.get(rr++ % rq.size());
                for (int k = 0; k < 64; k++) {
                    int gvpn = task.gvpnStart() + task.workload().next(rng);
                    int pte = pt[gvpn];
                    if (!GuestPte.plain(pte) || (policy.scans() && vm.vnodeOf(pte) != cpu.vnode())) {
                        slow = gvpn;
                        break;
                    }
                    host.touch(vm.id(), pte, cpu.hostNode());
                    accesses.increment();
                }
            } finally {
                lock.readLock().unlock();
            }
            if (slow < 0) {
                continue;
            }
            lock.writeLock().lock();
            try {
                int pte = pt[slow];
                if (pte == GuestPte.NOT_PRESENT) {
                    int gfn = vm.allocGfnPreferring(cpu.vnode());
                    if (gfn == GuestVm.NO_GFN) {
                        throw new IllegalStateException(vm.name() + " is out of guest memory");
                    }
                    vm.map(slow, gfn);
                } else if (policy.scans() && vm.vnodeOf(GuestPte.gfn(pte)) != cpu.vnode()) {
                    attempts.increment();
                    // no lock around the hypercall: other VMs' vCPUs call the hypervisor at the same time
                    policy.migrate(balancer, cpu, slow, GuestPte.gfn(pte), cpu.vnode());
                    // the window between the list inspection and the hypercall: a real exit costs microseconds
                    LockSupport.parkNanos(INSPECT_TO_CALL_NS);
                    policy.flush(balancer, cpu);
                }
                host.touch(vm.id(), GuestPte.gfn(pt[slow]), cpu.hostNode());
                accesses.increment();
            } finally {
                lock.writeLock().unlock();
            }
        }
    }

    /** The guest scheduler: every 5 ms one task moves to a vCPU of another vNode. */
    private void schedulerLoop(GuestVm vm, SplittableRandom rng) {
        ReentrantReadWriteLock lock = guestLocks.get(vm.id());
        while (!stop.get()) {
            pause(5);
            if (vm.vnodes() < 2 || vm.tasks().isEmpty()) {
                continue;
            }
            lock.writeLock().lock();
            try {
                Task t = vm.tasks().get(rng.nextInt(vm.tasks().size()));
                List<Vcpu> others = vm.vcpus().stream().filter(c -> c.vnode() != t.vnode()).toList();
                if (!others.isEmpty()) {
                    others.get(rng.nextInt(others.size())).enqueue(t);
                    taskMoves.increment();
                }
            } finally {
                lock.writeLock().unlock();
            }
        }
    }

    /** Host reclaim: batches of 32 random resident pages paged out, until swap is full (then refused: {@code -ENOSPC}). */
    private void reclaimLoop(SplittableRandom rng) {
        while (!stop.get()) {
            for (int i = 0; i < 32 && !stop.get(); i++) {
                GuestVm vm = sim.vms().get(rng.nextInt(sim.vms().size()));
                int gfn = rng.nextInt(vm.gfns());
                atomically(h -> {
                    if (!PageState.isResident(h.locate(vm.id(), gfn))) {
                        return;
                    }
                    long r = h.pageOut(vm.id(), gfn);
                    if (r == -Errno.ENOSPC) {
                        pageOutRefused.increment();
                    } else if (r >= 0) {
                        pagedOut.increment();
                    }
                });
            }
            Thread.yield();
        }
    }

    /** Demotion: random resident pages on their pinned node moved to the next node while it has room. */
    private void demotionLoop(SplittableRandom rng) {
        while (!stop.get()) {
            GuestVm vm = sim.vms().get(rng.nextInt(sim.vms().size()));
            int gfn = rng.nextInt(vm.gfns());
            atomically(h -> {
                long w = h.locate(vm.id(), gfn);
                int pinned = h.pinnedNode(vm.id(), gfn);
                if (PageState.isResident(w) && PageState.nodeOrDevice(w) == pinned) {
                    if (h.demote(vm.id(), gfn, (pinned + 1) % h.nodeCount()) < 0) {
                        demoteRefused.increment();
                    } else {
                        demoted.increment();
                    }
                }
            });
            Thread.yield();
        }
    }

    /**
     * A vhost worker: reads random guest pages by gfn (a virtio device's DMA), through the
     * host, without the guest's locks; a moved page it reads comes back to its pinned node,
     * so a guest that has just inspected the list may find its entry stale when its request
     * arrives (issue 3's first race).
     */
    private void vhostLoop(SplittableRandom rng) {
        while (!stop.get()) {
            GuestVm vm = sim.vms().get(rng.nextInt(sim.vms().size()));
            MovedPageList list = sim.hypervisor().movedPageList(vm.id());
            int gfn = rng.nextInt(vm.gfns());
            for (int k = 0; k < vm.gfns() && !list.isMoved(gfn); k++) { // the device reads where the guest's data is
                gfn = gfn + 1 == vm.gfns() ? 0 : gfn + 1;
            }
            int g = gfn;
            atomically(h -> {
                if (h.isMoved(vm.id(), g)) {
                    h.touch(vm.id(), g, h.pinnedNode(vm.id(), g));
                    vhostReads.increment();
                }
            });
            Thread.yield();
        }
    }

    /**
     * A lock-free reader of every VM's moved-page list, through the guest's own reader
     * ({@link MovedPageListView} over the exported shared segment): each {@code read} is one
     * consistent snapshot by the seqcount protocol (read the count, wait while odd, copy, read
     * it again, retry on a change). Each snapshot must decode: a present entry has the kind of
     * a swapped or resident page, a resident entry names a host node that exists, and no entry
     * is newer than the snapshot.
     */
    private void listReaderLoop() {
        List<long[]> copies = new ArrayList<>();
        List<MovedPageListView> views = new ArrayList<>();
        for (GuestVm vm : sim.vms()) {
            copies.add(new long[vm.gfns()]);
            views.add(new MovedPageListView(sim.hypervisor().exportMovedPageList(vm.id())));
        }
        long retriedBefore = 0;
        while (!stop.get()) {
            for (int vi = 0; vi < views.size() && !stop.get(); vi++) {
                long[] copy = copies.get(vi);
                views.get(vi).read(0, copy, 0, copy.length);
                snapshots.increment();
                for (int g = 0; g < copy.length; g++) {
                    long e = copy[g];
                    if (e == 0) {
                        continue;
                    }
                    int kind = MovedPageList.kind(e);
                    if (MovedPageList.locationId(e) < 0) {
                        throw new IllegalStateException("list entry of gfn " + g + " names no location: " + e);
                    }
                    if (kind == PageState.RESIDENT && MovedPageList.locationId(e) >= host.nodeCount()) {
                        throw new IllegalStateException("list entry of gfn " + g + " names node " + MovedPageList.locationId(e));
                    }
                }
            }
            long retried = 0;
            for (MovedPageListView v : views) {
                retried += v.retries();
            }
            retries.add(retried - retriedBefore);
            retriedBefore = retried;
        }
    }

    /** Every 50 ms: all guest locks, then the host lock, and every invariant. */
    private void checkerLoop() {
        while (!stop.get()) {
            pause(50);
            if (!stop.get()) {
                checkInvariants();
            }
        }
    }

    private void checkInvariants() {
        for (ReentrantReadWriteLock l : guestLocks) {
            l.writeLock().lock();
        }
        host.lock().lock();
        try {
            Invariants.check(host.delegate(), sim.hypervisor(), sim.vms());
            checks.increment();
        } finally {
            host.lock().unlock();
            for (ReentrantReadWriteLock l : guestLocks) {
                l.writeLock().unlock();
            }
        }
    }

    /** One atomic host-side step: {@code op} on the guarded host with the host lock held. */
    private void atomically(java.util.function.Consumer<HostMemory> op) {
        host.lock().lock();
        try {
            op.accept(host.delegate());
        } finally {
            host.lock().unlock();
        }
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
