package dev.copyless.balancer;

import dev.copyless.guest.Vcpu;

/**
 * Today's guest, unaware of the host: allocate a gfn on the destination vNode, copy the
 * page into it (reading the source makes the host bring a moved page back to its source
 * node first), remap, free the source gfn ({@code migrate_misplaced_folio}).
 */
public record NaiveBalancing() implements BalancingPolicy {
    @Override
    public String key() {
        return NAIVE;
    }

    @Override
    public boolean scans() {
        return true;
    }

    @Override
    public boolean holdBack() {
        return false;
    }

    @Override
    public long migrate(NumaBalancer b, Vcpu cpu, int gvpn, int srcGfn, int dstVnode) {
        return b.migrateByCopy(gvpn, srcGfn, dstVnode);
    }

    @Override
    public long flush(NumaBalancer b, Vcpu cpu) {
        return 0;
    }
}
