package dev.copyless.trace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The binary trace format: a round trip of many records over several threads and blocks;
 * corruption (every truncation, every flipped byte) always gives an error that names a byte
 * offset and never wrong data; structural errors in a file with a valid checksum; and the
 * writer, which leaves nothing behind unless it finishes.
 */
public class TraceFormatTest {
    @TempDir
    Path dir;

    public record Rec(int tid, long vpn, long instr) {}

    /** A deterministic mix of threads, pages (local and far) and instruction deltas. */
    static List<Rec> records(int n, int threads, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<Rec> out = new ArrayList<>();
        int tid = 1;
        long[] last = new long[threads + 1];
        for (int i = 0; i < n; i++) {
            if (r.nextInt(100) < 3) {
                tid = 1 + r.nextInt(threads);
            }
            long vpn = r.nextInt(10) < 8 ? Math.max(0, last[tid] + r.nextInt(-2, 3)) : r.nextLong(1L << 36);
            last[tid] = vpn;
            out.add(new Rec(tid, vpn, r.nextInt(10) == 0 ? r.nextLong(1L << 40) : r.nextInt(6)));
        }
        return out;
    }

    public static TraceInfo write(Path file, List<Rec> recs) {
        try (TraceWriter w = TraceWriter.create(file)) {
            for (Rec r : recs) {
                w.access(r.tid(), r.vpn(), r.instr());
            }
            long instr = recs.stream().mapToLong(Rec::instr).sum();
            w.totals(instr + 7, recs.size() / 2, recs.size() / 4, recs.size() >= 12 ? 3 : 0);
            return w.finish();
        }
    }

    @Test
    void roundTripKeepsEveryRecordInOrder() throws IOException {
        List<Rec> recs = records(200_000, 3, 1);
        Path f = dir.resolve("rt.cltrace");
        TraceInfo written = write(f, recs);
        List<Long> tids = new ArrayList<>();
        List<Rec> back = new ArrayList<>();
        TraceInfo read = TraceReader.read(f, (t, p, d) -> back.add(new Rec(t, p, d)));
        // compact indices: pages in first-touch order, threads in first-access order
        java.util.Map<Long, Integer> pageIdx = new java.util.HashMap<>();
        java.util.Map<Integer, Integer> threadIdx = new java.util.HashMap<>();
        List<Rec> expected = new ArrayList<>();
        for (Rec r : recs) {
            int p = pageIdx.computeIfAbsent(r.vpn(), k -> pageIdx.size());
            int t = threadIdx.computeIfAbsent(r.tid(), k -> threadIdx.size());
            expected.add(new Rec(t, p, r.instr()));
            if (!tids.contains((long) r.tid())) {
                tids.add((long) r.tid());
            }
        }
        assertThat(back).isEqualTo(expected);
        assertThat(read).isEqualTo(written);
        assertThat(read.accesses()).isEqualTo(recs.size());
        assertThat(read.pages()).isEqualTo(pageIdx.size());
        assertThat(read.threads()).extracting(TraceInfo.Thread::sourceTid).isEqualTo(tids);
        assertThat(read.blocks()).isGreaterThan(10);
        assertThat(read.loads()).isEqualTo(recs.size() / 2);
        assertThat(read.instructions()).isEqualTo(recs.stream().mapToLong(Rec::instr).sum() + 7);
        long perThread = read.threads().stream().mapToLong(TraceInfo.Thread::accesses).sum();
        assertThat(perThread).isEqualTo(recs.size());
        assertThat(Files.size(f)).isEqualTo(read.fileBytes());
        try (var files = Files.list(dir)) {
            assertThat(files).containsExactly(f); // no temporary file left
        }
    }

    @Test
    void theHeaderIsAsDocumented() throws IOException {
        Path f = dir.resolve("h.cltrace");
        write(f, List.of(new Rec(1, 5, 2), new Rec(1, 6, 1), new Rec(1, 5, 0)));
        byte[] b = Files.readAllBytes(f);
        assertThat(new String(b, 0, 8, java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("CPLTRACE");
        assertThat(TraceFormat.getShort(b, 8)).isEqualTo(1);
        assertThat(TraceFormat.getShort(b, 10)).isEqualTo(96);
        assertThat(TraceFormat.getInt(b, 12)).isEqualTo(4096);
        assertThat(TraceFormat.getInt(b, 16)).isEqualTo(1);
        assertThat(TraceFormat.getLong(b, 24)).isEqualTo(3);
        assertThat(TraceFormat.getLong(b, 32)).isEqualTo(2);
        long pt = TraceFormat.getLong(b, 80);
        assertThat(TraceFormat.getLong(b, (int) pt)).isEqualTo(5);
        assertThat(TraceFormat.getLong(b, (int) pt + 8)).isEqualTo(6);
        // one block: thread 0, 3 records, 6 payload bytes: +0 @2, +1 @1, -1 @0
        assertThat(java.util.Arrays.copyOfRange(b, 96, 105)).containsExactly(0, 3, 6, 0, 2, 2, 1, 1, 0);
        assertThat(new String(b, b.length - 8, 4, java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("CEND");
        CRC32C crc = new CRC32C();
        crc.update(b, 0, b.length - 8);
        assertThat(TraceFormat.getInt(b, b.length - 4)).isEqualTo((int) crc.getValue());
    }

    /** Reads {@code f}; returns the records if it succeeds. */
    static List<Rec> tryRead(Path f) {
        List<Rec> out = new ArrayList<>();
        TraceReader.read(f, (t, p, d) -> out.add(new Rec(t, p, d)));
        return out;
    }

    @Test
    void everyTruncationIsAnErrorWithAnOffset() throws IOException {
        Path f = dir.resolve("t.cltrace");
        write(f, records(300, 2, 2));
        byte[] full = Files.readAllBytes(f);
        Path cut = dir.resolve("cut.cltrace");
        for (int len = 0; len < full.length; len++) {
            Files.write(cut, java.util.Arrays.copyOf(full, len));
            int l = len;
            assertThatThrownBy(() -> tryRead(cut)).as("truncated to %d bytes", l)
                    .isInstanceOf(TraceException.class)
                    .hasMessageStartingWith(cut + ": byte ")
                    .hasMessageMatching(len < 8 && len > 0 ? ".*(truncated|magic).*" : ".*truncated.*");
        }
    }

    @Test
    void everyFlippedByteIsAnErrorWithAnOffsetNeverWrongData() throws IOException {
        Path f = dir.resolve("f.cltrace");
        write(f, records(400, 3, 3));
        byte[] full = Files.readAllBytes(f);
        Path bad = dir.resolve("bad.cltrace");
        for (int i = 0; i < full.length; i++) {
            for (int mask : new int[] {0x01, 0x80, 0xFF}) {
                byte[] b = full.clone();
                b[i] ^= (byte) mask;
                Files.write(bad, b);
                try {
                    tryRead(bad);
                    fail("byte %d ^ 0x%x was not detected", i, mask);
                } catch (TraceException e) {
                    assertThat(e.getMessage()).as("byte %d", i).matches(java.util.regex.Pattern.quote(bad.toString())
                            + ": byte \\d+: .*");
                }
            }
        }
    }

    @Test
    void specificErrorsNameWhatIsWrong() throws IOException {
        Path f = dir.resolve("s.cltrace");
        write(f, records(100, 1, 4));
        byte[] full = Files.readAllBytes(f);
        Path bad = dir.resolve("bad.cltrace");

        Files.writeString(bad, "I  04001a20,3\n L 04222cac,8\n".repeat(10));
        assertThatThrownBy(() -> tryRead(bad)).hasMessage(bad + ": byte 0: not a copyless trace (bad magic number;"
                + " expected a file written by 'copyless trace record')");

        byte[] v = full.clone();
        v[8] = 9;
        Files.write(bad, v);
        assertThatThrownBy(() -> tryRead(bad)).hasMessage(bad + ": byte 8: unknown trace format version 9;"
                + " this copyless reads version 1");

        byte[] c = full.clone();
        c[120] ^= 4;
        Files.write(bad, c);
        assertThatThrownBy(() -> tryRead(bad)).hasMessageStartingWith(bad + ": byte " + (full.length - 4)
                + ": checksum mismatch");

        Files.write(bad, java.util.Arrays.copyOf(full, full.length - 20));
        assertThatThrownBy(() -> tryRead(bad)).hasMessage(bad + ": byte " + (full.length - 20) + ": truncated: the file"
                + " ends at byte " + (full.length - 20) + " but its header says it has " + full.length + " bytes");

        assertThatThrownBy(() -> tryRead(dir.resolve("missing.cltrace"))).hasMessageContaining("no such file");
    }

    /** A hand-made file: header fields, body and tables given, with a valid CRC32C trailer. */
    static byte[] craft(int threads, long accesses, long pages, long blocks, byte[] body, long[] vpns, long[][] threadTable) {
        int len = 96 + body.length + 8 * vpns.length + 32 * threadTable.length + 8;
        byte[] b = new byte[len];
        System.arraycopy(TraceFormat.MAGIC, 0, b, 0, 8);
        TraceFormat.putShort(b, 8, 1);
        TraceFormat.putShort(b, 10, 96);
        TraceFormat.putInt(b, 12, 4096);
        TraceFormat.putInt(b, 16, threads);
        TraceFormat.putLong(b, 24, accesses);
        TraceFormat.putLong(b, 32, pages);
        TraceFormat.putLong(b, 40, 1000);
        TraceFormat.putLong(b, 72, blocks);
        long pt = 96 + body.length;
        TraceFormat.putLong(b, 80, pt);
        TraceFormat.putLong(b, 88, pt + 8L * vpns.length);
        System.arraycopy(body, 0, b, 96, body.length);
        int o = (int) pt;
        for (long v : vpns) {
            TraceFormat.putLong(b, o, v);
            o += 8;
        }
        for (long[] t : threadTable) {
            for (long x : t) {
                TraceFormat.putLong(b, o, x);
                o += 8;
            }
        }
        System.arraycopy(TraceFormat.END_MARKER, 0, b, o, 4);
        CRC32C crc = new CRC32C();
        crc.update(b, 0, o);
        TraceFormat.putInt(b, o + 4, (int) crc.getValue());
        return b;
    }

    @Test
    void structuralErrorsBehindAValidChecksumNameTheirOffset() throws IOException {
        Path f = dir.resolve("c.cltrace");
        // the valid body is {0, 2, 4, 0, 1, 2, 1}: thread 0, 2 records, 4 bytes: page 0 @1, page 1 @1
        // page index out of range: the second record jumps to page 5 of 2
        Files.write(f, craft(1, 2, 2, 1, new byte[] {0, 2, 4, 0, 1, 10, 1}, new long[] {7, 9}, new long[][] {{1, 2, 2, 2}}));
        assertThatThrownBy(() -> tryRead(f)).hasMessage(f + ": byte 101: page index 5 out of range (the trace has 2 pages)");

        // thread index out of range
        Files.write(f, craft(1, 2, 2, 1, new byte[] {3, 2, 4, 0, 1, 2, 1}, new long[] {7, 9}, new long[][] {{1, 2, 2, 2}}));
        assertThatThrownBy(() -> tryRead(f)).hasMessage(f + ": byte 96: thread index 3 out of range (the trace has 1 threads)");

        // the header's access count disagrees with the records
        Files.write(f, craft(1, 5, 2, 1, new byte[] {0, 2, 4, 0, 1, 2, 1}, new long[] {7, 9}, new long[][] {{1, 2, 2, 2}}));
        assertThatThrownBy(() -> tryRead(f)).hasMessage(f + ": byte 24: the header says 5 accesses, the records have 2");

        // a page table entry repeated
        Files.write(f, craft(1, 2, 2, 1, new byte[] {0, 2, 4, 0, 1, 2, 1}, new long[] {7, 7}, new long[][] {{1, 2, 2, 2}}));
        assertThatThrownBy(() -> tryRead(f)).hasMessage(f + ": byte 111: page table entry 1 repeats entry 0 (virtual page 0x7)");

        // the thread table disagrees
        Files.write(f, craft(1, 2, 2, 1, new byte[] {0, 2, 4, 0, 1, 2, 1}, new long[] {7, 9}, new long[][] {{1, 2, 3, 2}}));
        assertThatThrownBy(() -> tryRead(f)).hasMessage(f + ": byte 135: thread 0: the thread table says 3 instructions,"
                + " its records have 2");
    }

    @Test
    void aValidCraftedFileReads() throws IOException {
        Path f = dir.resolve("ok.cltrace");
        Files.write(f, craft(1, 2, 2, 1, new byte[] {0, 2, 4, 0, 1, 2, 1}, new long[] {7, 9}, new long[][] {{1, 2, 2, 2}}));
        assertThat(tryRead(f)).containsExactly(new Rec(0, 0, 1), new Rec(0, 1, 1));
    }

    @Test
    void theWriterLeavesNothingBehindUnlessItFinishes() throws IOException {
        Path target = dir.resolve("w.cltrace");
        try (TraceWriter w = TraceWriter.create(target)) {
            w.access(1, 10, 1);
            assertThat(Files.exists(w.tempFile())).isTrue();
            assertThat(w.tempFile().getParent()).isEqualTo(dir);
            // no finish: closed on an error path
        }
        try (var files = Files.list(dir)) {
            assertThat(files).isEmpty();
        }
        // a trace with no accesses is refused and removed
        TraceWriter empty = TraceWriter.create(target);
        assertThatThrownBy(empty::finish).isInstanceOf(TraceException.class).hasMessageContaining("no data accesses");
        empty.close();
        try (var files = Files.list(dir)) {
            assertThat(files).isEmpty();
        }
        // an existing target is only replaced by a finished trace
        Files.writeString(target, "previous");
        try (TraceWriter w = TraceWriter.create(target)) {
            w.access(1, 10, 1);
        }
        assertThat(Files.readString(target)).isEqualTo("previous");
        write(target, List.of(new Rec(1, 10, 1)));
        assertThat(TraceReader.read(target, null).accesses()).isEqualTo(1);
        try (var files = Files.list(dir)) {
            assertThat(files).containsExactly(target);
        }
    }

    @Test
    void unwritableDestinationsAreOneLineErrors() throws IOException {
        assertThatThrownBy(() -> TraceWriter.create(dir.resolve("no/such/dir/t.cltrace")))
                .isInstanceOf(TraceException.class).hasMessageContaining("does not exist");
        Path file = dir.resolve("plain");
        Files.writeString(file, "x");
        assertThatThrownBy(() -> TraceWriter.create(file.resolve("t.cltrace")))
                .isInstanceOf(TraceException.class).hasMessageContaining("cannot write the trace");
        assertThatThrownBy(() -> TraceWriter.create(dir)).isInstanceOf(TraceException.class)
                .hasMessageContaining("is a directory");
    }
}
