package dev.copyless.kernel;

import dev.copyless.clock.Agent;

/**
 * The host's NUMA scanner in memory-tiering mode: every {@code scan-period} it runs one pass of
 * {@code task_numa_work} over each VM's guest memory ({@link NumaTiering#scanPass}), making the
 * PTEs of demoted pages {@code PROT_NONE} and stamping their scan time. On Linux the pass runs
 * as task work of the VM process's threads; its PTE updates are counted
 * ({@code host_numa_pte_updates}) but, like the demotion agent's work, charged to no vCPU. Runs
 * only with {@code host.demotion.promotion: tiering} ({@link SimulatedHost#hostNumaScanner}).
 */
public final class HostNumaScanner extends Agent {
    private final Kernel k;
    private final long period;

    HostNumaScanner(Kernel k) {
        this.k = k;
        this.period = k.config.promotion().scanPeriodNs();
    }

    @Override
    public String name() {
        return "host-numa-scanner";
    }

    @Override
    public long doWork(long now) {
        for (int vm = 0; vm < k.vmCount(); vm++) {
            k.tiering.scanPass(vm, now);
        }
        return now + period;
    }
}
