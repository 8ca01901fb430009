package dev.copyless.linux;

import java.io.IOException;

/**
 * The kernel primitive that carries out claim 1's host operation on real Linux: moving a
 * swapped-out gfn's swap entry (or a resident gfn's page) to another gfn of the same guest
 * RAM without reading the data.
 *
 * <ul>
 *   <li>{@link #UFFDIO_MOVE} (Linux 6.8 and later, {@link Userfaultfd}): moves page-table
 *       entries inside the mapping; guest RAM stays one mapping however scattered the pages,
 *       and the destination keeps its own memory policy (its vNode's {@code MPOL_BIND}).
 *   <li>{@link #MREMAP} (the fallback on older kernels):
 *       {@code mremap(MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP)}. Each moved run becomes
 *       a mapping of its own carrying the source's policy (re-bound afterwards), so scattered
 *       moves split guest RAM once per page and {@code vm.max_map_count} bounds them
 *       ({@link #note}).
 * </ul>
 *
 * {@link #detect} picks {@code UFFDIO_MOVE} when this kernel's {@code UFFDIO_API} reports
 * {@code UFFD_FEATURE_MOVE}.
 */
public enum MovePrimitive {
    UFFDIO_MOVE("uffdio-move"),
    MREMAP("mremap");

    private final String key;

    MovePrimitive(String key) {
        this.key = key;
    }

    /** The name in JSON and tables: {@code uffdio-move} or {@code mremap}. */
    public String key() {
        return key;
    }

    /**
     * {@link #UFFDIO_MOVE} when this kernel offers it, else {@link #MREMAP}. The system property
     * {@code copyless.linux.primitive=mremap} forces the fallback (to compare the two on one
     * kernel, e.g. {@code JAVA_TOOL_OPTIONS=-Dcopyless.linux.primitive=mremap ./copyless linux-demo}).
     */
    public static MovePrimitive detect() {
        if (MREMAP.key.equals(System.getProperty("copyless.linux.primitive"))) {
            return MREMAP;
        }
        return Userfaultfd.moveUnavailableReason().isEmpty() ? UFFDIO_MOVE : MREMAP;
    }

    /** {@code vm.max_map_count} (the kernel default 65,530 when it cannot be read). */
    public static long maxMapCount() {
        try {
            return Long.parseLong(LinuxHost.readProcFile("/proc/sys/vm/max_map_count").trim());
        } catch (IOException | NumberFormatException e) {
            return 65530;
        }
    }

    /**
     * The most scattered pages one guest-RAM experiment may move with this primitive: no bound
     * for {@code UFFDIO_MOVE} (the given ceiling), and for {@code mremap} what
     * {@code vm.max_map_count} leaves, since each scattered move may split off a mapping
     * (a third of the free mappings, keeping 4,096 for the JVM).
     */
    public int maxScatteredPages(int ceiling) {
        return this == UFFDIO_MOVE ? ceiling : (int) Math.max(1, Math.min(ceiling, (maxMapCount() - 4096) / 3));
    }

    /**
     * The one line a run says about the primitive when it is the fallback: why, and the bound
     * it brings; empty for {@code UFFDIO_MOVE}.
     */
    public String note() {
        if (this == UFFDIO_MOVE) {
            return "";
        }
        return "copyless falls back to mremap (" + Userfaultfd.moveUnavailableReason().orElse("UFFDIO_MOVE not used")
                + "): each scattered move splits guest RAM's mapping, so vm.max_map_count (" + maxMapCount()
                + ") bounds the scattered pages moved to about " + maxScatteredPages(1 << 20);
    }
}
