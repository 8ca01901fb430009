package dev.copyless.vm;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/**
 * A writer of the cpio "newc" format the kernel unpacks as an initramfs
 * (Documentation/driver-api/early-userspace/buffer-format.rst): per entry a 110-byte ASCII
 * header ({@code 070701} and thirteen 8-digit hex fields), the NUL-terminated name padded to 4
 * bytes, the data padded to 4 bytes; a {@code TRAILER!!!} entry ends the archive. Entries are
 * owned by root with mtime 0, so the archive depends on its contents only. Parent folders are
 * added before their first entry. (The machines have no {@code cpio}; busybox's needs a tree on
 * disk.)
 */
public final class Cpio {
    public static final String MAGIC = "070701";
    public static final int HEADER_BYTES = 110;
    public static final String TRAILER = "TRAILER!!!";

    private final ByteArrayOutputStream out = new ByteArrayOutputStream(1 << 20);
    private final Set<String> dirs = new HashSet<>();
    private int ino = 1;
    private boolean finished;

    /** A folder (mode e.g. 0755); its parents are added first. */
    public Cpio dir(String path, int mode) {
        String p = normalize(path);
        if (p.isEmpty() || dirs.contains(p)) {
            return this;
        }
        parents(p);
        dirs.add(p);
        entry(p, 0040000 | (mode & 07777), 2, 0, 0, new byte[0]);
        return this;
    }

    /** A regular file (mode e.g. 0755 or 0644). */
    public Cpio file(String path, int mode, byte[] data) {
        String p = normalize(path);
        parents(p);
        entry(p, 0100000 | (mode & 07777), 1, 0, 0, data);
        return this;
    }

    /** A symbolic link to {@code target}. */
    public Cpio symlink(String path, String target) {
        String p = normalize(path);
        parents(p);
        entry(p, 0120777, 1, 0, 0, target.getBytes(StandardCharsets.UTF_8));
        return this;
    }

    /** A character device node (e.g. {@code dev/console}, 5:1). */
    public Cpio charDevice(String path, int mode, int major, int minor) {
        String p = normalize(path);
        parents(p);
        entry(p, 0020000 | (mode & 07777), 1, major, minor, new byte[0]);
        return this;
    }

    /** Ends the archive with the trailer and returns its bytes. */
    public byte[] finish() {
        if (!finished) {
            entry(TRAILER, 0, 1, 0, 0, new byte[0]);
            finished = true;
        }
        return out.toByteArray();
    }

    private void parents(String p) {
        int slash = p.lastIndexOf('/');
        if (slash > 0) {
            dir(p.substring(0, slash), 0755);
        }
    }

    private static String normalize(String path) {
        String p = path;
        while (p.startsWith("/")) {
            p = p.substring(1);
        }
        while (p.endsWith("/")) {
            p = p.substring(0, p.length() - 1);
        }
        if (p.contains("//") || p.equals(".") || p.startsWith("./") || p.contains("/../")) {
            throw new IllegalArgumentException("not a plain relative path: " + path);
        }
        return p;
    }

    private void entry(String name, int mode, int nlink, int rdevMajor, int rdevMinor, byte[] data) {
        if (finished) {
            throw new IllegalStateException("archive already finished");
        }
        byte[] n = (name + "\0").getBytes(StandardCharsets.UTF_8);
        StringBuilder h = new StringBuilder(HEADER_BYTES).append(MAGIC);
        for (long f : new long[] {ino++, mode, 0, 0, nlink, 0, data.length, 0, 0, rdevMajor, rdevMinor, n.length, 0}) {
            h.append(String.format(Locale.ROOT, "%08x", f));
        }
        out.writeBytes(h.toString().getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(n);
        pad();
        out.writeBytes(data);
        pad();
    }

    private void pad() {
        while (out.size() % 4 != 0) {
            out.write(0);
        }
    }
}
