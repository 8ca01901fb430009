package dev.copyless.trace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Lackey parser and converter on hand-written Lackey text: instruction and data lines,
 * Valgrind's messages, thread switches from {@code --trace-sched=yes}, accesses that straddle
 * a page boundary, and malformed lines reported with their line number.
 */
class LackeyParserTest {
    @TempDir
    Path dir;

    /** Records events as text, one per call. */
    static final class Events implements LackeyParser.Listener {
        final List<String> log = new ArrayList<>();

        @Override
        public void instruction(long addr, int size) {
            log.add("I " + Long.toHexString(addr) + "," + size);
        }

        @Override
        public void data(char kind, long addr, int size) {
            log.add(kind + " " + Long.toHexString(addr) + "," + size);
        }

        @Override
        public void thread(int tid) {
            log.add("T " + tid);
        }
    }

    static InputStream text(String s) {
        return new ByteArrayInputStream(s.getBytes(StandardCharsets.US_ASCII));
    }

    static final String SAMPLE = """
            ==1234== Lackey, an example Valgrind tool
            ==1234== Command: ./prog
            ==1234==\s
            --1234--   SCHED[1]:  acquired lock (thread_wrapper(starting new thread))
            --1234--   SCHED[1]: entering VG_(scheduler)
            I  04001a20,3
             S 1ffefffd08,8
            I  04001a23,5
            I  04001a28,4
             L 04222cac,8
            SB 04001a2c
            I  04001a2c,7
             M 0421d5d8,4

            --1234--   SCHED[1]: releasing lock (VG_(vg_yield)) -> VgTs_Yielding
            --1234--   SCHED[2]:  acquired lock (thread_wrapper(starting new thread))
            I  05000000,2
             L 05001ffc,8
            **1234** some warning
            --1234--   SCHED[1]:  acquired lock (VG_(vg_yield))
            I  04001a33,3
             S 1ffefffd00,8
            ==1234== Counted 1 call to main()
            """;

    @Test
    void parsesInstructionsDataMessagesAndThreadSwitches() throws IOException {
        Events e = new Events();
        long lines = LackeyParser.parse(text(SAMPLE), "sample", e);
        assertThat(lines).isEqualTo(SAMPLE.lines().count());
        assertThat(e.log).containsExactly("T 1", "I 4001a20,3", "S 1ffefffd08,8", "I 4001a23,5", "I 4001a28,4",
                "L 4222cac,8", "I 4001a2c,7", "M 421d5d8,4", "T 2", "I 5000000,2", "L 5001ffc,8", "T 1",
                "I 4001a33,3", "S 1ffefffd00,8");
    }

    @Test
    void acceptsCrlfAndALastLineWithoutNewline() throws IOException {
        Events e = new Events();
        LackeyParser.parse(text("I  10,1\r\n L 20,4\r\n S 30,2"), "crlf", e);
        assertThat(e.log).containsExactly("I 10,1", "L 20,4", "S 30,2");
    }

    @Test
    void skipsValgrindMessagesLongerThanTheBuffer() throws IOException {
        String longMessage = "==1== " + "x".repeat(200_000) + "\n";
        Events e = new Events();
        long lines = LackeyParser.parse(text("I  10,1\n" + longMessage + " L 20,4\n"), "long", e);
        assertThat(lines).isEqualTo(3);
        assertThat(e.log).containsExactly("I 10,1", "L 20,4");
    }

    @Test
    void malformedLinesAreReportedWithTheirLineNumber() {
        String[] bad = {"hello world", " L 0x1000,8", " L 1000", " L 1000,", " X 1000,8", "I  zz,3", " L 1000,8 junk",
                " L 12345678901234567,8", " L 1000,99999999", "I 1000",
                "x".repeat(70_000)};
        for (String b : bad) {
            String input = "I  10,1\n L 20,4\n" + b + "\n S 30,2\n";
            assertThatThrownBy(() -> LackeyParser.parse(text(input), "trace.txt", new Events()))
                    .as(b.length() > 40 ? b.substring(0, 40) : b)
                    .isInstanceOf(TraceException.class)
                    .hasMessageStartingWith("trace.txt: line 3: not a Lackey trace line");
        }
    }

    @Test
    void straddlingAccessTouchesBothPagesAndInstructionsAreTheTimeBase() throws IOException {
        Path out = dir.resolve("t.cltrace");
        String lackey = """
                I  04001000,3
                I  04001003,3
                 L 00001ffc,8
                I  04001006,3
                 S 00003000,4
                 M 00001000,4
                I  04001009,3
                I  0400100c,3
                 L 00002ffe,4099
                """;
        TraceInfo info = LackeyConverter.convert(text(lackey), "t", out);
        List<long[]> rec = new ArrayList<>();
        TraceReader.read(out, (t, p, d) -> rec.add(new long[] {t, p, d}));
        // pages in first-touch order: vpn 1 -> 0, vpn 2 -> 1, vpn 3 -> 2, vpn 4 -> 3
        assertThat(rec).extracting(r -> r[1] + "@" + r[2]).containsExactly(
                "0@2", "1@0", // L straddles 0x1ffc..0x2003: pages 1 and 2, the second with no instructions
                "2@1", // S after one instruction
                "0@0", // M in the same instruction
                "1@2", "2@0", "3@0"); // 4099 bytes from 0x2ffe end at 0x4000: pages 2, 3 and 4
        assertThat(info.accesses()).isEqualTo(7);
        assertThat(info.loads()).isEqualTo(2);
        assertThat(info.stores()).isEqualTo(1);
        assertThat(info.modifies()).isEqualTo(1);
        assertThat(info.instructions()).isEqualTo(5);
        assertThat(info.pages()).isEqualTo(4);
        assertThat(info.minVpn()).isEqualTo(1);
        assertThat(info.maxVpn()).isEqualTo(4);
        assertThat(info.threads()).hasSize(1);
        assertThat(info.threads().get(0).sourceTid()).isEqualTo(1);
    }

    @Test
    void threadsFromTheSchedulerTraceBecomeTraceThreadsWithTheirOwnInstructionCounts() throws IOException {
        Path out = dir.resolve("mt.cltrace");
        TraceInfo info = LackeyConverter.convert(text(SAMPLE), "sample", out);
        assertThat(info.threads()).extracting(TraceInfo.Thread::sourceTid).containsExactly(1L, 2L);
        TraceInfo.Thread main = info.threads().get(0);
        TraceInfo.Thread second = info.threads().get(1);
        assertThat(main.accesses()).isEqualTo(4);
        assertThat(second.accesses()).isEqualTo(2); // 0x5001ffc,8 straddles pages 0x5001 and 0x5002
        assertThat(second.instructions()).isEqualTo(1);
        assertThat(main.instructions()).isEqualTo(5);
        assertThat(info.instructions()).isEqualTo(6);
        List<String> rec = new ArrayList<>();
        TraceReader.read(out, (t, p, d) -> rec.add(t + ":" + p + "@" + d));
        assertThat(rec).containsExactly("0:0@1", "0:1@2", "0:2@1", "1:3@1", "1:4@0", "0:0@1");
    }

    @Test
    void aMalformedLineLeavesNoTraceBehind() throws IOException {
        Path out = dir.resolve("bad.cltrace");
        assertThatThrownBy(() -> LackeyConverter.convert(text("I  10,1\n L 20,4\ngarbage\n"), "x", out))
                .hasMessageContaining("line 3");
        try (var files = Files.list(dir)) {
            assertThat(files).isEmpty();
        }
    }
}
