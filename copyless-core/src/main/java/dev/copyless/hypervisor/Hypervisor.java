package dev.copyless.hypervisor;

import dev.copyless.host.HostMemory;
import dev.copyless.metrics.Counter;
import dev.copyless.metrics.VmStat;
import dev.copyless.mm.Errno;
import dev.copyless.sim.CostModel;
import java.util.ArrayList;
import java.util.List;

/**
 * The hypervisor: registers VMs with the host (guest RAM bound per vNode), keeps each VM's
 * {@link MovedPageList} up to date from the host's MMU notifications and exports it to the
 * guest (claims 1 and 10), and takes the guest's migration hypercall to the host's
 * {@link HostMemory#migrate} (claim 1's request "via the hypervisor").
 *
 * <p>Validation: every gfn inside the calling VM, the destination on the requested vNode,
 * no gfn named twice in a batch, batch size; every refusal changes no state.
 */
public final class Hypervisor {
    /** Hypercall number in the KVM vendor range (documented in docs/ARCHITECTURE.md). */
    public static final int KVM_HC_COPYLESS_MIGRATE = 0x1001;

    private final HostMemory host;
    private final CostModel cost;
    private final VmStat stat;
    private final List<VmRecord> vms = new ArrayList<>();

    private record VmRecord(int hostVmId, int gfns, int[] vnodeStart, int[] vnodeNode, MovedPageList list) {
        int vnodeOf(int gfn) {
            int v = vnodeStart.length - 1;
            while (vnodeStart[v] > gfn) {
                v--;
            }
            return v;
        }
    }

    public Hypervisor(HostMemory host, CostModel cost, VmStat stat) {
        this.host = host;
        this.cost = cost;
        this.stat = stat;
    }

    /**
     * Creates a VM: {@code vnodeStart[v]} is the first gfn of vNode v, bound ({@code MPOL_BIND})
     * to host node {@code vnodeNode[v]} like QEMU's {@code host-nodes=N,policy=bind}.
     *
     * @param holdBack claim 12: hold the VM's moved pages back from their source node until
     *                 the guest asks (enabled when the guest runs copyless)
     * @return the VM id
     */
    public int createVm(int gfns, int[] vnodeStart, int[] vnodeNode, boolean holdBack) {
        MovedPageList list = new MovedPageList(gfns);
        int id = host.registerVm(gfns, vnodeStart, vnodeNode, list::update);
        host.setHoldBack(id, holdBack);
        vms.add(new VmRecord(id, gfns, vnodeStart.clone(), vnodeNode.clone(), list));
        return vms.size() - 1;
    }

    /** The data object exported to the VM (mapped read-only into the guest in a real hypervisor). */
    public MovedPageList movedPageList(int vm) {
        return vms.get(vm).list();
    }

    public HostMemory host() {
        return host;
    }

    /**
     * {@code KVM_HC_COPYLESS_MIGRATE}: for each (src, dst) pair, asks the host to migrate the
     * data of src from its new source location straight to the node pinned to dst's vNode
     * (claim 1). Per-page status in {@code req.status}; a malformed block is refused whole.
     *
     * @return nanoseconds the call took (exit, handling, I/O), or {@code -EINVAL}
     */
    public long hypercallMigrate(int vm, MigrationRequest req) {
        if (vm < 0 || vm >= vms.size()) {
            return -Errno.EINVAL;
        }
        VmRecord r = vms.get(vm);
        if (req.count <= 0 || req.count > MigrationRequest.MAX_PAGES || req.order == null
                || req.dstVnode < 0 || req.dstVnode >= r.vnodeStart().length) {
            return -Errno.EINVAL;
        }
        stat.inc(Counter.HYPERCALLS);
        stat.add(Counter.HYPERCALL_PAGES, req.count);
        long ns = cost.hypercallExitNs + (long) req.count * cost.hypercallPageNs;
        for (int i = 0; i < req.count; i++) {
            req.status[i] = validate(r, req, i);
        }
        ns += host.migratePages(r.hostVmId(), req.srcGfn, req.dstGfn, req.count, req.order, req.status);
        for (int i = 0; i < req.count; i++) {
            int status = req.status[i];
            if (status == -Errno.EAGAIN) {
                stat.inc(Counter.HYPERCALL_STALE);
            } else if (status != Errno.OK) {
                stat.inc(Counter.HYPERCALL_ERRORS);
            }
        }
        return ns;
    }

    /**
     * Checks one entry: both gfns inside the VM, distinct, the destination on the requested
     * vNode, and neither gfn named by an earlier entry of the same batch (a repeated
     * destination would let the second migration overwrite the first; a chain would move a
     * page that the batch itself has just unbacked).
     */
    private static int validate(VmRecord r, MigrationRequest req, int i) {
        int src = req.srcGfn[i];
        int dst = req.dstGfn[i];
        if (src < 0 || src >= r.gfns() || dst < 0 || dst >= r.gfns()) {
            return -Errno.EFAULT;
        }
        if (src == dst || r.vnodeOf(dst) != req.dstVnode) {
            return -Errno.EINVAL;
        }
        for (int j = 0; j < i; j++) {
            int s2 = req.srcGfn[j];
            int d2 = req.dstGfn[j];
            if (src == s2 || src == d2 || dst == s2 || dst == d2) {
                return -Errno.EINVAL;
            }
        }
        return Errno.OK;
    }
}
