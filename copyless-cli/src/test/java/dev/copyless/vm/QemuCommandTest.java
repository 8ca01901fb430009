package dev.copyless.vm;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link QemuCommand}: the command line of the probe's recipe, for any shape of {@link VmSpec}. */
class QemuCommandTest {
    private static final Path Q = Path.of("/usr/bin/qemu-system-x86_64");

    private static List<String> build(VmSpec s, List<Share> shares) {
        return QemuCommand.build(s, Q, Path.of("/c/vmlinux"), Path.of("/c/initrd.cpio"), Path.of("/r/swap.img"),
                Path.of("/r/console.log"), shares);
    }

    /** The value after each occurrence of an option. */
    private static List<String> values(List<String> argv, String option) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i + 1 < argv.size(); i++) {
            if (argv.get(i).equals(option)) {
                out.add(argv.get(i + 1));
            }
        }
        return out;
    }

    @Test
    void twoNodesOneSocketEachOnTcg() {
        List<String> a = build(VmSpec.of(2, "1G", 2, "1G", 20), List.of());
        assertThat(a.get(0)).isEqualTo(Q.toString());
        assertThat(values(a, "-accel")).containsExactly("tcg,thread=single");
        assertThat(values(a, "-m")).containsExactly("2048M");
        assertThat(values(a, "-smp")).containsExactly("2,sockets=2,cores=1,threads=1");
        assertThat(values(a, "-object")).containsExactly("memory-backend-ram,id=mem0,size=1024M",
                "memory-backend-ram,id=mem1,size=1024M");
        assertThat(values(a, "-numa")).containsExactly("node,nodeid=0,cpus=0,memdev=mem0", "node,nodeid=1,cpus=1,memdev=mem1",
                "dist,src=0,dst=1,val=20");
        assertThat(values(a, "-kernel")).containsExactly("/c/vmlinux");
        assertThat(values(a, "-initrd")).containsExactly("/c/initrd.cpio");
        assertThat(values(a, "-drive")).containsExactly("file=/r/swap.img,if=virtio,format=raw,cache=unsafe");
        assertThat(a).contains("-no-reboot");
        assertThat(a).doesNotContain("-enable-kvm");
    }

    @Test
    void theKernelCommandLineSwitchesBalancingAndZswapOffAndCarriesTheMarker() {
        String append = values(build(VmSpec.of(1, "1G", 1, "1G", 20), List.of()), "-append").get(0);
        assertThat(append.split(" ")).contains("console=ttyS0", "numa_balancing=disable", "zswap.enabled=0", "panic=-1",
                "tsc=reliable", QemuCommand.GUEST_MARKER);
    }

    @Test
    void uneqalNodesAndSeveralCoresPerSocket() {
        List<String> a = build(VmSpec.of(3, "512M,256M,256M", 6, "512M", 21), List.of());
        assertThat(values(a, "-m")).containsExactly("1024M");
        assertThat(values(a, "-smp")).containsExactly("6,sockets=3,cores=2,threads=1");
        assertThat(values(a, "-numa")).containsExactly("node,nodeid=0,cpus=0-1,memdev=mem0", "node,nodeid=1,cpus=2-3,memdev=mem1",
                "node,nodeid=2,cpus=4-5,memdev=mem2", "dist,src=0,dst=1,val=21", "dist,src=0,dst=2,val=21",
                "dist,src=1,dst=2,val=21");
        assertThat(values(a, "-object")).containsExactly("memory-backend-ram,id=mem0,size=512M",
                "memory-backend-ram,id=mem1,size=256M", "memory-backend-ram,id=mem2,size=256M");
    }

    @Test
    void sharesAndSerialPortsInOrderWithCommasEscaped() {
        List<Share> shares = List.of(new Share("jdk", Path.of("/usr/lib/jvm/j"), "/usr/lib/jvm/j", true),
                new Share("copyless", Path.of("/r/a,b"), "/run/copyless", false));
        List<String> a = build(VmSpec.of(2, "1G", 2, "1G", 20), shares);
        assertThat(values(a, "-virtfs")).containsExactly(
                "local,path=/usr/lib/jvm/j,mount_tag=jdk,security_model=none,readonly=on",
                "local,path=/r/a,,b,mount_tag=copyless,security_model=none");
        // ttyS0 the kernel console (a file), ttyS1 the command's stdout, ttyS2 its stderr
        assertThat(values(a, "-serial")).containsExactly("chardev:console", "chardev:out", "chardev:err");
        assertThat(values(a, "-chardev")).containsExactly("file,id=console,path=/r/console.log", "stdio,id=out,signal=off",
                "file,id=err,path=/dev/stderr,append=on");
    }
}
