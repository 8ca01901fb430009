package dev.copyless.trace;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * A streaming parser of Valgrind Lackey's memory trace
 * ({@code valgrind --tool=lackey --trace-mem=yes}), byte by byte over a fixed buffer: a trace
 * of gigabytes is never held in memory, and a line costs no allocation.
 *
 * <p>Lines it understands:
 * <ul>
 *   <li>{@code I  04001a20,3}: an instruction (address, size);</li>
 *   <li>{@code  L 04222cac,8}, {@code  S 1ffefffd08,8}, {@code  M 0421d5d8,4}: a data load,
 *       store, or modify (load and store of the same bytes);</li>
 *   <li>{@code --PID--   SCHED[N]:  acquired lock (...)}: Valgrind's scheduler
 *       ({@code --trace-sched=yes}) hands the CPU to thread N; the accesses that follow are N's.
 *       Valgrind runs one thread at a time under its big lock, so this attributes every access
 *       to its thread. Without such lines the whole trace is thread 1, Valgrind's main thread;</li>
 *   <li>ignored: Valgrind's messages ({@code ==PID==}, other {@code --PID--} lines,
 *       {@code **PID**}), superblock lines ({@code SB 04001a20} from
 *       {@code --trace-superblocks=yes}) and empty lines.</li>
 * </ul>
 * Anything else is malformed: a {@link TraceException} naming the source and line number.
 */
public final class LackeyParser {
    private LackeyParser() {}

    /** Receives the parsed events in trace order. */
    public interface Listener {
        /** An instruction of the current thread. */
        void instruction(long addr, int size);

        /**
         * A data access of the current thread.
         *
         * @param kind {@code 'L'}, {@code 'S'} or {@code 'M'}
         */
        void data(char kind, long addr, int size);

        /** From now on, events belong to Valgrind thread {@code tid}. */
        void thread(int tid);
    }

    /** Largest access size accepted (bytes); larger sizes are malformed. */
    static final int MAX_SIZE = 1 << 20;
    private static final int BUF = 1 << 16;
    private static final byte[] SCHED = "SCHED[".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ACQUIRED = "acquired lock".getBytes(StandardCharsets.US_ASCII);

    /**
     * Parses {@code in} to its end.
     *
     * @param source names the input in errors (a file name, or "valgrind output")
     * @return the number of lines read
     */
    public static long parse(InputStream in, String source, Listener listener) throws IOException {
        return new State(in, source, listener).run();
    }

    private static final class State {
        private final InputStream in;
        private final String source;
        private final Listener l;
        private final byte[] buf = new byte[BUF];
        private long line;

        State(InputStream in, String source, Listener l) {
            this.in = in;
            this.source = source;
            this.l = l;
        }

        long run() throws IOException {
            int start = 0; // first byte of the current line
            int len = 0; // bytes in buf
            boolean skipping = false; // inside an overlong message line
            while (true) {
                int n = in.read(buf, len, buf.length - len);
                if (n < 0) {
                    if (start < len) { // a last line without a newline
                        if (!skipping) {
                            line++;
                            line(start, len);
                        }
                    }
                    return line;
                }
                len += n;
                int i = start;
                while (true) {
                    int nl = indexOf(buf, (byte) '\n', i, len);
                    if (nl < 0) {
                        break;
                    }
                    if (skipping) {
                        skipping = false;
                    } else {
                        line++;
                        line(start, nl);
                    }
                    start = nl + 1;
                    i = start;
                }
                if (start == 0 && len == buf.length) {
                    // a line longer than the buffer: only Valgrind's messages are that long
                    if (!skipping) {
                        line++;
                        if (!isMessage(0, len)) {
                            throw malformed(0, Math.min(len, 61));
                        }
                        skipping = true;
                    }
                    len = 0;
                    continue;
                }
                System.arraycopy(buf, start, buf, 0, len - start);
                len -= start;
                start = 0;
            }
        }

        private static int indexOf(byte[] b, byte x, int from, int to) {
            for (int i = from; i < to; i++) {
                if (b[i] == x) {
                    return i;
                }
            }
            return -1;
        }

        private boolean isMessage(int s, int e) {
            if (e - s < 2) {
                return false;
            }
            byte a = buf[s];
            return (a == '=' || a == '-' || a == '*') && buf[s + 1] == a;
        }

        /** One line, buf[s, e) without its newline. */
        private void line(int s, int e) {
            if (e > s && buf[e - 1] == '\r') {
                e--;
            }
            if (e == s) {
                return;
            }
            byte c = buf[s];
            if (c == 'I') {
                int p = s + 1;
                if (p >= e || buf[p] != ' ') {
                    throw malformed(s, e);
                }
                access(s, e, p, 'I');
                return;
            }
            if (c == ' ') {
                int p = s;
                while (p < e && buf[p] == ' ') {
                    p++;
                }
                if (p + 1 < e && buf[p + 1] == ' ' && (buf[p] == 'L' || buf[p] == 'S' || buf[p] == 'M')) {
                    access(s, e, p + 1, (char) buf[p]);
                    return;
                }
                throw malformed(s, e);
            }
            if (isMessage(s, e)) {
                if (c == '-') {
                    sched(s, e);
                }
                return;
            }
            if (c == 'S' && e - s > 2 && buf[s + 1] == 'B' && buf[s + 2] == ' ') {
                return; // superblock
            }
            throw malformed(s, e);
        }

        /** Parses {@code hex,decimal} after the spaces at {@code p}. */
        private void access(int s, int e, int p, char kind) {
            while (p < e && buf[p] == ' ') {
                p++;
            }
            long addr = 0;
            int digits = 0;
            while (p < e) {
                int d = Character.digit(buf[p], 16);
                if (d < 0) {
                    break;
                }
                if (++digits > 16) {
                    throw malformed(s, e);
                }
                addr = (addr << 4) | d;
                p++;
            }
            if (digits == 0 || p >= e || buf[p] != ',') {
                throw malformed(s, e);
            }
            p++;
            long size = 0;
            int sd = 0;
            while (p < e && buf[p] >= '0' && buf[p] <= '9') {
                size = size * 10 + (buf[p] - '0');
                if (size > MAX_SIZE) {
                    throw malformed(s, e);
                }
                sd++;
                p++;
            }
            while (p < e && buf[p] == ' ') {
                p++;
            }
            if (sd == 0 || p != e) {
                throw malformed(s, e);
            }
            if (kind == 'I') {
                l.instruction(addr, (int) size);
            } else {
                l.data(kind, addr, (int) size);
            }
        }

        /** {@code --PID--   SCHED[N]:  acquired lock (...)}: thread N runs from here. */
        private void sched(int s, int e) {
            int i = find(SCHED, s, e);
            if (i < 0) {
                return;
            }
            int p = i + SCHED.length;
            long tid = 0;
            int digits = 0;
            while (p < e && buf[p] >= '0' && buf[p] <= '9' && digits < 9) {
                tid = tid * 10 + (buf[p] - '0');
                digits++;
                p++;
            }
            if (digits == 0 || p >= e || buf[p] != ']') {
                return;
            }
            if (find(ACQUIRED, p, e) >= 0) {
                l.thread((int) tid);
            }
        }

        private int find(byte[] needle, int s, int e) {
            outer:
            for (int i = s; i + needle.length <= e; i++) {
                for (int j = 0; j < needle.length; j++) {
                    if (buf[i + j] != needle[j]) {
                        continue outer;
                    }
                }
                return i;
            }
            return -1;
        }

        private TraceException malformed(int s, int e) {
            StringBuilder text = new StringBuilder();
            for (int i = s; i < Math.min(e, s + 60); i++) {
                int ch = buf[i] & 0xFF;
                text.append(ch >= 32 && ch < 127 ? (char) ch : '?');
            }
            if (e - s > 60) {
                text.append("...");
            }
            return new TraceException(source + ": line " + line + ": not a Lackey trace line: '" + text
                    + "' (expected lines like 'I  04001a20,3' or ' L 04222cac,8' from valgrind --tool=lackey"
                    + " --trace-mem=yes)");
        }
    }
}
