package dev.copyless.trace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The recorder's checks before anything runs: Valgrind and the command are found or refused
 * with a one-line error saying what to do, and an unwritable output is refused first.
 * (Recording a real program is tested end to end in the CLI's {@code TraceCommandTest}.)
 */
class ValgrindRecorderTest {
    @TempDir
    Path dir;

    @Test
    void valgrindMissingSaysHowToInstallIt() {
        assertThatThrownBy(() -> ValgrindRecorder.findValgrind(null, dir.toString()))
                .isInstanceOf(TraceException.class)
                .hasMessage("valgrind is not installed: install it (apt-get install valgrind) or give its path with"
                        + " --valgrind PATH");
        assertThatThrownBy(() -> ValgrindRecorder.findValgrind(dir.resolve("vg"), dir.toString()))
                .hasMessage("--valgrind: " + dir.resolve("vg") + " is not an executable file");
    }

    @Test
    void commandsAreFoundOnThePathOrRefused() throws IOException {
        Path exe = dir.resolve("prog");
        Files.writeString(exe, "#!/bin/sh\n");
        exe.toFile().setExecutable(true);
        assertThat(ValgrindRecorder.findCommand("prog", "/nonexistent:" + dir)).isEqualTo(exe);
        assertThat(ValgrindRecorder.findCommand(exe.toString(), "")).isEqualTo(exe);
        assertThatThrownBy(() -> ValgrindRecorder.findCommand("nope", dir.toString()))
                .hasMessage("nope: command not found (not on PATH); cannot start the command");
        assertThatThrownBy(() -> ValgrindRecorder.findCommand(dir.resolve("nope").toString(), ""))
                .hasMessageContaining("no such file");
        assertThatThrownBy(() -> ValgrindRecorder.findCommand(dir.toString(), ""))
                .hasMessageContaining("not an executable file");
    }

    @Test
    void anUnwritableOutputIsRefusedBeforeAnythingRuns() {
        assertThatThrownBy(() -> ValgrindRecorder.record(Path.of("/bin/true"), List.of("true"),
                dir.resolve("missing/t.cltrace"), m -> { }))
                .isInstanceOf(TraceException.class).hasMessageContaining("does not exist");
        assertThatThrownBy(() -> ValgrindRecorder.record(Path.of("/bin/true"), List.of(), dir.resolve("t.cltrace"),
                m -> { })).hasMessageContaining("expected a command after --");
    }
}
