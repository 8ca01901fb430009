package dev.copyless.vm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link VmRunner#exitCode}: the completion marker is the judge; without one, the cause it can find. */
class VmRunnerTest {
    private static final Path KEPT = Path.of("/cache/last-console.log");

    @Test
    void theMarkersExitCode(@TempDir Path t) throws Exception {
        Files.writeString(t.resolve("exit"), "3\n");
        assertThat(VmRunner.exitCode(t, t.resolve("console.log"), 0, KEPT)).isEqualTo(3);
        assertThat(VmRunner.exitCode(t, t.resolve("console.log"), 1, KEPT)).as("QEMU's own exit code does not count").isEqualTo(3);
    }

    @Test
    void aSetupStepThatFailed(@TempDir Path t) throws Exception {
        Files.writeString(t.resolve("exit"), "125\n");
        Files.writeString(t.resolve("error"), "cannot make /dev/vda a swap area\n");
        assertFailure(t, 0, "could not set up the run: cannot make /dev/vda a swap area");
    }

    @Test
    void aKernelPanicWithQemuExitingZero(@TempDir Path t) throws Exception {
        Files.writeString(t.resolve("console.log"), "[    0.1] ok\r\n[    1.234567] Kernel panic - not syncing: Attempted to kill init!\r\n");
        assertFailure(t, 0, "kernel died", "Kernel panic - not syncing: Attempted to kill init!");
    }

    @Test
    void qemuFailedOrNoMarker(@TempDir Path t) throws Exception {
        assertFailure(t, 1, "QEMU exited with code 1");
        assertFailure(t, 0, "powered off without the command finishing");
        Files.writeString(t.resolve("exit"), "x");
        assertFailure(t, 0, "not an exit code");
    }

    private static void assertFailure(Path t, int qemuExit, String... mention) {
        assertThatThrownBy(() -> VmRunner.exitCode(t, t.resolve("console.log"), qemuExit, KEPT))
                .isInstanceOfSatisfying(VmException.class, e -> {
                    assertThat(e.exitCode()).isEqualTo(VmException.FAILURE);
                    assertThat(e.getMessage()).doesNotContain("\n").contains(KEPT.toString());
                    for (String m : mention) {
                        assertThat(e.getMessage()).contains(m);
                    }
                });
    }
}
