package dev.copyless.linux;

import dev.copyless.mm.Errno;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What this Linux host offers the backend: its online NUMA nodes
 * ({@code /sys/devices/system/node/online}), its active swap devices ({@code /proc/swaps}),
 * and whether this process can really use swap (root, an active device with room,
 * {@code MADV_PAGEOUT} that puts a page into swap). When it cannot, {@link #swapUnusableReason}
 * says why in one line with what to do. Plumbing for the first migrations of claim 1 (the
 * host moving pages to swap behind the guest's back).
 */
public final class LinuxHost {
    private LinuxHost() {}

    /** How to enable a swap file, quoted in the one-line reasons. */
    public static final String ENABLE_SWAP_HINT = "as root: fallocate -l 1G /var/tmp/copyless.swap && chmod 600 /var/tmp/copyless.swap"
            + " && mkswap /var/tmp/copyless.swap && swapon /var/tmp/copyless.swap (swapoff and rm it when done)";

    /** One active swap device of {@code /proc/swaps}. */
    public record SwapArea(String name, String type, long sizeKiB, long usedKiB, int priority) {
        public long freePages() {
            return (sizeKiB - usedKiB) / 4;
        }
    }

    /**
     * The whole text of a {@code /proc} or {@code /sys} file. ({@code Files.readString} trusts
     * the size the file reports, which procfs gives as 0, and can return a truncated text.)
     */
    public static String readProcFile(String path) throws IOException {
        try (InputStream in = Files.newInputStream(Path.of(path))) {
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        }
    }

    /** The online NUMA nodes, ascending (at least node 0). */
    public static int[] onlineNodes() {
        try {
            return parseNodeList(readProcFile("/sys/devices/system/node/online").trim());
        } catch (IOException e) {
            return new int[] {0};
        }
    }

    static int[] parseNodeList(String s) {
        List<Integer> out = new ArrayList<>();
        for (String part : s.split(",")) {
            if (part.isBlank()) {
                continue;
            }
            int dash = part.indexOf('-');
            if (dash < 0) {
                out.add(Integer.parseInt(part.trim()));
            } else {
                int a = Integer.parseInt(part.substring(0, dash).trim());
                int b = Integer.parseInt(part.substring(dash + 1).trim());
                for (int i = a; i <= b; i++) {
                    out.add(i);
                }
            }
        }
        return out.isEmpty() ? new int[] {0} : out.stream().mapToInt(Integer::intValue).toArray();
    }

    /** The active swap devices. */
    public static List<SwapArea> swapAreas() {
        List<SwapArea> out = new ArrayList<>();
        try {
            List<String> lines = readProcFile("/proc/swaps").lines().toList();
            for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
                String[] f = line.trim().split("\\s+");
                if (f.length >= 5) {
                    out.add(new SwapArea(f[0], f[1], Long.parseLong(f[2]), Long.parseLong(f[3]), Integer.parseInt(f[4])));
                }
            }
        } catch (IOException e) {
            return List.of();
        }
        return out;
    }

    /** Free swap pages over all active devices. */
    public static long freeSwapPages() {
        return swapAreas().stream().mapToLong(SwapArea::freePages).sum();
    }

    /**
     * Waits until no page is being written to swap ({@code nr_writeback} of {@code /proc/vmstat}
     * is 0), polling every millisecond, for at most {@code maxMillis}. Returns whether it got there.
     */
    public static boolean awaitSwapWriteback(long maxMillis) {
        long end = System.nanoTime() + maxMillis * 1_000_000L;
        while (System.nanoTime() < end) {
            if (ProcVmstat.vmstat().getOrDefault("nr_writeback", 0L) == 0) {
                return true;
            }
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return false;
    }

    /** On the kernel command line of the copyless test VM ({@code copyless vm}). */
    public static final String TEST_VM_MARKER = "copyless.vm=1";

    /** True inside the copyless test VM, whose nodes, cgroups and sysctls a run may change. */
    public static boolean isTestVm() {
        try {
            return readProcFile("/proc/cmdline").contains(TEST_VM_MARKER);
        } catch (IOException e) {
            return false;
        }
    }

    static boolean isRoot() {
        try {
            for (String line : readProcFile("/proc/self/status").lines().toList()) {
                if (line.startsWith("Uid:")) {
                    return line.split("\\s+")[2].equals("0"); // effective uid
                }
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }

    /**
     * Empty when this process can use swap for real; else one line saying why and what to do.
     * The probe pages out one page with {@code MADV_PAGEOUT} and looks for it in the pagemap.
     */
    public static Optional<String> swapUnusableReason() {
        if (!isRoot()) {
            return Optional.of("swap is not usable: not running as root (the swap type and offset in /proc/self/pagemap"
                    + " need CAP_SYS_ADMIN); run as root, with a swap device active (" + ENABLE_SWAP_HINT + ")");
        }
        if (swapAreas().isEmpty()) {
            return Optional.of("swap is not usable: no swap device is active (/proc/swaps is empty); enable one " + ENABLE_SWAP_HINT);
        }
        if (freeSwapPages() < 16) {
            return Optional.of("swap is not usable: the active swap devices are full; enable a bigger one " + ENABLE_SWAP_HINT);
        }
        // a fresh page per attempt: MADV_PAGEOUT drains only this CPU's LRU batch, so a page touched
        // before the thread moved to another CPU waits in that CPU's batch, where reclaim cannot take it
        try (Pagemap pm = new Pagemap()) {
            for (int attempt = 0; attempt < 5; attempt++) {
                long addr;
                try {
                    addr = Syscalls.mmapAnonymous(0, Syscalls.PAGE_SIZE, Syscalls.PROT_READ | Syscalls.PROT_WRITE,
                            Syscalls.MAP_PRIVATE);
                } catch (SyscallException e) {
                    return Optional.of("cannot map memory: " + e.getMessage());
                }
                try {
                    Syscalls.segment(addr, Syscalls.PAGE_SIZE).fill((byte) 0x5A);
                    Syscalls.madvise(addr, Syscalls.PAGE_SIZE, Syscalls.MADV_PAGEOUT);
                    if (Pagemap.swapped(pm.entry(addr))) {
                        return Optional.empty();
                    }
                } catch (SyscallException e) {
                    if (e.errno() == Errno.EINVAL) {
                        return Optional.of("swap is not usable: this kernel has no MADV_PAGEOUT (Linux 5.4 or later is needed)");
                    }
                    return Optional.of("swap is not usable: " + e.getMessage());
                } finally {
                    Syscalls.munmap(addr, Syscalls.PAGE_SIZE);
                }
            }
            return Optional.of("swap is not usable: MADV_PAGEOUT did not put a page into swap (is this process in a cgroup"
                    + " with memory.swap.max = 0?); run it where swap is allowed, with a swap device active");
        }
    }
}
