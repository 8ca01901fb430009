package dev.copyless.vm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** {@link Initramfs}: which libraries go in, what the archive holds, and static-executable detection. */
class InitramfsTest {
    private static final Path JDK = Path.of("/usr/lib/jvm/j");

    @Test
    void systemLibrariesFromLddOutput() {
        String ldd = """
                /usr/lib/jvm/j/bin/java:
                \tlinux-vdso.so.1 (0x00007ffd)
                \tlibjli.so => /usr/lib/jvm/j/bin/../lib/libjli.so (0x00007f)
                \tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f)
                \t/lib64/ld-linux-x86-64.so.2 (0x00007f)
                /usr/lib/jvm/j/lib/libawt_headless.so:
                \tlibjvm.so => not found
                \tlibm.so.6 => /lib/x86_64-linux-gnu/libm.so.6 (0x00007f)
                \tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f)
                """;
        assertThat(Initramfs.parseLdd(ldd, JDK)).containsExactly("/lib/x86_64-linux-gnu/libc.so.6",
                "/lib/x86_64-linux-gnu/libm.so.6", "/lib64/ld-linux-x86-64.so.2");
    }

    @Test
    void theJdksHeadlessLibrariesOnly() throws Exception {
        Path home = Path.of(System.getProperty("java.home"));
        List<Path> files = Initramfs.jdkBinaries(home);
        assertThat(files).contains(home.resolve("bin/java"), home.resolve("lib/libjava.so"));
        assertThat(files.stream().map(p -> p.getFileName().toString())).doesNotContainAnyElementsOf(Initramfs.HEADLESS_SKIP);
    }

    @Test
    void theArchiveHoldsInitBusyboxModulesInOrderAndLibraries() {
        byte[] a = Initramfs.build(new byte[] {9, 9}, "#!/bin/busybox sh\n".getBytes(StandardCharsets.US_ASCII),
                List.of(new Initramfs.Module("netfs", new byte[] {1}), new Initramfs.Module("9p", new byte[] {2})),
                Map.of("/lib/x86_64-linux-gnu/libc.so.6", new byte[] {3}));
        Map<String, CpioTest.Entry> byName = new java.util.HashMap<>();
        for (CpioTest.Entry e : CpioTest.read(a)) {
            byName.put(e.name(), e);
        }
        assertThat(byName).containsKeys("init", "bin/busybox", "bin/sh", "dev/console", "proc", "sys", "tmp", "etc/passwd",
                "etc/fstab", "lib/modules/netfs.ko", "lib/modules/9p.ko", "lib/x86_64-linux-gnu/libc.so.6");
        assertThat(byName.get("init").mode() & 0111).isNotZero();
        assertThat(new String(byName.get("lib/modules/load-order").data(), StandardCharsets.US_ASCII)).isEqualTo("netfs\n9p\n");
        assertThat(byName.get("lib/x86_64-linux-gnu/libc.so.6").data()).containsExactly(3);
    }

    @Test
    void theInitScriptRunsSetupAndWritesTheMarkerBeforePoweringOff() {
        String init = new String(VmAssets.initScript(), StandardCharsets.UTF_8);
        assertThat(init).startsWith("#!/bin/busybox sh\n");
        int setup = init.indexOf("sh /run/copyless/setup.sh");
        int marker = init.indexOf("mv /run/copyless/exit.tmp /run/copyless/exit");
        int off = init.indexOf("poweroff -f");
        assertThat(setup).isPositive();
        assertThat(marker).isGreaterThan(setup);
        assertThat(off).isGreaterThan(marker);
        assertThat(init).contains("> /dev/ttyS1 2> /dev/ttyS2", "mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 "
                + GuestScript.RUN_TAG + " " + GuestScript.RUN_DIR);
    }

    @Test
    void staticAndDynamicExecutables() throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        assertThat(Initramfs.isStatic(java)).as("java has a program interpreter").isFalse();
        Path bb = Exec.which("busybox");
        Path ldd = Exec.which("ldd");
        assumeTrue(bb != null && ldd != null, "busybox or ldd is not installed");
        Exec.Result r = Exec.run(List.of(ldd.toString(), bb.toRealPath().toString()));
        boolean lddSaysStatic = (r.outText() + r.err()).contains("not a dynamic executable");
        assertThat(Initramfs.isStatic(bb.toRealPath())).as("agrees with ldd").isEqualTo(lddSaysStatic);
    }

    @Test
    void headlessSkipIsTheXAndSoundLibraries() {
        assertThat(Initramfs.HEADLESS_SKIP).isEqualTo(Set.of("libawt_xawt.so", "libjawt.so", "libjsound.so", "libsplashscreen.so"));
    }
}
