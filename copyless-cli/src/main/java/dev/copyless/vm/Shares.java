package dev.copyless.vm;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeSet;

/**
 * Which host folders the guest gets, read-only, at the same paths: the JDK, and the fewest
 * folders that hold every class path entry (the repository a build output lies in, the local
 * Maven repository, else the entry's own folder) and the working folder, so that the guest's
 * {@code java -cp ...} and the command's relative paths resolve as they do on the host.
 */
public final class Shares {
    private Shares() {}

    /**
     * @param javaHome  the JDK
     * @param classPath the class path entries
     * @param cwd       the working folder (not shared when it is {@code /})
     * @param m2        the local Maven repository ({@code ~/.m2/repository})
     */
    public static List<Share> of(Path javaHome, List<Path> classPath, Path cwd, Path m2) {
        TreeSet<Path> roots = new TreeSet<>();
        for (Path e : classPath) {
            Path a = e.toAbsolutePath().normalize();
            Path repo = repositoryOf(a);
            if (m2 != null && a.startsWith(m2)) {
                roots.add(m2);
            } else if (repo != null) {
                roots.add(repo);
            } else {
                roots.add(Files.isDirectory(a) ? a : a.getParent());
            }
        }
        for (Path r : roots) {
            if (!shareable(r)) {
                throw VmException.usage("the class path entry folder " + r + " would hide a folder the guest needs ("
                        + String.join(", ", GUEST_OWN) + "); run copyless from a build elsewhere");
            }
        }
        Path c = cwd.toAbsolutePath().normalize();
        if (shareable(c)) {
            roots.add(c);
        }
        Path jdk = javaHome.toAbsolutePath().normalize();
        List<Path> kept = new ArrayList<>();
        for (Path r : roots.stream().sorted(Comparator.comparingInt(Path::getNameCount)).toList()) {
            if (r.startsWith(jdk) || kept.stream().anyMatch(r::startsWith)) {
                continue;
            }
            kept.add(r);
        }
        List<Share> out = new ArrayList<>();
        out.add(new Share("jdk", jdk, jdk.toString(), true));
        for (int i = 0; i < kept.size(); i++) {
            out.add(new Share("share" + i, kept.get(i), kept.get(i).toString(), true));
        }
        return out;
    }

    /** Folders of the guest's own (its initramfs and the file systems its init mounts): no share may cover them. */
    static final List<String> GUEST_OWN = List.of("/bin", "/sbin", "/lib", "/lib64", "/usr/bin", "/usr/sbin", "/etc", "/proc",
            "/sys", "/dev", "/run", "/tmp", "/root", "/init");

    /**
     * Folders of the guest's own that a share may go inside: {@code /root} (a home, not
     * mounted over) and {@code /tmp} (the init mounts its tmpfs first, then the shares inside
     * it), so a build in {@code /tmp/x} is shared at {@code /tmp/x}.
     */
    static final List<String> ENTERABLE = List.of("/root", "/tmp");

    /** Whether a host folder can be mounted at its own path in the guest without hiding or entering a folder of the guest's. */
    static boolean shareable(Path p) {
        if (p.getParent() == null) {
            return false;
        }
        for (String g : GUEST_OWN) {
            Path own = Path.of(g);
            if (own.startsWith(p) || (p.startsWith(own) && !ENTERABLE.contains(g))) {
                return false;
            }
        }
        return true;
    }

    /** The folder the command runs in: the host's working folder when the guest has it, else {@code /}. */
    public static String guestCwd(List<Share> shares, Path cwd) {
        Path c = cwd.toAbsolutePath().normalize();
        for (Share s : shares) {
            if (c.startsWith(s.hostPath())) {
                return c.toString();
            }
        }
        return "/";
    }

    /** The top folder of the Maven build an entry lies in (the nearest ancestor with {@code mvnw} and {@code pom.xml}), or null. */
    static Path repositoryOf(Path entry) {
        for (Path p = entry; p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("mvnw")) && Files.isRegularFile(p.resolve("pom.xml"))) {
                return p;
            }
        }
        return null;
    }
}
