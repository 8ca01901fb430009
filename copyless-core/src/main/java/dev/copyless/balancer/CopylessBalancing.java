package dev.copyless.balancer;

import dev.copyless.guest.GuestPte;
import dev.copyless.guest.GuestVm;
import dev.copyless.guest.Vcpu;
import dev.copyless.hypervisor.MigrationRequest;
import dev.copyless.hypervisor.MovedPageList;
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
 *
 * <p>Stale entries (the page came back between the inspection and the call) are answered
 * {@code -EAGAIN} and fall back to a copy; other refusals free the destination gfn and
 * leave the page where it is.
 */
public record CopylessBalancing(MigrationOrder order, boolean holdBack, int batch) implements BalancingPolicy {
    public CopylessBalancing {
        if (batch < 1 || batch > MigrationRequest.MAX_PAGES) {
            throw new IllegalArgumentException("copyless batch must be in 1.." + MigrationRequest.MAX_PAGES);
        }
    }

    @Override
    public String key() {
        return "copyless";
    }

    @Override
    public boolean scans() {
        return true;
    }

    @Override
    public long migrate(NumaBalancer b, Vcpu cpu, int gvpn, int srcGfn, int dstVnode) {
        MovedPageList list = b.movedPageList();
        b.stat().inc(Counter.MOVED_LIST_INSPECTIONS);
        if (!list.isMoved(srcGfn)) {
            return b.migrateByCopy(gvpn, srcGfn, dstVnode);
        }
        long ns = 0;
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
        req.add(srcGfn, dst, gvpn, MovedPageList.kind(list.entry(srcGfn)));
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
        long callNs = b.hypervisor().hypercallMigrate(vm.id(), req);
        long ns = Math.max(callNs, 0);
        for (int i = 0; i < req.count; i++) {
            int src = req.srcGfn[i];
            int dst = req.dstGfn[i];
            int gvpn = req.gvpn[i];
            pt[gvpn] = src; // clear PENDING
            int status = callNs < 0 ? (int) callNs : req.status[i];
            if (status == Errno.OK) {
                ns += b.migrateCost();
                vm.remap(gvpn, src, dst);
                b.countMovedBalanced(req.listedKind[i] == dev.copyless.mm.PageState.SWAPPED);
                b.completed(callNs + b.migrateCost());
            } else if (status == -Errno.EAGAIN) {
                vm.freeGfn(dst);
                ns += b.migrateByCopy(gvpn, src, vm.vnodeOf(dst), req.listedKind[i]);
            } else {
                vm.freeGfn(dst);
                b.stat().inc(Counter.PGMIGRATE_FAIL);
            }
        }
        req.clear();
        return ns;
    }
}
