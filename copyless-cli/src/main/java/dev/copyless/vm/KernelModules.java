package dev.copyless.vm;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The kernel modules the guest loads before it can reach its disks and shares: virtio-blk
 * (the swap disk) and 9p over virtio (the JDK, the build, the run folder), with their
 * dependencies. Debian's kernel package ships no {@code modules.dep} (depmod runs at install)
 * and busybox's {@code insmod} resolves nothing, so each module's {@code depends=} field is
 * read from its {@code .modinfo} strings and the modules are loaded dependencies first.
 * (virtio, virtio_pci, virtio_ring and fscache are built into Debian's 6.12.)
 */
public final class KernelModules {
    private KernelModules() {}

    /** The modules the guest needs; their dependencies are added by {@link #loadOrder}. */
    public static final List<String> WANTED = List.of("virtio_blk", "9pnet_virtio", "9p");

    /** The module name of a file: {@code 9pnet_virtio.ko.xz} gives {@code 9pnet_virtio}; dashes become underscores. */
    public static String moduleName(String fileName) {
        String n = fileName.substring(fileName.lastIndexOf('/') + 1);
        int ko = n.indexOf(".ko");
        return (ko >= 0 ? n.substring(0, ko) : n).replace('-', '_');
    }

    /** The modules a module depends on, from the {@code depends=} string of its {@code .modinfo}; empty if none. */
    public static List<String> depends(byte[] ko) {
        byte[] key = "depends=".getBytes(StandardCharsets.US_ASCII);
        outer:
        for (int i = 0; i + key.length <= ko.length; i++) {
            if (i > 0 && ko[i - 1] != 0) {
                continue; // .modinfo strings start after a NUL
            }
            for (int k = 0; k < key.length; k++) {
                if (ko[i + k] != key[k]) {
                    continue outer;
                }
            }
            int end = i + key.length;
            while (end < ko.length && ko[end] != 0) {
                end++;
            }
            String v = new String(ko, i + key.length, end - i - key.length, StandardCharsets.US_ASCII).strip();
            List<String> out = new ArrayList<>();
            for (String d : v.split(",")) {
                if (!d.isBlank()) {
                    out.add(d.strip().replace('-', '_'));
                }
            }
            return out;
        }
        return List.of();
    }

    /**
     * The order to load {@code wanted} and everything they depend on, dependencies first.
     *
     * @param depends each known module's dependencies
     * @throws VmException when a needed module is unknown or the dependencies form a cycle
     */
    public static List<String> loadOrder(List<String> wanted, Map<String, List<String>> depends) {
        Set<String> done = new LinkedHashSet<>();
        for (String w : wanted) {
            visit(w, depends, done, new LinkedHashSet<>(), null);
        }
        return List.copyOf(done);
    }

    private static void visit(String m, Map<String, List<String>> depends, Set<String> done, Set<String> path, String neededBy) {
        if (done.contains(m)) {
            return;
        }
        if (!depends.containsKey(m)) {
            throw VmException.failure("the kernel package has no module " + m + (neededBy == null ? "" : " (needed by " + neededBy + ")"));
        }
        if (!path.add(m)) {
            throw VmException.failure("the kernel modules depend on each other in a cycle: " + String.join(" -> ", path) + " -> " + m);
        }
        for (String d : depends.get(m)) {
            visit(d, depends, done, path, m);
        }
        path.remove(m);
        done.add(m);
    }
}
