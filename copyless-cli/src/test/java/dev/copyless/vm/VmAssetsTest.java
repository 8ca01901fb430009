package dev.copyless.vm;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** {@link VmAssets}: which packages a host lacks, the kernel package apt offers, and the mirror apt uses. */
class VmAssetsTest {

    @Test
    void missingPackagesByTool() {
        Path p = Path.of("/usr/bin/x");
        assertThat(VmAssets.missingPackages(p, p, true, p)).isEmpty();
        assertThat(VmAssets.missingPackages(null, null, false, null)).containsExactly("qemu-system-x86", "busybox-static", "zstd");
        assertThat(VmAssets.missingPackages(p, p, false, p)).as("a dynamic busybox does not do").containsExactly("busybox-static");
        assertThat(VmAssets.installHint(java.util.List.of("qemu-system-x86", "zstd")))
                .isEqualTo("copyless vm needs qemu-system-x86, zstd (not installed); as root: apt-get install"
                        + " --no-install-recommends qemu-system-x86 zstd");
    }

    @Test
    void theKernelPackageFromAptCache() {
        assertThat(VmAssets.dependsOf("linux-image-6.12-amd64\n  Depends: linux-image-6.12.117+deb12-amd64\n"))
                .contains("linux-image-6.12.117+deb12-amd64");
        assertThat(VmAssets.dependsOf("linux-image-6.12-amd64\n  Depends: something-else\n")).isEmpty();
        String search = """
                linux-image-6.12.9+deb12-amd64 - Linux 6.12 for 64-bit PCs (signed)
                linux-image-6.12.117+deb12-amd64 - Linux 6.12 for 64-bit PCs (signed)
                linux-image-6.12.117+deb12-amd64-unsigned - Linux 6.12 for 64-bit PCs
                linux-image-6.12.115+deb12-amd64 - Linux 6.12 for 64-bit PCs (signed)
                linux-image-6.12.117+deb12-cloud-amd64 - Linux 6.12 for x86-64 cloud (signed)
                """;
        assertThat(VmAssets.newestKernelPackage(search)).contains("linux-image-6.12.117+deb12-amd64");
        assertThat(VmAssets.newestKernelPackage("")).isEmpty();
    }

    @Test
    void theMirrorInEitherSourcesFormat() {
        assertThat(VmAssets.mirrorIn("Types: deb\nURIs: http://deb.debian.org/debian\nSuites: bookworm\n"))
                .isEqualTo(Optional.of("http://deb.debian.org/debian"));
        assertThat(VmAssets.mirrorIn("deb [arch=amd64] http://ftp.fr.debian.org/debian bookworm main\n"))
                .isEqualTo(Optional.of("http://ftp.fr.debian.org/debian"));
        assertThat(VmAssets.mirrorIn("URIs: http://deb.debian.org/debian-security\n")).isEmpty();
        assertThat(VmAssets.mirrorIn("URIs: https://deb.nodesource.com/node_20.x\n")).isEmpty();
    }
}
