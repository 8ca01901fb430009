package dev.copyless.cli;

import dev.copyless.linux.LinuxHost;
import dev.copyless.vm.Share;
import dev.copyless.vm.Shares;
import dev.copyless.vm.VmAssets;
import dev.copyless.vm.VmException;
import dev.copyless.vm.VmRunner;
import dev.copyless.vm.VmSpec;
import java.io.File;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code copyless vm [--nodes 2] [--node-mem 1G,1G] [--cpus 2] [--swap 1G] -- COMMAND ...}: boots
 * Debian's 6.12 kernel under QEMU (TCG) with real NUMA nodes, a virtio swap disk, and the JDK
 * and this build shared read-only, runs {@code copyless COMMAND ...} inside as root, streams its
 * output, and exits with its exit code (docs/VM.md). Prepares and caches what it needs on first
 * use ({@link VmAssets}). A bad flag or a missing package is one line and exit code 2; a VM that
 * fails to boot or dies is one line and exit code 1.
 */
@Command(name = "vm", mixinStandardHelpOptions = true,
        description = {"Boot a test VM with real NUMA nodes and run a copyless command in it.",
                "The VM runs Debian's 6.12 kernel under QEMU TCG, with a virtio swap disk and the JDK and this build"
                        + " shared read-only; the command runs as root, its output is streamed and its exit code is this"
                        + " command's. First use installs qemu-system-x86, busybox-static and zstd (as root) and caches"
                        + " the guest kernel and initramfs in ~/.cache/copyless/vm. Java under TCG is slow: keep the runs"
                        + " inside small.",
                "Example: copyless vm -- linux-demo --pages 2048 --format json"})
final class VmCommand implements Callable<Integer> {

    @Option(names = "--nodes", paramLabel = "N", defaultValue = "2",
            description = "NUMA nodes of the VM, one socket each (default: ${DEFAULT-VALUE}).")
    int nodes;

    @Option(names = "--node-mem", paramLabel = "SIZES", defaultValue = "1G",
            description = "Memory of each node, one size for all or one per node: 1G, 1G,512M (default: ${DEFAULT-VALUE} each).")
    String nodeMem;

    @Option(names = "--cpus", paramLabel = "N", defaultValue = "2",
            description = "vCPUs, spread evenly over the nodes (default: ${DEFAULT-VALUE}).")
    int cpus;

    @Option(names = "--swap", paramLabel = "SIZE", defaultValue = "1G",
            description = "Size of the virtio swap disk, /dev/vda in the guest (default: ${DEFAULT-VALUE}; sparse on the host).")
    String swap;

    @Option(names = "--distance", paramLabel = "D", defaultValue = "20",
            description = "ACPI SLIT distance between two different nodes (default: ${DEFAULT-VALUE}; a node to itself is 10).")
    int distance;

    @Option(names = "--timeout", paramLabel = "TIME", defaultValue = "30min",
            description = "Stop the VM after this long, e.g. 10min, 90s (default: ${DEFAULT-VALUE}).")
    String timeout;

    @Option(names = "--cache", paramLabel = "DIR",
            description = "Where the guest kernel, initramfs and run folders are kept (default: $COPYLESS_VM_CACHE, else"
                    + " ~/.cache/copyless/vm).")
    Path cache;

    @Parameters(arity = "0..*", paramLabel = "COMMAND", description = "The copyless command and its flags, after --.")
    List<String> command = new ArrayList<>();

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        try {
            return run(err);
        } catch (VmException e) {
            err.println("copyless vm: " + (e.exitCode() == VmException.USAGE ? "" : "error: ") + e.getMessage());
            err.flush();
            return e.exitCode();
        }
    }

    private int run(PrintWriter err) {
        checkCommand(command, spec.root().subcommands().keySet());
        VmSpec vm = VmSpec.of(nodes, nodeMem, cpus, swap, distance);
        Duration limit = timeout();
        Path cacheDir = cache != null ? cache.toAbsolutePath() : VmAssets.defaultCache();
        return boot(vm, limit, cacheDir, command, spec.commandLine().getOut(), err);
    }

    /**
     * Prepares the assets, boots {@code vm} and runs {@code copyless COMMAND...} in it (the
     * command already checked), with the guest's stdout to {@code out} and its stderr and this
     * command's notes to {@code err}; also used by {@code copyless fidelity}.
     *
     * @return the command's exit code in the guest
     * @throws VmException when a package is missing (usage) or the guest did not finish (failure)
     */
    static int boot(VmSpec vm, Duration limit, Path cacheDir, List<String> command, java.io.Writer out, PrintWriter err) {
        Path javaHome = Path.of(System.getProperty("java.home"));
        VmAssets assets = new VmAssets(cacheDir, javaHome, msg -> {
            err.println(msg);
            err.flush();
        });
        VmAssets.Prepared prepared = assets.prepare();
        List<Path> classPath = classPath();
        Path cwd = Path.of("").toAbsolutePath();
        Path m2 = Path.of(System.getProperty("user.home"), ".m2", "repository");
        List<Share> shares = Shares.of(javaHome, classPath, cwd, m2);
        List<String> guest = guestCommand(javaHome, classPath, command, heapMiB(vm));
        err.printf(Locale.ROOT, "copyless vm: booting %s (%d node%s of %s, %d vCPU%s, swap %dM) under QEMU TCG%n",
                prepared.kernelPackage(), vm.nodes(), vm.nodes() == 1 ? "" : "s",
                String.join(",", vm.nodeMemMiB().stream().map(m -> m + "M").toList()), vm.cpus(), vm.cpus() == 1 ? "" : "s",
                vm.swapMiB());
        err.flush();
        Map<String, String> env = new LinkedHashMap<>();
        env.put("JAVA_HOME", javaHome.toString());
        env.put("PATH", javaHome.resolve("bin") + ":/usr/sbin:/usr/bin:/sbin:/bin");
        env.put("HOME", "/root");
        env.put("TERM", "dumb");
        VmRunner.Run run = new VmRunner.Run(vm, shares, env, Shares.guestCwd(shares, cwd), guest, limit);
        return VmRunner.run(prepared, run, cacheDir, out, err);
    }

    /** The command to run in the guest must be a copyless command other than {@code vm}. */
    static void checkCommand(List<String> command, Set<String> known) {
        if (command.isEmpty()) {
            throw VmException.usage("give the copyless command to run in the VM after --, e.g. copyless vm -- linux-demo"
                    + " --pages 2048");
        }
        String c = command.get(0);
        if (c.equals("vm")) {
            throw VmException.usage("copyless vm cannot run inside the VM (no nested VMs); give another command");
        }
        if (!c.startsWith("-") && !known.contains(c)) {
            throw VmException.usage("'" + c + "' is not a copyless command; one of " + String.join(", ", known.stream()
                    .filter(k -> !k.equals("vm") && !k.equals("help")).sorted().toList()));
        }
        if (isInsideVm()) {
            throw VmException.usage("this is already the copyless test VM (copyless.vm=1 on the kernel command line); run the"
                    + " command directly");
        }
    }

    private Duration timeout() {
        return parseTimeout(timeout);
    }

    /** A wall-clock limit like {@code 90s}, {@code 10min} or {@code 1h}. */
    static Duration parseTimeout(String text) {
        Matcher m = Pattern.compile("\\s*([0-9]{1,6})\\s*(s|min|h)\\s*").matcher(text);
        if (!m.matches() || Long.parseLong(m.group(1)) == 0) {
            throw VmException.usage("--timeout: expected a time like 90s, 10min or 1h, got '" + text + "'");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "s" -> Duration.ofSeconds(n);
            case "min" -> Duration.ofMinutes(n);
            default -> Duration.ofHours(n);
        };
    }

    /** True inside the copyless test VM: its kernel command line carries the marker. */
    static boolean isInsideVm() {
        return LinuxHost.isTestVm();
    }

    /** This JVM's class path, absolute (the shaded jar under ./copyless; target/classes and jars in tests). */
    static List<Path> classPath() {
        List<Path> out = new ArrayList<>();
        for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (!e.isBlank()) {
                Path p = Path.of(e).toAbsolutePath().normalize();
                if (Files.exists(p)) {
                    out.add(p);
                }
            }
        }
        return out;
    }

    /** The guest JVM's heap: a quarter of guest RAM (the JVM's own default), at least 128 MiB. */
    static long heapMiB(VmSpec vm) {
        return Math.max(128, vm.totalMiB() / 4);
    }

    /**
     * The guest's {@code java} command line: the host's JDK, serial GC (under TCG a parallel
     * collector only costs), a fixed heap of {@code heapMiB}, native access for the Linux
     * backend's FFM calls, UTF-8 output, the same class path, and {@link CopylessCommand} with
     * the user's arguments.
     */
    static List<String> guestCommand(Path javaHome, List<Path> classPath, List<String> args, long heapMiB) {
        List<String> c = new ArrayList<>();
        c.add(javaHome.resolve("bin/java").toString());
        c.add("-XX:+UseSerialGC");
        c.add("-Xms" + heapMiB + "m"); // a heap that never grows: --host-reclaim kernel locks the JVM as it is before
        c.add("-Xmx" + heapMiB + "m"); // mapping guest RAM, so later growth would be locked memory taken from the room

        c.add("-Xss4m");
        c.add("--enable-native-access=ALL-UNNAMED");
        c.add("-Dstdout.encoding=UTF-8");
        c.add("-Dstderr.encoding=UTF-8");
        c.add("-cp");
        c.add(String.join(":", classPath.stream().map(Path::toString).toList()));
        c.add(CopylessCommand.class.getName());
        c.addAll(args);
        return c;
    }
}
