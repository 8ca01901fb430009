package dev.copyless.guest;

import dev.copyless.clock.Agent;
import dev.copyless.clock.CostModel;
import dev.copyless.clock.Engine;
import dev.copyless.host.HostMemory;
import dev.copyless.hypervisor.HypercallArea;
import dev.copyless.hypervisor.MigrationRequest;
import dev.copyless.metrics.RunMetrics;
import dev.copyless.mm.PageState;
import java.util.ArrayList;
import java.util.List;

/**
 * A vCPU of a guest, pinned to its vNode's host node (vcpupin). Each run is one scheduling
 * quantum of the task at the head of its run queue: the task's accesses, its NUMA scan when
 * due, the faults they take, and at the end the flush of any pending copyless request.
 *
 * <p>Each access is a load or a store (the task's write fraction). The access fast path (a
 * present PTE with no flag, a resident host word with no slow flag) sets the accessed bit, and
 * on a store the dirty bit (the EPT A/D bits), and counts the access per memory node; it allocates nothing
 * and calls nothing virtual but the workload's {@code next} (and, for a trace, its
 * {@code thinkNs}). Everything else goes through {@link #slowAccess}, and so does every
 * access on a backend without a location array ({@link HostMemory#stateArray} is null: the
 * Linux backend, where an access is a real load).
 */
public final class Vcpu extends Agent {
    private final int id;
    private final int vnode;
    private final int hostNode;
    private final GuestVm vm;
    private final HostMemory host;
    private final NumaHooks balancer;
    private final RunMetrics metrics;
    private final Engine engine;
    private final long quantumNs;
    private final long[] accessRow;
    private final long[] fastPerNode;
    private final List<Task> runQueue = new ArrayList<>();
    private final MigrationRequest request = new MigrationRequest();
    private final HypercallArea hypercallArea = new HypercallArea();
    private int rr;
    private long slowLocal;
    private long slowRemote;

    public Vcpu(int id, int vnode, GuestVm vm, HostMemory host, NumaHooks balancer, CostModel cost,
                RunMetrics metrics, Engine engine, long quantumNs) {
        this.id = id;
        this.vnode = vnode;
        this.hostNode = vm.hostNodeOf(vnode);
        this.vm = vm;
        this.host = host;
        this.balancer = balancer;
        this.metrics = metrics;
        this.engine = engine;
        this.quantumNs = quantumNs;
        this.accessRow = cost.accessRow(hostNode);
        this.fastPerNode = new long[host.nodeCount()];
    }

    @Override
    public String name() {
        return vm.name() + "/vcpu" + id;
    }

    public int id() {
        return id;
    }

    public int vnode() {
        return vnode;
    }

    public int hostNode() {
        return hostNode;
    }

    /** This vCPU's staged hypercall (the guest's side of it). */
    public MigrationRequest request() {
        return request;
    }

    /** This vCPU's shared hypercall area: the request block and reply page of docs/ABI.md. */
    public HypercallArea hypercallArea() {
        return hypercallArea;
    }

    public List<Task> runQueue() {
        return runQueue;
    }

    /** Puts a task on this vCPU's run queue (the scheduler's {@code migrate_task_rq}). */
    public void enqueue(Task t) {
        if (t.vcpu != null) {
            t.vcpu.runQueue.remove(t);
        }
        t.vcpu = this;
        runQueue.add(t);
    }

    @Override
    public long doWork(long now) {
        if (runQueue.isEmpty()) {
            return now + quantumNs;
        }
        Task t = runQueue.get(rr++ % runQueue.size());
        long time = runQuantum(t, now, now + quantumNs);
        engine.advanceTo(time); // the batch's hypercall or copies start when the quantum's accesses end
        time += balancer.flush(this);
        engine.advanceTo(time);
        int bucket = metrics.bucketOf(now);
        long local = fastPerNode[hostNode] + slowLocal;
        long total = slowLocal + slowRemote;
        for (int n = 0; n < fastPerNode.length; n++) {
            metrics.recordAccessLatency(accessRow[n] , fastPerNode[n]);
            total += fastPerNode[n];
            fastPerNode[n] = 0;
        }
        metrics.recordAccesses(bucket, local, total - local);
        slowLocal = 0;
        slowRemote = 0;
        return time;
    }

    /** The task's accesses from {@code start} until {@code end}; returns the time reached. */
    private long runQuantum(Task t, long start, long end) {
        long[] st = host.stateArray(vm.id());
        int[] pt = vm.pageTable();
        long[] row = accessRow;
        long[] perNode = fastPerNode;
        long think = t.thinkNs();
        boolean timed = t.workload().timed(); // a trace sets its own compute time per access
        int base = t.gvpnStart();
        long time = start;
        t.workload().tick(start);
        while (time < end) {
            if (time >= t.nextScanAt()) {
                time += balancer.taskNumaWork(t, time);
            }
            int gvpn = base + t.workload().next(t.rng);
            if (timed) {
                think = t.workload().thinkNs();
            }
            boolean store = t.nextIsStore();
            int pte = pt[gvpn];
            if (st != null && GuestPte.plain(pte)) {
                long w = st[pte];
                if ((w & PageState.FAST_MASK) == PageState.RESIDENT) {
                    long young = store ? PageState.ACCESSED | PageState.DIRTY : PageState.ACCESSED;
                    if ((w & young) != young) {
                        st[pte] = w | young;
                    }
                    int node = PageState.nodeOrDevice(w);
                    perNode[node]++;
                    time += row[node] + think;
                    continue;
                }
            }
            time += slowAccess(t, gvpn, time, store) + think;
        }
        return time;
    }

    /** Guest page fault, hinting fault, pending migration, or host fault; then the access. */
    private long slowAccess(Task t, int gvpn, long time, boolean store) {
        engine.advanceTo(time);
        int[] pt = vm.pageTable();
        long ns = 0;
        int pte = pt[gvpn];
        if (pte == GuestPte.NOT_PRESENT) {
            int gfn = vm.allocGfnPreferring(vnode);
            if (gfn == GuestVm.NO_GFN) {
                throw new IllegalStateException(vm.name() + " is out of guest memory: its tasks' footprints exceed its RAM");
            }
            vm.map(gvpn, gfn);
        } else if ((pte & GuestPte.PROT_NONE) != 0) {
            ns += balancer.doNumaPage(this, t, gvpn);
        }
        if ((pt[gvpn] & GuestPte.PENDING) != 0) {
            ns += balancer.flush(this);
        }
        int gfn = GuestPte.gfn(pt[gvpn]);
        engine.advanceTo(time + ns);
        long access = host.touch(vm.id(), gfn, hostNode, store);
        ns += access;
        int node = PageState.nodeOrDevice(host.locate(vm.id(), gfn));
        if (node == hostNode) {
            slowLocal++;
        } else {
            slowRemote++;
        }
        metrics.recordAccessLatency(ns, 1);
        return ns;
    }
}
