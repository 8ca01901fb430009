package dev.copyless.linux;

import java.util.Arrays;

/**
 * How the Linux backend charges what it does to the run's clock ({@code --real-clock}):
 *
 * <ul>
 *   <li>{@link #MEASURED} (default): every fault, swap-in, copy, {@code UFFDIO_MOVE} and
 *       {@code move_pages} is charged the nanoseconds it took here. Honest about this machine,
 *       but under a loaded host or QEMU's TCG those times vary from run to run, and so does the
 *       guest work a second of run time holds: two runs are not comparable count by count.</li>
 *   <li>{@link #MODELLED}: every operation is charged what the simulator charges for the same
 *       event, from the scenario's cost model (a cost profile, {@code --cost-profile}, sets it
 *       to calibrated medians): a first touch {@code ept-fault-ns + zero-page-ns}; a swap-in the
 *       kernel made a major fault ({@code getrusage(RUSAGE_THREAD)}'s {@code ru_majflt}) the
 *       swap device's read latency plus one page at its bandwidth, a swap-cache hit only the EPT
 *       fault; a copy {@code page-copy} for the node pair; a copyless remap
 *       {@code remap-page-ns} per page, a batch's reads one latency plus a page's transfer per
 *       page read. What the kernel decided (which pages it reclaimed, read ahead, kept in the
 *       swap cache) still comes from the kernel: only the clock is the model's, so the guest
 *       does the same work per second as in the simulator and two runs differ only by the
 *       kernel's decisions. {@code copyless fidelity} runs the real side this way.</li>
 * </ul>
 * Not charged on the modelled clock: the time the kernel spends in direct reclaim inside a
 * fault (the simulator charges its own reclaim scans) and the EPT fault the simulator charges on
 * the first touch of a copyless destination ({@code ept_remap_faults}): a process's page
 * tables have no second level to fault on.
 */
public enum RealClock {
    MEASURED("measured"), MODELLED("modelled");

    private final String key;

    RealClock(String key) {
        this.key = key;
    }

    public String key() {
        return key;
    }

    /** By key; an {@link IllegalArgumentException} naming the keys otherwise. */
    public static RealClock fromKey(String key) {
        for (RealClock c : values()) {
            if (c.key.equals(key)) {
                return c;
            }
        }
        throw new IllegalArgumentException("expected one of " + Arrays.stream(values()).map(RealClock::key).toList()
                + ", got '" + key + "'");
    }
}
