package dev.copyless.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.copyless.vm.Share;
import dev.copyless.vm.VmAssets;
import dev.copyless.vm.VmRunner;
import dev.copyless.vm.VmSpec;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Real boots of the test VM (docs/VM.md), where QEMU, busybox-static and zstd are installed;
 * elsewhere skipped with what to install. The first boot on a machine downloads and unpacks
 * Debian's 6.12 kernel (about 110 MB) into the cache.
 */
class VmBootTest {
    private static final Optional<String> NOT_BOOTABLE = VmAssets.notBootableReason();

    @Test
    void twoNodesOneCpuEachASwapDiskAndTheCommandsOwnStreamsAndExitCode() {
        assumeTrue(NOT_BOOTABLE.isEmpty(), () -> "skipped: " + NOT_BOOTABLE.orElse(""));
        Path javaHome = Path.of(System.getProperty("java.home"));
        VmAssets assets = new VmAssets(VmAssets.defaultCache(), javaHome, msg -> { });
        VmAssets.Prepared p = assets.prepare();
        String script = "cat /sys/devices/system/node/online; cat /sys/devices/system/node/node1/cpulist;"
                + " grep -c '^/dev/vda ' /proc/swaps; echo to-stderr >&2; " + javaHome + "/bin/java -XX:+UseSerialGC -version"
                + " 2>&1 | head -1 | cut -c1-7; exit 3";
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = VmRunner.run(p, new VmRunner.Run(VmSpec.of(2, "512M", 2, "256M", 20),
                List.of(new Share("jdk", javaHome, javaHome.toString(), true)), Map.of("PATH", "/bin:/sbin:/usr/bin"), "/",
                List.of("/bin/sh", "-c", script), Duration.ofMinutes(5)), assets.cache(), out, err);
        assertThat(code).as("stdout %s stderr %s", out, err).isEqualTo(3);
        assertThat(out.toString().lines()).containsExactly("0-1", "1", "1", "openjdk");
        assertThat(err.toString()).contains("to-stderr");
        assertThat(out.toString()).doesNotContain("to-stderr").doesNotContain("\r");
    }

    @Test
    void linuxDemoInTheVmPutsEveryCopylessPageOnTheDestinationNode() throws Exception {
        assumeTrue(NOT_BOOTABLE.isEmpty(), () -> "skipped: " + NOT_BOOTABLE.orElse(""));
        int pages = 64;
        CliTest.Result r = CliTest.run("vm", "--timeout", "15min", "--", "linux-demo", "--pages", String.valueOf(pages),
                "--format", "json");
        assertThat(r.code()).as("stderr: %s", r.err()).isZero();
        JsonNode root = new ObjectMapper().readTree(r.out());
        assertThat(root.get("nodes").toString()).isEqualTo("[0,1]");
        assertThat(root.get("source_node").asInt()).isZero();
        assertThat(root.get("destination_node").asInt()).isEqualTo(1);
        for (String path : List.of("naive", "linux-move", "copyless")) {
            JsonNode n = root.get("paths").get(path);
            assertThat(n.get("pages_verified").asInt()).as(path).isEqualTo(2 * pages);
            assertThat(n.get("pages_corrupt").asInt()).as(path).isZero();
            assertThat(n.get("pages_on_destination_node").asInt()).as(path).isEqualTo(pages);
        }
        JsonNode copyless = root.get("paths").get("copyless");
        JsonNode naive = root.get("paths").get("naive");
        assertThat(copyless.get("source_node_swapins").asInt()).isZero();
        assertThat(copyless.get("cross_node_bytes_copied").asLong()).isZero();
        assertThat(naive.get("source_node_swapins").asInt()).isEqualTo(pages);
        assertThat(naive.get("cross_node_bytes_copied").asLong()).isEqualTo(pages * 4096L);
    }

    @Test
    void theKernelsOwnReclaimPagesGuestRamOutOnNodesOfTheScenariosSize() throws Exception {
        assumeTrue(NOT_BOOTABLE.isEmpty(), () -> "skipped: " + NOT_BOOTABLE.orElse(""));
        // busy balancing (a fixed 50 ms scan period): stock scanning starts after 1 s; the working folder is shared.
        // On the modelled clock the guest does the model's work (about 7.7 million accesses in 500 ms, its 48 MiB
        // per vNode touched on 40 MiB nodes) however slowly TCG runs it; on the measured clock a slow machine got
        // through too little of it in 1 s to press the nodes at all (a CI run with no pswpout in any policy).
        Files.copy(Path.of(CliTest.BUSY), Path.of("target", "vm-busy.yaml"), StandardCopyOption.REPLACE_EXISTING);
        CliTest.Result r = CliTest.run("vm", "--timeout", "20min", "--", "compare", "--backend", "linux", "--host-reclaim",
                "kernel", "--real-clock", "modelled", "--scenario", "target/vm-busy.yaml", "--duration", "500ms",
                "--format", "json");
        assertThat(r.code()).as("stderr: %s", r.err()).isZero();
        JsonNode policies = new ObjectMapper().readTree(r.out()).get("policies");
        long foundSwapped = 0;
        long kernelPswpout = 0;
        for (String p : List.of("none", "naive", "copyless")) {
            JsonNode m = policies.get(p);
            assertThat(m.get("pages_lost").asLong()).as(p).isZero();
            assertThat(m.get("pages_verified").asLong()).as(p).isPositive();
            // the default scenario's nodes are 40 MiB, 10,240 pages; the kernel hands out huge pages 2 MiB at a time
            assertThat(m.get("resized_node_free_pages_min").asLong()).as(p).isGreaterThan(8_000L);
            assertThat(m.get("resized_node_free_pages_max").asLong()).as(p).isLessThan(13_000L);
            assertThat(m.get("resized_node_wmark_high").asLong()).as("%s: the scenario's watermarks, not a 1 GiB node's", p)
                    .isLessThan(1_000L);
            assertThat(m.get("pgsteal_kswapd").asLong()).as("%s: this backend's kswapd pages nothing out", p).isZero();
            foundSwapped += m.get("rescan_found_swapped").asLong();
            kernelPswpout += m.get("kernel_pswpout").asLong();
        }
        assertThat(foundSwapped).as("guest pages the kernel swapped out, found in the pagemap").isPositive();
        assertThat(kernelPswpout).isPositive();
        assertThat(policies.get("copyless").get("migrated_pages_checked").asLong()).isPositive();
    }
}
