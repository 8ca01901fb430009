package dev.copyless.sim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.copyless.balancer.BalancingPolicy;
import dev.copyless.guest.GuestVm;
import dev.copyless.metrics.Counter;
import dev.copyless.metrics.RunResult;
import dev.copyless.mm.MigrationOrder;
import dev.copyless.scenario.Scenario;
import dev.copyless.sim.Simulation;
import dev.copyless.testkit.Scenarios;
import org.junit.jupiter.api.Test;

/** Per-page state is primitive arrays: a 64 GiB guest (16 M gfns) fits in the default heap. */
class LargeGuestTest {

    @Test
    void a64GiBGuestCanBeBuiltAndRun() {
        Scenario s = Scenarios.parse("""
                name: large
                duration: 3ms
                host:
                  nodes:
                    - {id: 0, memory: 32GiB}
                    - {id: 1, memory: 32GiB}
                vms:
                  - name: big
                    vnodes:
                      - {id: 0, memory: 32GiB, host-node: 0, vcpus: 1}
                      - {id: 1, memory: 32GiB, host-node: 1, vcpus: 1}
                    tasks:
                      - {name: t, vnode: 0, footprint: 16MiB}
                scheduler: {interval: 1ms, pattern: round-robin, quantum: 100us}
                balancer: {scan-period-min: 1ms, scan-period-max: 1ms, scan-delay: 1ms, scan-size: 2MiB}
                """);
        Simulation sim = new Simulation(s, BalancingPolicy.of("copyless-holdback", MigrationOrder.MIGRATE_BEFORE_MAP, 16))
                .checkInvariantsAfterEachEvent(false);
        GuestVm vm = sim.vms().get(0);
        assertThat(vm.gfns()).isEqualTo(1 << 24);
        assertThat(sim.hypervisor().movedPageList(0).capacity()).isEqualTo(1 << 24);
        assertThat(sim.host().node(0).frames() + sim.host().node(1).frames()).isEqualTo(1 << 24);

        RunResult r = sim.run();

        assertThat(r.counter(Counter.GUEST_ACCESSES)).isPositive();
        assertThat(r.counter(Counter.PGALLOC_ZERO)).isPositive();
        assertThat(r.counter(Counter.TASK_MOVES)).isPositive();
        sim.checkInvariants();
    }
}
