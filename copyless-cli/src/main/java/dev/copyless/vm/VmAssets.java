package dev.copyless.vm;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/**
 * Everything the test VM boots from, prepared on first use and cached: QEMU, busybox-static
 * and zstd from Debian (installed with {@code apt-get} when missing and this process is root),
 * Debian's 6.12 kernel ({@code linux-image-6.12-amd64}'s image package, fetched with
 * {@code apt-get download} and unpacked with {@code dpkg-deb}: the uncompressed {@code vmlinux}
 * with its PVH entry note, and the modules the guest loads), and the initramfs
 * ({@link Initramfs}). The cache is {@code $COPYLESS_VM_CACHE}, else
 * {@code $XDG_CACHE_HOME/copyless/vm}, else {@code ~/.cache/copyless/vm}:
 * {@code linux/PACKAGE/} holds the kernel, its modules and the initramfs built for this JDK.
 */
public final class VmAssets {
    /** The Debian package that always depends on the newest 6.12 image (bookworm's security suite, or backports). */
    public static final String KERNEL_META_PACKAGE = "linux-image-6.12-amd64";
    static final Pattern KERNEL_PACKAGE = Pattern.compile("linux-image-6\\.12\\.[0-9.]+\\+deb[0-9]+-amd64");

    /** What a boot needs. */
    public record Prepared(Path qemu, Path vmlinux, Path initrd, String kernelPackage) {}

    /** A host tool and the Debian package that provides it. */
    record Tool(String name, String debianPackage) {}

    static final Tool QEMU = new Tool("qemu-system-x86_64", "qemu-system-x86");
    static final Tool BUSYBOX = new Tool("busybox", "busybox-static");
    static final Tool ZSTD = new Tool("zstd", "zstd");

    private final Path cache;
    private final Path javaHome;
    private final Consumer<String> log;

    /**
     * @param log where one-line progress notes go (the first use downloads and unpacks about 110 MB)
     */
    public VmAssets(Path cache, Path javaHome, Consumer<String> log) {
        this.cache = cache;
        this.javaHome = javaHome;
        this.log = log;
    }

    /** The default cache folder. */
    public static Path defaultCache() {
        String env = System.getenv("COPYLESS_VM_CACHE");
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("copyless").resolve("vm");
    }

    public Path cache() {
        return cache;
    }

    /** Installs what is missing, prepares (or finds in the cache) kernel and initramfs. */
    public Prepared prepare() {
        try {
            Files.createDirectories(cache);
            Map<Tool, Path> tools = tools();
            Path kdir = kernel(tools);
            Path initrd = initramfs(kdir, tools.get(BUSYBOX));
            return new Prepared(tools.get(QEMU), kdir.resolve("vmlinux"), initrd, kdir.getFileName().toString());
        } catch (IOException e) {
            throw VmException.failure("cannot prepare the VM in " + cache + ": " + e.getMessage());
        }
    }

    // ------------------------------------------------------------------ host tools

    /**
     * Empty when this host has what a boot needs without installing anything (QEMU, a static
     * busybox, zstd, apt); else why not, in one line (tests skip with it).
     */
    public static Optional<String> notBootableReason() {
        try {
            for (String t : List.of("apt-get", "dpkg-deb", "tar", "ldd")) {
                if (Exec.which(t) == null) {
                    return Optional.of(t + " is not installed (copyless vm needs a Debian host)");
                }
            }
            List<String> missing = missingPackages(Exec.which(QEMU.name()), Exec.which(BUSYBOX.name()), staticBusybox(),
                    Exec.which(ZSTD.name()));
            return missing.isEmpty() ? Optional.empty() : Optional.of(installHint(missing));
        } catch (IOException e) {
            return Optional.of("cannot inspect busybox: " + e.getMessage());
        }
    }

    /**
     * The Debian packages to install for the missing tools; {@code staticBusybox} tells whether
     * the busybox found (if any) is a static one.
     */
    static List<String> missingPackages(Path qemu, Path busybox, boolean staticBusybox, Path zstd) {
        List<String> out = new ArrayList<>();
        if (qemu == null) {
            out.add(QEMU.debianPackage());
        }
        if (busybox == null || !staticBusybox) {
            out.add(BUSYBOX.debianPackage());
        }
        if (zstd == null) {
            out.add(ZSTD.debianPackage());
        }
        return out;
    }

    /** The one line that tells a user without root what to install. */
    static String installHint(List<String> packages) {
        return "copyless vm needs " + String.join(", ", packages) + " (not installed); as root: apt-get install"
                + " --no-install-recommends " + String.join(" ", packages);
    }

    private Map<Tool, Path> tools() throws IOException {
        for (String t : List.of("apt-get", "apt-cache", "dpkg-deb", "tar")) {
            if (Exec.which(t) == null) {
                throw VmException.usage("copyless vm needs a Debian host (apt-get, apt-cache, dpkg-deb and tar): " + t
                        + " is not installed");
            }
        }
        List<String> missing = missingPackages(Exec.which(QEMU.name()), Exec.which(BUSYBOX.name()), staticBusybox(),
                Exec.which(ZSTD.name()));
        if (!missing.isEmpty()) {
            if (!isRoot()) {
                throw VmException.usage(installHint(missing));
            }
            log.accept("copyless vm: installing " + String.join(" ", missing) + " from Debian (first use)");
            aptInstall(missing);
        }
        Map<Tool, Path> out = new LinkedHashMap<>();
        for (Tool t : List.of(QEMU, BUSYBOX, ZSTD)) {
            Path p = Exec.which(t.name());
            if (p == null) {
                throw VmException.usage("copyless vm needs " + t.name() + " (Debian package " + t.debianPackage()
                        + ") and apt-get did not install it; install it and try again");
            }
            out.put(t, p);
        }
        if (!staticBusybox()) {
            throw VmException.usage("the busybox found is not a static one; install busybox-static (apt-get install busybox-static)");
        }
        return out;
    }

    private static boolean staticBusybox() throws IOException {
        Path b = Exec.which(BUSYBOX.name());
        return b != null && Initramfs.isStatic(b.toRealPath());
    }

    static boolean isRoot() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return line.split("\\s+")[2].equals("0");
                }
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }

    private void aptInstall(List<String> packages) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("apt-get", "install", "-y", "-q", "--no-install-recommends"));
        cmd.addAll(packages);
        Exec.Result r = apt(cmd);
        if (r.code() != 0) {
            apt(List.of("apt-get", "update", "-q"));
            r = apt(cmd);
        }
        if (r.code() != 0) {
            throw VmException.usage("apt-get could not install " + String.join(" ", packages) + " (" + r.lastLine() + "; log: "
                    + cache.resolve("apt.log") + "); install them and try again");
        }
    }

    private Exec.Result apt(List<String> cmd) throws IOException {
        Exec.Result r = Exec.run(cmd, cache, Map.of("DEBIAN_FRONTEND", "noninteractive"), null);
        Files.writeString(cache.resolve("apt.log"), "$ " + String.join(" ", cmd) + "\n" + r.outText() + r.err() + "\n",
                StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        return r;
    }

    // ------------------------------------------------------------------ kernel

    /** The prepared kernel folder: from the cache, or downloaded and unpacked now. */
    private Path kernel(Map<Tool, Path> tools) throws IOException {
        Path linux = cache.resolve("linux");
        Path current = linux.resolve("current");
        if (Files.exists(current)) {
            Path dir = linux.resolve(Files.readString(current).strip());
            if (Files.exists(dir.resolve("ready"))) {
                return dir;
            }
        }
        String pkg = kernelPackage();
        Path dir = linux.resolve(pkg);
        if (!Files.exists(dir.resolve("ready"))) {
            log.accept("copyless vm: preparing the guest kernel from Debian's " + pkg + " (first use, about 110 MB)");
            unpackKernel(pkg, dir, tools);
        }
        Files.writeString(current, pkg + "\n");
        return dir;
    }

    /** The concrete 6.12 image package apt can fetch: the meta package's dependency, else the newest by name. */
    private String kernelPackage() throws IOException {
        Optional<String> p = findKernelPackage();
        if (p.isEmpty() && isRoot()) {
            apt(List.of("apt-get", "update", "-q"));
            p = findKernelPackage();
            if (p.isEmpty() && addBackports()) {
                apt(List.of("apt-get", "update", "-q"));
                p = findKernelPackage();
            }
        }
        return p.orElseThrow(() -> VmException.usage("apt knows no Debian 6.12 kernel (" + KERNEL_META_PACKAGE + "); add the"
                + " bookworm-backports suite of your Debian mirror to apt's sources, run apt-get update, and try again"));
    }

    private static Optional<String> findKernelPackage() {
        Exec.Result dep = Exec.run(List.of("apt-cache", "depends", KERNEL_META_PACKAGE));
        if (dep.code() == 0) {
            Optional<String> d = dependsOf(dep.outText());
            if (d.isPresent()) {
                return d;
            }
        }
        Exec.Result s = Exec.run(List.of("apt-cache", "search", "--names-only", "^linux-image-6\\.12\\..*-amd64$"));
        return newestKernelPackage(s.outText());
    }

    /** The first {@code Depends:} of {@code apt-cache depends} that names a 6.12 image package. */
    static Optional<String> dependsOf(String aptCacheDepends) {
        for (String line : aptCacheDepends.lines().toList()) {
            String t = line.strip();
            if (t.startsWith("Depends:")) {
                String name = t.substring("Depends:".length()).strip();
                if (KERNEL_PACKAGE.matcher(name).matches()) {
                    return Optional.of(name);
                }
            }
        }
        return Optional.empty();
    }

    /** The newest signed 6.12 image package in {@code apt-cache search} output (by the numbers in its version). */
    static Optional<String> newestKernelPackage(String aptCacheSearch) {
        return aptCacheSearch.lines().map(l -> l.split(" ", 2)[0].strip())
                .filter(n -> KERNEL_PACKAGE.matcher(n).matches())
                .max(Comparator.comparing(VmAssets::versionKey));
    }

    private static String versionKey(String pkg) {
        Matcher m = Pattern.compile("6\\.12\\.([0-9]+)").matcher(pkg);
        return m.find() ? String.format("%08d", Integer.parseInt(m.group(1))) : "";
    }

    /**
     * Adds bookworm-backports of the mirror apt already uses to apt's sources, when the host is
     * bookworm and no source lists it yet. Returns whether it added it.
     */
    private boolean addBackports() throws IOException {
        String osRelease = Files.exists(Path.of("/etc/os-release")) ? Files.readString(Path.of("/etc/os-release")) : "";
        if (!osRelease.contains("VERSION_CODENAME=bookworm")) {
            return false;
        }
        Optional<String> mirror = debianMirror();
        Path list = Path.of("/etc/apt/sources.list.d/copyless-bookworm-backports.sources");
        if (mirror.isEmpty() || Files.exists(list)) {
            return false;
        }
        Files.writeString(list, "# added by copyless vm: Debian's 6.12 kernel\nTypes: deb\nURIs: " + mirror.get()
                + "\nSuites: bookworm-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n");
        log.accept("copyless vm: added bookworm-backports of " + mirror.get() + " to apt's sources (" + list + ")");
        return true;
    }

    /** The Debian mirror of apt's sources (deb822 {@code URIs:} or one-line {@code deb URI bookworm main}). */
    static Optional<String> debianMirror() throws IOException {
        List<Path> files = new ArrayList<>();
        if (Files.exists(Path.of("/etc/apt/sources.list"))) {
            files.add(Path.of("/etc/apt/sources.list"));
        }
        if (Files.isDirectory(Path.of("/etc/apt/sources.list.d"))) {
            try (Stream<Path> s = Files.list(Path.of("/etc/apt/sources.list.d"))) {
                s.sorted().forEach(files::add);
            }
        }
        for (Path f : files) {
            Optional<String> m = mirrorIn(Files.readString(f));
            if (m.isPresent()) {
                return m;
            }
        }
        return Optional.empty();
    }

    static Optional<String> mirrorIn(String sources) {
        for (String line : sources.lines().toList()) {
            String t = line.strip();
            String uri = null;
            if (t.startsWith("URIs:")) {
                uri = t.substring(5).strip().split("\\s+")[0];
            } else if (t.startsWith("deb ")) {
                String[] f = t.split("\\s+");
                for (String x : f) {
                    if (x.startsWith("http://") || x.startsWith("https://")) {
                        uri = x;
                        break;
                    }
                }
            }
            if (uri != null && uri.matches("https?://.*/debian/?") && !uri.contains("security")) {
                return Optional.of(uri);
            }
        }
        return Optional.empty();
    }

    /** Downloads the image package and prepares {@code dir}: vmlinux, modules/*.ko, load-order, ready. */
    private void unpackKernel(String pkg, Path dir, Map<Tool, Path> tools) throws IOException {
        Path work = cache.resolve("download");
        deleteTree(work);
        Files.createDirectories(work);
        try {
            Exec.Result dl = Exec.run(List.of("apt-get", "download", "-q", pkg), work, Map.of(), null);
            Path deb;
            try (Stream<Path> s = Files.list(work)) {
                deb = s.filter(p -> p.getFileName().toString().endsWith(".deb")).findFirst().orElse(null);
            }
            if (dl.code() != 0 || deb == null) {
                throw VmException.usage("apt-get download " + pkg + " failed: " + dl.lastLine());
            }
            List<String> members = Exec.pipe(List.of("dpkg-deb", "--fsys-tarfile", deb.toString()), List.of("tar", "-t"), work)
                    .outText().lines().toList();
            String vmlinuz = members.stream().filter(m -> m.matches("\\./boot/vmlinuz-.*")).findFirst()
                    .orElseThrow(() -> VmException.failure(pkg + " has no /boot/vmlinuz"));
            Map<String, String> moduleFiles = new TreeMap<>();
            for (String m : members) {
                if (m.matches("\\./lib/modules/[^/]+/kernel/.*\\.ko(\\.xz|\\.zst)?")) {
                    moduleFiles.putIfAbsent(KernelModules.moduleName(m), m);
                }
            }
            Path x = work.resolve("x");
            Files.createDirectories(x);
            Map<String, List<String>> depends = new TreeMap<>();
            Map<String, byte[]> kos = new TreeMap<>();
            List<String> pending = new ArrayList<>(List.of("virtio_blk", "9pnet_virtio", "9pnet", "9p", "netfs"));
            List<String> extract = new ArrayList<>(List.of(vmlinuz));
            for (int round = 0; round < 6 && !pending.isEmpty(); round++) {
                for (String name : pending) {
                    String f = moduleFiles.get(name);
                    if (f == null) {
                        throw VmException.failure("the kernel package " + pkg + " has no module " + name);
                    }
                    extract.add(f);
                }
                List<String> tarX = new ArrayList<>(List.of("tar", "-x", "-C", x.toString()));
                tarX.addAll(extract);
                Exec.Result r = Exec.pipe(List.of("dpkg-deb", "--fsys-tarfile", deb.toString()), tarX, work);
                if (r.code() != 0) {
                    throw VmException.failure("cannot unpack " + deb.getFileName() + ": " + r.lastLine());
                }
                List<String> next = new ArrayList<>();
                for (String name : pending) {
                    byte[] ko = decompressModule(x.resolve(moduleFiles.get(name)), tools);
                    kos.put(name, ko);
                    List<String> d = KernelModules.depends(ko);
                    depends.put(name, d);
                    for (String dep : d) {
                        if (!depends.containsKey(dep) && !pending.contains(dep) && !next.contains(dep)) {
                            next.add(dep);
                        }
                    }
                }
                pending = next;
                extract = new ArrayList<>();
            }
            List<String> order = KernelModules.loadOrder(KernelModules.WANTED, depends);
            deleteTree(dir);
            Files.createDirectories(dir.resolve("modules"));
            for (String m : order) {
                Files.write(dir.resolve("modules").resolve(m + ".ko"), kos.get(m));
            }
            Files.writeString(dir.resolve("load-order"), String.join("\n", order) + "\n");
            extractVmlinux(x.resolve(vmlinuz), dir.resolve("vmlinux"), tools);
            Files.writeString(dir.resolve("ready"), pkg + "\n");
        } finally {
            deleteTree(work);
        }
    }

    private static byte[] decompressModule(Path f, Map<Tool, Path> tools) throws IOException {
        String n = f.getFileName().toString();
        if (n.endsWith(".ko")) {
            return Files.readAllBytes(f);
        }
        List<String> cmd = n.endsWith(".zst") ? List.of(tools.get(ZSTD).toString(), "-dc", f.toString())
                : List.of(tools.get(BUSYBOX).toString(), "unxz", "-c", f.toString());
        Exec.Result r = Exec.run(cmd);
        if (r.code() != 0 || r.out().length == 0) {
            throw VmException.failure("cannot decompress the module " + n + ": " + r.lastLine());
        }
        return r.out();
    }

    /** Cuts the compressed kernel out of the bzImage, decompresses it and checks its size and PVH note. */
    static void extractVmlinux(Path vmlinuz, Path out, Map<Tool, Path> tools) throws IOException {
        byte[] bz = Files.readAllBytes(vmlinuz);
        KernelImage.Payload p = KernelImage.payload(bz);
        byte[] compressed = Arrays.copyOfRange(bz, p.offset(), p.offset() + p.length());
        byte[] vmlinux = switch (p.compression()) {
            case ZSTD -> decompress(List.of(tools.get(ZSTD).toString(), "-dc"), compressed);
            case XZ -> decompress(List.of(tools.get(BUSYBOX).toString(), "unxz", "-c"), compressed);
            case GZIP -> {
                try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(compressed))) {
                    yield in.readAllBytes();
                }
            }
            default -> throw VmException.failure("the kernel image is compressed with " + p.compression()
                    + ", which copyless vm cannot unpack (zstd, xz and gzip are supported)");
        };
        if (vmlinux.length != p.uncompressedSize()) {
            throw VmException.failure("the kernel decompressed to " + vmlinux.length + " bytes but its image says "
                    + p.uncompressedSize());
        }
        Path tmp = out.resolveSibling(out.getFileName() + ".tmp");
        Files.write(tmp, vmlinux);
        if (!KernelImage.hasPvhEntry(tmp)) {
            Files.delete(tmp);
            throw VmException.failure("the kernel in " + vmlinuz.getFileName() + " has no PVH entry note (CONFIG_PVH), so QEMU"
                    + " cannot boot it with -kernel");
        }
        Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static byte[] decompress(List<String> cmd, byte[] in) {
        Exec.Result r = Exec.run(cmd, null, Map.of(), in);
        if (r.code() != 0) {
            throw VmException.failure("cannot decompress the kernel (" + cmd.get(0) + "): " + r.lastLine());
        }
        return r.out();
    }

    // ------------------------------------------------------------------ initramfs

    /** The initramfs for this JDK and kernel, built when its inputs changed. */
    private Path initramfs(Path kdir, Path busybox) throws IOException {
        byte[] init = initScript();
        Path bb = busybox.toRealPath();
        List<Initramfs.Module> modules = new ArrayList<>();
        for (String m : Files.readAllLines(kdir.resolve("load-order"))) {
            if (!m.isBlank()) {
                modules.add(new Initramfs.Module(m.strip(), Files.readAllBytes(kdir.resolve("modules").resolve(m.strip() + ".ko"))));
            }
        }
        Map<String, Path> libs = new TreeMap<>();
        for (String l : Initramfs.systemLibraries(javaHome)) {
            libs.put(l, Path.of(l));
        }
        MessageDigest md = sha256();
        md.update(init);
        md.update((bb + ":" + Files.size(bb) + ":" + Files.getLastModifiedTime(bb).toMillis() + "\n").getBytes(StandardCharsets.UTF_8));
        for (Initramfs.Module m : modules) {
            md.update(m.name().getBytes(StandardCharsets.UTF_8));
            md.update(m.ko());
        }
        for (Map.Entry<String, Path> e : libs.entrySet()) {
            Path real = e.getValue().toRealPath();
            md.update((e.getKey() + ":" + Files.size(real) + ":" + Files.getLastModifiedTime(real).toMillis() + "\n")
                    .getBytes(StandardCharsets.UTF_8));
        }
        String key = HexFormat.of().formatHex(md.digest()).substring(0, 16);
        Path out = kdir.resolve("initrd-" + key + ".cpio");
        if (Files.exists(out)) {
            return out;
        }
        Map<String, byte[]> libBytes = new TreeMap<>();
        for (Map.Entry<String, Path> e : libs.entrySet()) {
            libBytes.put(e.getKey(), Files.readAllBytes(e.getValue()));
        }
        byte[] cpio = Initramfs.build(Files.readAllBytes(bb), init, modules, libBytes);
        try (Stream<Path> s = Files.list(kdir)) {
            for (Path old : s.filter(p -> p.getFileName().toString().startsWith("initrd-")).toList()) {
                Files.deleteIfExists(old);
            }
        }
        Path tmp = kdir.resolve("initrd.tmp");
        Files.write(tmp, cpio);
        Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return out;
    }

    /** The guest's {@code /init} (resource {@code init.sh}). */
    public static byte[] initScript() {
        try (InputStream in = VmAssets.class.getResourceAsStream("init.sh")) {
            if (in == null) {
                throw new IllegalStateException("resource dev/copyless/vm/init.sh is missing from the build");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(q);
            }
        }
    }
}
