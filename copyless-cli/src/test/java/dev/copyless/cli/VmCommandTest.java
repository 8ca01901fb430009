package dev.copyless.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.copyless.vm.VmException;
import dev.copyless.vm.VmSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.Test;

/**
 * {@code copyless vm}'s argument errors: each is one line and exit code 2, found before
 * anything is installed, downloaded or booted; and the guest's java command line.
 */
class VmCommandTest {

    @Test
    void noCommandNestedVmOrUnknownCommand() {
        CliTest.assertUserError(CliTest.run("vm"), "copyless vm", "after --");
        CliTest.assertUserError(CliTest.run("vm", "--"), "after --");
        CliTest.assertUserError(CliTest.run("vm", "--", "vm", "--", "compare"), "no nested");
        CliTest.assertUserError(CliTest.run("vm", "--", "frobnicate"), "'frobnicate' is not a copyless command", "linux-demo");
    }

    @Test
    void badShapesNameTheirFlag() {
        CliTest.assertUserError(CliTest.run("vm", "--nodes", "0", "--", "compare"), "--nodes");
        CliTest.assertUserError(CliTest.run("vm", "--node-mem", "1G,1G,1G", "--", "compare"), "--node-mem", "3 sizes for 2 nodes");
        CliTest.assertUserError(CliTest.run("vm", "--node-mem", "lots", "--", "compare"), "--node-mem");
        CliTest.assertUserError(CliTest.run("vm", "--cpus", "3", "--", "compare"), "--cpus");
        CliTest.assertUserError(CliTest.run("vm", "--swap", "1X", "--", "compare"), "--swap");
        CliTest.assertUserError(CliTest.run("vm", "--distance", "5", "--", "compare"), "--distance");
        CliTest.assertUserError(CliTest.run("vm", "--timeout", "soon", "--", "compare"), "--timeout");
        CliTest.assertUserError(CliTest.run("vm", "--nodes", "two", "--", "compare"), "--nodes");
        for (CliTest.Result r : List.of(CliTest.run("vm", "--cpus", "3", "--", "compare"), CliTest.run("vm"))) {
            assertThat(r.err().strip().lines()).hasSize(1);
        }
    }

    @Test
    void theCommandsFlagsAreItsOwnWithOrWithoutTheDoubleDash() {
        // --pages is linux-demo's flag, not vm's: parsing stops at the first positional; the error is vm's own check
        CliTest.assertUserError(CliTest.run("vm", "--nodes", "0", "linux-demo", "--pages", "8"), "--nodes");
    }

    @Test
    void timeouts() {
        assertThat(VmCommand.parseTimeout("90s")).isEqualTo(Duration.ofSeconds(90));
        assertThat(VmCommand.parseTimeout("10min")).isEqualTo(Duration.ofMinutes(10));
        assertThat(VmCommand.parseTimeout("1h")).isEqualTo(Duration.ofHours(1));
        for (String bad : List.of("0s", "10", "5m", "-1s", "")) {
            Assertions.assertThatThrownBy(() -> VmCommand.parseTimeout(bad)).isInstanceOf(VmException.class);
        }
    }

    @Test
    void checkCommandAcceptsKnownCommandsAndOptions() {
        VmCommand.checkCommand(List.of("linux-demo", "--pages", "8"), Set.of("linux-demo", "vm"));
        VmCommand.checkCommand(List.of("--version"), Set.of("linux-demo", "vm"));
    }

    @Test
    void theGuestRunsThisJdkWithTheSameClassPath() {
        List<String> c = VmCommand.guestCommand(Path.of("/j"), List.of(Path.of("/r/a.jar"),
                Path.of("/r/classes")), List.of("linux-demo", "--pages", "8"), 512);
        assertThat(c.get(0)).isEqualTo("/j/bin/java");
        assertThat(c).contains("--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC", "-Xms512m", "-Xmx512m");
        assertThat(VmCommand.heapMiB(VmSpec.of(2, "1G", 2, "1G", 20))).isEqualTo(512);
        assertThat(VmCommand.heapMiB(VmSpec.of(1, "768M", 1, "1G", 20))).isEqualTo(192);
        assertThat(c.subList(c.indexOf("-cp"), c.size())).containsExactly("-cp", "/r/a.jar:/r/classes",
                CopylessCommand.class.getName(), "linux-demo", "--pages", "8");
    }
}
