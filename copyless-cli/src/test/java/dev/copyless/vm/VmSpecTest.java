package dev.copyless.vm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link VmSpec}: sizes as users write them, and a one-line usage error for each bad value. */
class VmSpecTest {

    @Test
    void sizesInTheUsualSpellings() {
        assertThat(VmSpec.parseMiB("--swap", "1G")).isEqualTo(1024);
        assertThat(VmSpec.parseMiB("--swap", "1GiB")).isEqualTo(1024);
        assertThat(VmSpec.parseMiB("--swap", "1gb")).isEqualTo(1024);
        assertThat(VmSpec.parseMiB("--swap", "512M")).isEqualTo(512);
        assertThat(VmSpec.parseMiB("--swap", "524288K")).isEqualTo(512);
        assertThat(VmSpec.parseMiB("--swap", " 2T ")).isEqualTo(2L << 20);
    }

    @Test
    void oneSizeIsEveryNodesSize() {
        VmSpec s = VmSpec.of(2, "1G", 2, "1G", 20);
        assertThat(s.nodeMemMiB()).containsExactly(1024L, 1024L);
        assertThat(s.totalMiB()).isEqualTo(2048);
        assertThat(s.cpusPerNode()).isEqualTo(1);
        assertThat(VmSpec.of(2, "1G,512M", 4, "256M", 21).nodeMemMiB()).containsExactly(1024L, 512L);
    }

    @Test
    void badValuesNameTheFlag() {
        assertUsage(() -> VmSpec.parseMiB("--swap", "12"), "--swap", "1G or 512M");
        assertUsage(() -> VmSpec.parseMiB("--swap", "xG"), "--swap");
        assertUsage(() -> VmSpec.parseMiB("--swap", "0M"), "positive");
        assertUsage(() -> VmSpec.parseMiB("--swap", "1536K"), "whole MiB");
        assertUsage(() -> VmSpec.of(0, "1G", 2, "1G", 20), "--nodes");
        assertUsage(() -> VmSpec.of(9, "1G", 9, "1G", 20), "--nodes");
        assertUsage(() -> VmSpec.of(2, "1G,1G,1G", 2, "1G", 20), "--node-mem", "3 sizes for 2 nodes");
        assertUsage(() -> VmSpec.of(2, "1G,32M", 2, "1G", 20), "--node-mem", "node 1");
        assertUsage(() -> VmSpec.of(2, "256M", 2, "1G", 20), "--node-mem", "512M");
        assertUsage(() -> VmSpec.of(2, "1G", 3, "1G", 20), "--cpus", "multiple of --nodes");
        assertUsage(() -> VmSpec.of(2, "1G", 1, "1G", 20), "--cpus");
        assertUsage(() -> VmSpec.of(2, "1G", 2, "16M", 20), "--swap");
        assertUsage(() -> VmSpec.of(2, "1G", 2, "1G", 10), "--distance");
        assertUsage(() -> new VmSpec(2, List.of(1024L), 2, 1024, 20), "--node-mem");
    }

    static void assertUsage(Runnable r, String... mention) {
        assertThatThrownBy(r::run).isInstanceOfSatisfying(VmException.class, e -> {
            assertThat(e.exitCode()).isEqualTo(VmException.USAGE);
            assertThat(e.getMessage()).doesNotContain("\n");
            for (String m : mention) {
                assertThat(e.getMessage()).contains(m);
            }
        });
    }
}
