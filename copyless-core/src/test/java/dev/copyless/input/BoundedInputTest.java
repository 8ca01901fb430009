package dev.copyless.input;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bounded reading of the files a user names ({@link BoundedInput}): every refusal is one line
 * that names the file, comes before the file is opened or parsed (a FIFO with no writer, which
 * would block an open for ever, and {@code /dev/zero}, which never ends, are refused at once),
 * and a YAML file's duplicate keys and aliases are refused rather than read wrong.
 */
class BoundedInputTest {
    @TempDir
    Path dir;

    private static void oneLine(Throwable t) {
        assertThat(t).isInstanceOf(UserError.class);
        assertThat(t.getMessage()).doesNotContain("\n").doesNotContain("\r");
    }

    @Test
    @Timeout(10)
    void aFifoIsRefusedWithoutOpeningIt() throws Exception {
        Path fifo = dir.resolve("scenario.yaml");
        Process p = new ProcessBuilder("mkfifo", fifo.toString()).start();
        assumeTrue(p.waitFor() == 0, "mkfifo is available");
        assertThatThrownBy(() -> BoundedInput.readText(fifo, BoundedInput.YAML_LIMIT, "scenario file", "give a file"))
                .satisfies(BoundedInputTest::oneLine)
                .hasMessage(fifo + ": not a regular file (a FIFO); a scenario file must be a regular file; give a file");
    }

    @Test
    @Timeout(10)
    void aDeviceIsRefused() {
        Path zero = Path.of("/dev/zero");
        assumeTrue(Files.exists(zero));
        assertThatThrownBy(() -> BoundedInput.readText(zero, BoundedInput.YAML_LIMIT, "scenario file", ""))
                .satisfies(BoundedInputTest::oneLine)
                .hasMessage("/dev/zero: not a regular file (a character device); a scenario file must be a regular file");
    }

    @Test
    void aDirectoryAMissingFileAndAPathThroughAFileSayWhy() throws IOException {
        assertThatThrownBy(() -> BoundedInput.readText(dir, 100, "grid file", "")).satisfies(BoundedInputTest::oneLine)
                .hasMessage(dir + ": is a directory, not a grid file");
        Path missing = dir.resolve("nope.yaml");
        assertThatThrownBy(() -> BoundedInput.readText(missing, 100, "grid file", "give a grid"))
                .hasMessage(missing + ": no such file; give a grid");
        Path file = Files.writeString(dir.resolve("f"), "x");
        Path through = file.resolve("g.yaml");
        assertThatThrownBy(() -> BoundedInput.readText(through, 100, "grid file", ""))
                .satisfies(BoundedInputTest::oneLine).hasMessageStartingWith(through + ": ")
                .hasMessageNotContaining("(" + through + ")");
    }

    @Test
    void aFileLargerThanTheCapIsRefusedBeforeItIsRead() throws IOException {
        Path big = dir.resolve("big.yaml");
        try (RandomAccessFile f = new RandomAccessFile(big.toFile(), "rw")) {
            f.setLength(3L << 30); // sparse: 3 GiB that would take seconds to read
        }
        assertThatThrownBy(() -> BoundedInput.readText(big, BoundedInput.YAML_LIMIT, "scenario file", ""))
                .satisfies(BoundedInputTest::oneLine)
                .hasMessage(big + ": 3.0 GiB; a scenario file may have at most 1.0 MiB");
    }

    @Test
    void textMustBeUtf8() throws IOException {
        Path f = Files.write(dir.resolve("latin1.yaml"), "name: caf\u00e9\n".getBytes(StandardCharsets.ISO_8859_1));
        assertThatThrownBy(() -> BoundedInput.readText(f, 100, "scenario file", "")).satisfies(BoundedInputTest::oneLine)
                .hasMessage(f + ": not UTF-8 text (byte 9); a scenario file is UTF-8 text");
        Path ok = Files.writeString(dir.resolve("utf8.yaml"), "name: caf\u00e9\n");
        assertThat(BoundedInput.readText(ok, 100, "scenario file", "")).isEqualTo("name: caf\u00e9\n");
    }

    @Test
    void aKeyGivenTwiceIsRefused() {
        assertThatThrownBy(() -> BoundedInput.yaml("seed: 1\nhost:\n  nodes: []\nseed: 2\n", "s.yaml"))
                .satisfies(BoundedInputTest::oneLine).hasMessageStartingWith("s.yaml: not valid YAML at line 4")
                .hasMessageContaining("key 'seed' given twice in one mapping");
        assertThatThrownBy(() -> BoundedInput.yaml("host:\n  a: 1\n  a: 1\n", "s.yaml")).hasMessageContaining("key 'a' given twice");
    }

    @Test
    void anAliasIsRefusedNotReadAsItsName() {
        assertThatThrownBy(() -> BoundedInput.yaml("a: &x 5\nb: *x\n", "s.yaml")).satisfies(BoundedInputTest::oneLine)
                .hasMessage("s.yaml: YAML alias '*x' at line 2, column 4 is not supported; write the value out in full");
    }

    @Test
    void aTabErrorIsOneLine() {
        assertThatThrownBy(() -> BoundedInput.yaml("host:\n\tnodes: 1\n", "s.yaml")).satisfies(BoundedInputTest::oneLine)
                .hasMessageStartingWith("s.yaml: not valid YAML at line 2, column 1 (")
                .hasMessageContaining("found character TAB that cannot start any token").hasMessageContaining("Do not use tabs");
    }

    @Test
    void deepNestingIsRefused() {
        String deep = "a: " + "[".repeat(200) + "]".repeat(200) + "\n";
        assertThatThrownBy(() -> BoundedInput.yaml(deep, "s.yaml")).satisfies(BoundedInputTest::oneLine)
                .hasMessageStartingWith("s.yaml: not valid YAML");
    }

    /** 100 MB of YAML handed in as text is refused at once, like a file that size. */
    @Test
    @Timeout(10)
    void textPastTheCapIsRefusedBeforeParsing() {
        String huge = "# " + "x".repeat(100_000_000) + "\nname: x\n";
        assertThatThrownBy(() -> BoundedInput.yaml(huge, "s.yaml")).satisfies(BoundedInputTest::oneLine)
                .hasMessage("s.yaml: 95.4 MiB of YAML; a scenario or grid may have at most 1.0 MiB");
    }

    /** A comment line as long as the cap allows parses (the parser is linear in it; the timeout guards a hang). */
    @Test
    @Timeout(60)
    void aCommentLineAsLongAsTheCapParses() {
        String text = "a: 1\n# " + "x".repeat((int) BoundedInput.YAML_LIMIT - 64) + "\nb: 2\n";
        assertThat(BoundedInput.yaml(text, "s.yaml").get("b").asInt()).isEqualTo(2);
    }

    @Test
    void byteCounts() {
        assertThat(BoundedInput.bytes(10)).isEqualTo("10 bytes");
        assertThat(BoundedInput.bytes(1 << 20)).isEqualTo("1.0 MiB");
        assertThat(BoundedInput.bytes(Long.MAX_VALUE)).isEqualTo("8.0 EiB");
    }
}
