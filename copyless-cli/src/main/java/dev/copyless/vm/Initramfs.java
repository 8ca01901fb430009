package dev.copyless.vm;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * The test VM's initramfs: a static busybox (the shell and every tool the init uses), the init
 * script ({@code init.sh}), the kernel modules in load order, and the host's own copies of the
 * C libraries the JDK needs (the JDK itself comes over 9p, so the guest must run the host's
 * glibc). About 7 MB, uncompressed: the kernel unpacks it faster than it would decompress it.
 */
public final class Initramfs {
    private Initramfs() {}

    /** JDK libraries the guest never loads (they need X11 or sound): their dependencies stay out. */
    static final Set<String> HEADLESS_SKIP = Set.of("libawt_xawt.so", "libjawt.so", "libjsound.so", "libsplashscreen.so");

    /** One module: its name and its bytes (decompressed). */
    public record Module(String name, byte[] ko) {}

    /** The JDK files whose shared-library dependencies the guest must have. */
    public static List<Path> jdkBinaries(Path javaHome) throws IOException {
        List<Path> out = new ArrayList<>();
        out.add(javaHome.resolve("bin/java"));
        Path jvm = javaHome.resolve("lib/server/libjvm.so");
        if (Files.exists(jvm)) {
            out.add(jvm);
        }
        try (Stream<Path> s = Files.list(javaHome.resolve("lib"))) {
            s.filter(p -> p.getFileName().toString().endsWith(".so"))
                    .filter(p -> !HEADLESS_SKIP.contains(p.getFileName().toString()))
                    .sorted().forEach(out::add);
        }
        return out;
    }

    /**
     * The system libraries in {@code ldd}'s output (one or several files), outside the JDK:
     * {@code libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x...)} and the loader's own line
     * {@code /lib64/ld-linux-x86-64.so.2 (0x...)}; the vDSO and libraries not found are left out.
     */
    public static Set<String> parseLdd(String ldd, Path javaHome) {
        Set<String> out = new TreeSet<>();
        String jdk = javaHome.toString() + "/";
        for (String line : ldd.lines().toList()) {
            if (!Character.isWhitespace(line.isEmpty() ? 'x' : line.charAt(0))) {
                continue; // "file:" headers when ldd gets several files
            }
            String t = line.strip();
            String path;
            int arrow = t.indexOf("=>");
            if (arrow >= 0) {
                path = t.substring(arrow + 2).strip();
            } else {
                path = t;
            }
            int paren = path.indexOf(" (");
            if (paren >= 0) {
                path = path.substring(0, paren).strip();
            }
            if (path.startsWith("/") && !path.startsWith(jdk) && !path.contains("/../")) {
                out.add(path);
            }
        }
        return out;
    }

    /** The system libraries the JDK needs on this host, by {@code ldd}. */
    public static Set<String> systemLibraries(Path javaHome) throws IOException {
        Path ldd = Exec.which("ldd");
        if (ldd == null) {
            throw VmException.usage("ldd is not installed (Debian package libc-bin); copyless vm needs it to find the JDK's libraries");
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(ldd.toString());
        for (Path p : jdkBinaries(javaHome)) {
            cmd.add(p.toString());
        }
        Exec.Result r = Exec.run(cmd);
        Set<String> libs = parseLdd(r.outText(), javaHome.toRealPath());
        libs.addAll(parseLdd(r.outText(), javaHome));
        libs.removeIf(l -> l.startsWith(javaHome.toString() + "/"));
        if (libs.stream().noneMatch(l -> l.contains("libc.so"))) {
            throw VmException.failure("ldd found no C library for " + javaHome.resolve("bin/java") + ": " + r.lastLine());
        }
        return libs;
    }

    /** True when the ELF file has no program interpreter (a static executable such as busybox-static's). */
    public static boolean isStatic(Path elf) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(elf.toFile(), "r")) {
            byte[] eh = new byte[64];
            if (f.length() < 64) {
                return false;
            }
            f.readFully(eh);
            ByteBuffer h = ByteBuffer.wrap(eh).order(ByteOrder.LITTLE_ENDIAN);
            if (h.getInt(0) != 0x464C457F || eh[4] != 2) {
                return false;
            }
            long phoff = h.getLong(0x20);
            int phentsize = h.getShort(0x36) & 0xFFFF;
            int phnum = h.getShort(0x38) & 0xFFFF;
            byte[] ph = new byte[4];
            for (int i = 0; i < phnum; i++) {
                f.seek(phoff + (long) i * phentsize);
                f.readFully(ph);
                if (ByteBuffer.wrap(ph).order(ByteOrder.LITTLE_ENDIAN).getInt(0) == 3) { // PT_INTERP
                    return false;
                }
            }
            return true;
        }
    }

    /**
     * The archive.
     *
     * @param libraries host path of each library (kept at the same path in the guest) to its bytes
     */
    public static byte[] build(byte[] busybox, byte[] init, List<Module> modulesInLoadOrder, Map<String, byte[]> libraries) {
        Cpio c = new Cpio();
        for (String d : List.of("bin", "sbin", "usr/bin", "usr/sbin", "proc", "sys", "dev", "tmp", "run", "etc", "root", "mnt",
                "lib/modules")) {
            c.dir(d, 0755);
        }
        c.charDevice("dev/console", 0600, 5, 1);
        c.file("bin/busybox", 0755, busybox);
        c.symlink("bin/sh", "busybox");
        c.file("init", 0755, init);
        StringBuilder order = new StringBuilder();
        for (Module m : modulesInLoadOrder) {
            c.file("lib/modules/" + m.name() + ".ko", 0644, m.ko());
            order.append(m.name()).append('\n');
        }
        c.file("lib/modules/load-order", 0644, order.toString().getBytes(StandardCharsets.US_ASCII));
        for (Map.Entry<String, byte[]> e : new TreeMap<>(libraries).entrySet()) {
            c.file(e.getKey(), 0755, e.getValue());
        }
        c.file("etc/passwd", 0644, "root:x:0:0:root:/root:/bin/sh\n".getBytes(StandardCharsets.US_ASCII));
        c.file("etc/group", 0644, "root:x:0:\n".getBytes(StandardCharsets.US_ASCII));
        c.file("etc/fstab", 0644, new byte[0]); // busybox swapoff -a and mount -a read it
        c.file("etc/hostname", 0644, "copyless-vm\n".getBytes(StandardCharsets.US_ASCII));
        return c.finish();
    }
}
