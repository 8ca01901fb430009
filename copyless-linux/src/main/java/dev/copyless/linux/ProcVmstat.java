package dev.copyless.linux;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Readers of the kernel's counters: the system-wide {@code /proc/vmstat} ({@code pswpin},
 * {@code pswpout}, {@code pgmajfault}, {@code numa_pages_migrated}, ...) and this process's
 * fault counters ({@code minflt}, {@code majflt} from {@code /proc/self/stat}). A
 * {@link Snapshot} taken before and after a migration path gives the path's deltas (the
 * verification of item 7). Measurement plumbing; implements no claim.
 */
public final class ProcVmstat {
    private ProcVmstat() {}

    /** The counters of interest at one instant. */
    public record Snapshot(long pswpin, long pswpout, long pgmajfault, long numaPagesMigrated,
                           long processMinflt, long processMajflt, long pgmigrateSuccess) {
        /** this - before, counter by counter. */
        public Snapshot minus(Snapshot before) {
            return new Snapshot(pswpin - before.pswpin, pswpout - before.pswpout, pgmajfault - before.pgmajfault,
                    numaPagesMigrated - before.numaPagesMigrated, processMinflt - before.processMinflt,
                    processMajflt - before.processMajflt, pgmigrateSuccess - before.pgmigrateSuccess);
        }
    }

    public static Snapshot snapshot() {
        Map<String, Long> v = vmstat();
        long[] f = processFaults();
        return new Snapshot(v.getOrDefault("pswpin", 0L), v.getOrDefault("pswpout", 0L),
                v.getOrDefault("pgmajfault", 0L), v.getOrDefault("numa_pages_migrated", 0L), f[0], f[1],
                v.getOrDefault("pgmigrate_success", 0L));
    }

    /** All of {@code /proc/vmstat}, in the kernel's order. */
    public static Map<String, Long> vmstat() {
        Map<String, Long> m = new LinkedHashMap<>();
        try {
            for (String line : LinuxHost.readProcFile("/proc/vmstat").lines().toList()) {
                int sp = line.indexOf(' ');
                if (sp > 0) {
                    m.put(line.substring(0, sp), Long.parseLong(line.substring(sp + 1).trim()));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read /proc/vmstat", e);
        }
        return m;
    }

    /** {@code {minflt, majflt}} of this process (all threads), fields 10 and 12 of {@code /proc/self/stat}. */
    public static long[] processFaults() {
        try {
            String s = LinuxHost.readProcFile("/proc/self/stat");
            String[] f = s.substring(s.lastIndexOf(')') + 2).trim().split(" ");
            // f[0] is field 3 (state): field n is f[n - 3]
            return new long[] {Long.parseLong(f[10 - 3]), Long.parseLong(f[12 - 3])};
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read /proc/self/stat", e);
        }
    }
}
