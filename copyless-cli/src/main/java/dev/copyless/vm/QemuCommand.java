package dev.copyless.vm;

import dev.copyless.linux.LinuxHost;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The QEMU command line of the test VM, built from a {@link VmSpec} (docs/VM.md explains every
 * choice; they come from a probe on these machines, shared/notes/rig.md):
 *
 * <ul>
 *   <li>TCG, one thread ({@code -accel tcg,thread=single}): {@code /dev/kvm} here is PVM, on which a
 *       stock kernel does not boot usefully; single-threaded TCG boots as fast on two host cores,
 *       and the one boot failure seen in 54 came with {@code thread=multi};
 *   <li>one {@code memory-backend-ram} per node and one socket per node
 *       ({@code -smp C,sockets=N,cores=C/N}): with one socket spread over two nodes the kernel
 *       warns that an LLC spans nodes and taints itself;
 *   <li>the kernel booted through its PVH entry ({@code -kernel vmlinux}), no firmware disk;
 *   <li>the swap disk as {@code virtio-blk} ({@code /dev/vda}), the shares as 9p;
 *   <li>three serial ports: the kernel console (ttyS0) to a file, the command's stdout (ttyS1)
 *       to QEMU's stdout, its stderr (ttyS2) to QEMU's stderr.
 * </ul>
 *
 * The kernel command line turns NUMA balancing and zswap off (a run that wants them sets
 * them itself), keeps the TSC trusted, powers off on panic ({@code panic=-1} with
 * {@code -no-reboot}), and carries {@code copyless.vm=1}, by which the guest's copyless knows
 * it runs in this VM.
 */
public final class QemuCommand {
    private QemuCommand() {}

    /** The marker on the guest kernel's command line (read back from {@code /proc/cmdline}). */
    public static final String GUEST_MARKER = LinuxHost.TEST_VM_MARKER;

    /** The kernel command line. */
    public static String kernelCommandLine() {
        return "console=ttyS0 loglevel=4 mitigations=off numa_balancing=disable zswap.enabled=0 panic=-1 tsc=reliable "
                + GUEST_MARKER;
    }

    /**
     * @param qemu       the {@code qemu-system-x86_64} binary
     * @param kernel     an uncompressed {@code vmlinux} with a PVH entry note
     * @param swapImage  a raw image, made a swap area by the guest
     * @param consoleLog where the kernel console goes
     */
    public static List<String> build(VmSpec spec, Path qemu, Path kernel, Path initrd, Path swapImage, Path consoleLog,
                                     List<Share> shares) {
        List<String> a = new ArrayList<>();
        a.add(qemu.toString());
        a.addAll(List.of("-machine", "q35", "-accel", "tcg,thread=single", "-cpu", "max", "-nodefaults"));
        a.addAll(List.of("-m", spec.totalMiB() + "M"));
        int cores = spec.cpusPerNode();
        a.addAll(List.of("-smp", spec.cpus() + ",sockets=" + spec.nodes() + ",cores=" + cores + ",threads=1"));
        for (int n = 0; n < spec.nodes(); n++) {
            a.addAll(List.of("-object", "memory-backend-ram,id=mem" + n + ",size=" + spec.nodeMemMiB().get(n) + "M"));
        }
        for (int n = 0; n < spec.nodes(); n++) {
            int first = n * cores;
            String cpus = cores == 1 ? String.valueOf(first) : first + "-" + (first + cores - 1);
            a.addAll(List.of("-numa", "node,nodeid=" + n + ",cpus=" + cpus + ",memdev=mem" + n));
        }
        for (int i = 0; i < spec.nodes(); i++) {
            for (int j = i + 1; j < spec.nodes(); j++) {
                a.addAll(List.of("-numa", "dist,src=" + i + ",dst=" + j + ",val=" + spec.distance()));
            }
        }
        a.addAll(List.of("-kernel", kernel.toString(), "-initrd", initrd.toString(), "-append", kernelCommandLine()));
        a.addAll(List.of("-drive", "file=" + escape(swapImage.toString()) + ",if=virtio,format=raw,cache=unsafe"));
        for (Share s : shares) {
            a.addAll(List.of("-virtfs", "local,path=" + escape(s.hostPath().toString()) + ",mount_tag=" + s.tag()
                    + ",security_model=none" + (s.readOnly() ? ",readonly=on" : "")));
        }
        a.addAll(List.of("-display", "none", "-monitor", "none", "-no-reboot"));
        a.addAll(List.of("-chardev", "file,id=console,path=" + escape(consoleLog.toString()), "-serial", "chardev:console"));
        a.addAll(List.of("-chardev", "stdio,id=out,signal=off", "-serial", "chardev:out"));
        a.addAll(List.of("-chardev", "file,id=err,path=/dev/stderr,append=on", "-serial", "chardev:err"));
        return a;
    }

    /** QEMU's option syntax: a comma inside a value is written twice. */
    static String escape(String value) {
        return value.replace(",", ",,");
    }
}
