package dev.copyless.balancer;

import dev.copyless.guest.Vcpu;

/** {@code numa_balancing=0}: no scanning, no hinting faults, no migrations. The baseline. */
public record NoBalancing() implements BalancingPolicy {
    @Override
    public String key() {
        return NONE;
    }

    @Override
    public boolean scans() {
        return false;
    }

    @Override
    public boolean holdBack() {
        return false;
    }

    @Override
    public long migrate(NumaBalancer b, Vcpu cpu, int gvpn, int srcGfn, int dstVnode) {
        return 0;
    }

    @Override
    public long flush(NumaBalancer b, Vcpu cpu) {
        return 0;
    }
}
