package dev.copyless.balancer;

import dev.copyless.guest.GuestPte;
import dev.copyless.guest.GuestVm;
import dev.copyless.guest.Vcpu;
import dev.copyless.host.MovedFrom;
import dev.copyless.hypervisor.MigrationRequest;
import dev.copyless.hypervisor.MovedPageListView;
import dev.copyless.metrics.Counter;
import dev.copyless.mm.Errno;
import dev.copyless.mm.MigrationOrder;


/**
 * The invention's guest side. Every balancing attempt first inspects the moved-page list
 * exported by the hypervisor (claim 9). A page the host had not moved is migrated by copy,
 * as today. A moved page is not touched: the guest allocates the destination gfn, queues
 * (source gfn, destination gfn) in its vCPU's hypercall block and marks the PTE pending; the
 * block goes to the host in one hypercall when full, when the destination vNode changes, at
 * the end of the vCPU's quantum, or when the task touches a pending page (claim 1). The host
 * migrates straight from the new source location, in the requested order (claims 2-8).
 * With {@code holdBack} (the {@code copyless-holdback} policy) the host also holds the VM's
 * listed pages back from their source node until the request comes (claim 12).
 *
 * <p>The request goes through the binary ABI ({@link NumaBalancer#hypercall}). Outcomes per page:
 *
 * <ul>
 *   <li>0: migrated; the guest remaps its PTE to the destination gfn;</li>
 *   <li>{@code -EAGAIN} (the page came back between the inspection and the call) and
 *       {@code -ETIMEDOUT} (the request channel lost the request on every attempt; the host never
 *       carried it out, see {@link dev.copyless.hypervisor.RequestChannel}): fall back to a copy;</li>
 *   <li>{@code -EBUSY} (the VM's hypercall rate limit): retry later; the destination gfn is freed
 *       and the page stays where it is until a later hinting fault tries again, so that a
 *       throttled guest does not turn its requests into swap-ins and copies;</li>
 *   <li>anything else: the destination gfn is freed, the page stays, {@code pgmigrate_fail}.</li>
 * </ul>
 */
public record CopylessBalancing(MigrationOrder order, boolean holdBack, int batch) implements BalancingPolicy {
    public CopylessBalancing {
        if (batch < 1 || batch > MigrationRequest.MAX_PAGES) {
            throw new IllegalArgumentException("copyless batch must be in 1.." + MigrationRequest.MAX_PAGES);
        }
    }

    /** {@link #COPYLESS_HOLDBACK} with hold-back, {@link #COPYLESS} without. */
    @Override
    public String key() {
        return holdBack ? COPYLESS_HOLDBACK : COPYLESS;
    }

    @Override
    public boolean scans() {
        return true;
    }

    @Override
    public long migrate(NumaBalancer b, Vcpu cpu, int gvpn, int srcGfn, int dstVnode) {
        MovedPageListView list = b.movedPageListView();
        b.stat().inc(Counter.MOVED_LIST_INSPECTIONS);
        long ns = b.listInspectCost(); // every attempt pays its lookup, moved or not
        if (!list.isMoved(srcGfn)) {
            return ns + b.migrateByCopy(gvpn, srcGfn, dstVnode);
        }
        MigrationRequest req = cpu.request();
        if (!req.isEmpty() && req.dstVnode != dstVnode) {
            ns += flush(b, cpu);
        }
        GuestVm vm = b.vm();
        int dst = vm.allocGfn(dstVnode);
        if (dst == GuestVm.NO_GFN) {
            b.stat().inc(Counter.PGMIGRATE_FAIL);
            return ns;
        }
        req.dstVnode = dstVnode;
        req.order = order;
        req.add(srcGfn, dst, gvpn, b.movedAtDecision(srcGfn).ordinal());
        vm.pageTable()[gvpn] = srcGfn | GuestPte.PENDING;
        if (req.count >= batch) {
            ns += flush(b, cpu);
        }
        return ns;
    }

    @Override
    public long flush(NumaBalancer b, Vcpu cpu) {
        MigrationRequest req = cpu.request();
        if (req.isEmpty()) {
            return 0;
        }
        GuestVm vm = b.vm();
        int[] pt = vm.pageTable();
        long callNs = b.hypercall(cpu, req);
        long ns = callNs;
        // balancing_migration_latency_ns is per page: the call's time shared by the pages in it
        long perPageNs = callNs / req.count;
        for (int i = 0; i < req.count; i++) {
            int src = req.srcGfn[i];
            int dst = req.dstGfn[i];
            int gvpn = req.gvpn[i];
            pt[gvpn] = src; // clear PENDING
            int status = req.status[i];
            if (status == Errno.OK) {
                ns += b.migrateCost();
                vm.remap(gvpn, src, dst);
                b.countMovedBalanced(MovedFrom.ofOrdinal(req.listedKind[i]));
                b.completed(perPageNs + b.migrateCost());
            } else if (status == -Errno.EAGAIN || status == -Errno.ETIMEDOUT) {
                vm.freeGfn(dst);
                ns += b.migrateByCopy(gvpn, src, vm.vnodeOf(dst), MovedFrom.ofOrdinal(req.listedKind[i]));
            } else if (status == -Errno.EBUSY) {
                vm.freeGfn(dst); // throttled: the page stays; a later hinting fault tries again
            } else {
                vm.freeGfn(dst);
                b.stat().inc(Counter.PGMIGRATE_FAIL);
            }
        }
        req.clear();
        return ns;
    }
}
