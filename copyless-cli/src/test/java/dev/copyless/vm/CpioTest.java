package dev.copyless.vm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link Cpio}: a newc archive read back field by field, and by busybox's own cpio where it is installed. */
class CpioTest {

    record Entry(String name, int mode, int rdevMajor, int rdevMinor, byte[] data) {}

    /** A reader of the newc format, written from the kernel's buffer-format description. */
    static List<Entry> read(byte[] a) {
        List<Entry> out = new ArrayList<>();
        int pos = 0;
        while (true) {
            String h = new String(a, pos, Cpio.HEADER_BYTES, StandardCharsets.US_ASCII);
            assertThat(h).startsWith(Cpio.MAGIC);
            long[] f = new long[13];
            for (int i = 0; i < 13; i++) {
                f[i] = Long.parseLong(h.substring(6 + 8 * i, 14 + 8 * i), 16);
            }
            int nameSize = (int) f[11];
            String name = new String(a, pos + Cpio.HEADER_BYTES, nameSize - 1, StandardCharsets.UTF_8);
            assertThat(a[pos + Cpio.HEADER_BYTES + nameSize - 1]).isZero();
            int data = align(pos + Cpio.HEADER_BYTES + nameSize);
            int size = (int) f[6];
            if (name.equals(Cpio.TRAILER)) {
                return out;
            }
            out.add(new Entry(name, (int) f[1], (int) f[9], (int) f[10], Arrays.copyOfRange(a, data, data + size)));
            pos = align(data + size);
        }
    }

    private static int align(int v) {
        return (v + 3) & ~3;
    }

    private static byte[] sample() {
        return new Cpio()
                .file("bin/busybox", 0755, new byte[] {1, 2, 3, 4, 5})
                .symlink("bin/sh", "busybox")
                .charDevice("dev/console", 0600, 5, 1)
                .file("/lib/x86_64-linux-gnu/libc.so.6", 0755, "libc".getBytes(StandardCharsets.US_ASCII))
                .dir("tmp", 01777)
                .finish();
    }

    @Test
    void entriesComeBackWithParentsFirstAndTheirTypes() {
        List<Entry> e = read(sample());
        assertThat(e.stream().map(Entry::name)).containsExactly("bin", "bin/busybox", "bin/sh", "dev", "dev/console", "lib",
                "lib/x86_64-linux-gnu", "lib/x86_64-linux-gnu/libc.so.6", "tmp");
        assertThat(e.get(0).mode()).isEqualTo(0040755);
        assertThat(e.get(1).mode()).isEqualTo(0100755);
        assertThat(e.get(1).data()).containsExactly(1, 2, 3, 4, 5);
        assertThat(e.get(2).mode()).isEqualTo(0120777);
        assertThat(new String(e.get(2).data(), StandardCharsets.US_ASCII)).isEqualTo("busybox");
        assertThat(e.get(4).mode()).isEqualTo(0020600);
        assertThat(e.get(4).rdevMajor()).isEqualTo(5);
        assertThat(e.get(4).rdevMinor()).isEqualTo(1);
        assertThat(e.get(8).mode()).isEqualTo(0041777);
    }

    @Test
    void sameContentSameBytes() {
        assertThat(sample()).isEqualTo(sample());
        assertThat(sample().length % 4).isZero();
    }

    @Test
    void onlyPlainRelativePaths() {
        assertThatThrownBy(() -> new Cpio().file("a/../b", 0644, new byte[0])).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Cpio().file("./a", 0644, new byte[0])).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void busyboxCpioListsTheSameNames(@TempDir Path tmp) throws Exception {
        Path bb = Exec.which("busybox");
        assumeTrue(bb != null, "busybox is not installed (apt-get install busybox-static)");
        Path a = tmp.resolve("a.cpio");
        Files.write(a, sample());
        Exec.Result r = Exec.run(List.of(bb.toString(), "cpio", "-t", "-F", a.toString()));
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.outText().lines()).containsExactly("bin", "bin/busybox", "bin/sh", "dev", "dev/console", "lib",
                "lib/x86_64-linux-gnu", "lib/x86_64-linux-gnu/libc.so.6", "tmp");
    }
}
