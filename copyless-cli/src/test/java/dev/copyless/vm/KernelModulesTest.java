package dev.copyless.vm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link KernelModules}: dependencies from {@code .modinfo}, and a load order with every dependency first. */
class KernelModulesTest {

    private static byte[] ko(String modinfo) {
        return ("\u007fELF junk\0license=GPL\0" + modinfo + "\0vermagic=6.12.117 SMP\0more").getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void dependsFromModinfo() {
        assertThat(KernelModules.depends(ko("depends=netfs,9pnet"))).containsExactly("netfs", "9pnet");
        assertThat(KernelModules.depends(ko("depends="))).isEmpty();
        assertThat(KernelModules.depends(ko("depends=virtio-ring"))).containsExactly("virtio_ring");
        assertThat(KernelModules.depends(ko("alias=x"))).isEmpty();
        assertThat(KernelModules.depends("xdepends=a\0".getBytes(StandardCharsets.US_ASCII)))
                .as("only a string that starts after a NUL").isEmpty();
    }

    @Test
    void moduleNames() {
        assertThat(KernelModules.moduleName("./lib/modules/6.12/kernel/net/9p/9pnet_virtio.ko.xz")).isEqualTo("9pnet_virtio");
        assertThat(KernelModules.moduleName("virtio-rng.ko")).isEqualTo("virtio_rng");
    }

    @Test
    void dependenciesLoadFirst() {
        // the 6.12 package's real graph
        Map<String, List<String>> deps = Map.of("virtio_blk", List.of(), "9pnet_virtio", List.of("9pnet"),
                "9pnet", List.of("netfs"), "9p", List.of("netfs", "9pnet"), "netfs", List.of());
        List<String> order = KernelModules.loadOrder(KernelModules.WANTED, deps);
        assertThat(order).containsExactlyInAnyOrder("virtio_blk", "9pnet_virtio", "9pnet", "9p", "netfs");
        for (Map.Entry<String, List<String>> e : deps.entrySet()) {
            for (String d : e.getValue()) {
                assertThat(order.indexOf(d)).as(d + " before " + e.getKey()).isLessThan(order.indexOf(e.getKey()));
            }
        }
    }

    @Test
    void missingOrCyclicModulesAreFailures() {
        assertThatThrownBy(() -> KernelModules.loadOrder(List.of("9p"), Map.of("9p", List.of("netfs"))))
                .isInstanceOf(VmException.class).hasMessageContaining("no module netfs (needed by 9p)");
        assertThatThrownBy(() -> KernelModules.loadOrder(List.of("a"), Map.of("a", List.of("b"), "b", List.of("a"))))
                .isInstanceOf(VmException.class).hasMessageContaining("cycle");
    }
}
