package dev.copyless.input;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Locale;

/**
 * Every input file a user names (a scenario, a sweep grid, a trace, a sweep's own results) is
 * read through here, with a bound: the path must be a regular file (a FIFO, a device such as
 * {@code /dev/zero}, a socket or a directory is refused before it is opened, so nothing blocks
 * or streams without end); a text file's size is capped before a byte of it is parsed, and at
 * most the cap is ever read (a file that grows meanwhile is refused too); the text must be
 * UTF-8. YAML is then parsed with duplicate keys refused (Jackson's
 * {@link StreamReadFeature#STRICT_DUPLICATE_DETECTION}), aliases refused (Jackson reads
 * {@code *name} as the string {@code "name"}, silently), and its errors reduced to one line.
 * Every refusal is a one-line {@link UserError} that names the file and says what to do.
 */
public final class BoundedInput {
    private BoundedInput() {}

    private static final java.util.regex.Pattern DUPLICATE = java.util.regex.Pattern.compile("Duplicate field '(.*)'");

    /** The largest scenario or sweep grid file: 1 MiB (the default scenario is about 5 KiB). */
    public static final long YAML_LIMIT = 1L << 20;

    private static final ObjectMapper YAML = new ObjectMapper(YAMLFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64)
                    .maxDocumentLength(YAML_LIMIT * 4).maxStringLength((int) YAML_LIMIT * 4).build())
            .build());

    /**
     * Checks that {@code file} is a regular file this process can read, without opening it.
     *
     * @param what what the file should be, for messages ("scenario file")
     * @param hint what to do instead, appended to a refusal (may be empty)
     * @return its size in bytes
     * @throws UserError naming the file: missing, a directory, not a regular file (and
     *                           which kind), or unreadable, with the reason
     */
    public static long requireRegularFile(Path file, String what, String hint) {
        String tail = hint.isEmpty() ? "" : "; " + hint;
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            throw new UserError(file + ": no such file" + tail);
        } catch (IOException e) {
            throw new UserError(file + ": cannot read the " + what + ": " + reason(e) + tail);
        }
        if (a.isDirectory()) {
            throw new UserError(file + ": is a directory, not a " + what + tail);
        }
        if (!a.isRegularFile()) {
            throw new UserError(file + ": not a regular file (" + kind(file) + "); a " + what
                    + " must be a regular file" + tail);
        }
        if (!Files.isReadable(file)) {
            throw new UserError(file + ": cannot read the " + what + ": permission denied" + tail);
        }
        return a.size();
    }

    /**
     * The text of a UTF-8 file of at most {@code maxBytes} bytes; reads at most that many.
     *
     * @throws UserError as {@link #requireRegularFile}, or when the file is larger than
     *                           {@code maxBytes} or not UTF-8
     */
    public static String readText(Path file, long maxBytes, String what, String hint) {
        long size = requireRegularFile(file, what, hint);
        if (size > maxBytes) {
            throw tooLarge(file, size, maxBytes, what);
        }
        byte[] bytes;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer buf = ByteBuffer.allocate((int) Math.min(maxBytes + 1, Math.max(size + 1, 4096)));
            while (buf.hasRemaining() && ch.read(buf) >= 0) {
                if (!buf.hasRemaining() && buf.capacity() <= maxBytes) { // the file grew: read on, up to the cap
                    ByteBuffer bigger = ByteBuffer.allocate((int) Math.min(maxBytes + 1, 2L * buf.capacity()));
                    buf.flip();
                    bigger.put(buf);
                    buf = bigger;
                }
            }
            if (buf.position() > maxBytes) {
                throw tooLarge(file, buf.position(), maxBytes, what);
            }
            bytes = new byte[buf.position()];
            buf.flip();
            buf.get(bytes);
        } catch (IOException e) {
            throw new UserError(file + ": cannot read the " + what + ": " + reason(e));
        }
        CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        try {
            CharBuffer out = utf8.decode(in);
            return out.toString();
        } catch (CharacterCodingException e) {
            throw new UserError(file + ": not UTF-8 text (byte " + in.position() + "); a " + what
                    + " is UTF-8 text");
        }
    }

    /**
     * Parses YAML text of at most {@link #YAML_LIMIT} characters (callers read files with
     * {@link #readText}) into a tree, refusing a key given twice in one mapping and any alias.
     * SnakeYAML's time is linear in the text's length, a single comment line of the whole cap
     * included, so the cap bounds the time too.
     *
     * @param source the file, for messages
     * @return the root node (null for an empty document)
     */
    public static JsonNode yaml(String text, String source) {
        if (text.length() > YAML_LIMIT) { // text handed in directly is held to the same cap as a file
            throw new UserError(source + ": " + bytes(text.length()) + " of YAML; a scenario or grid may have at most "
                    + bytes(YAML_LIMIT));
        }
        try (JsonParser p = YAML.createParser(text)) {
            if (p instanceof YAMLParser y) {
                JsonNode root = YAML.readTree(new AliasRefusing(y, source));
                return root;
            }
            return YAML.readTree(p);
        } catch (JsonProcessingException e) {
            for (Throwable c = e; c != null; c = c.getCause()) {
                if (c instanceof org.yaml.snakeyaml.error.MarkedYAMLException m && m.getProblemMark() != null) {
                    // SnakeYAML knows where the problem is; Jackson's location is where it was reading
                    throw new UserError(source + ": not valid YAML at line " + (m.getProblemMark().getLine() + 1)
                            + ", column " + (m.getProblemMark().getColumn() + 1) + " (" + oneLine(m.getProblem()) + ")");
                }
            }
            String why = oneLine(e.getOriginalMessage());
            java.util.regex.Matcher dup = DUPLICATE.matcher(why);
            if (dup.matches()) { // Jackson's words for StreamReadFeature.STRICT_DUPLICATE_DETECTION
                why = "key '" + dup.group(1) + "' given twice in one mapping; give each key once";
            }
            throw new UserError(source + ": not valid YAML" + where(e.getLocation()) + " (" + why + ")");
        } catch (IOException e) {
            throw new UserError(source + ": cannot read YAML: " + reason(e));
        }
    }

    /** A YAML parser that refuses aliases ({@code *name}), which Jackson would read as the plain string "name". */
    private static final class AliasRefusing extends com.fasterxml.jackson.core.util.JsonParserDelegate {
        private final YAMLParser yaml;
        private final String source;

        AliasRefusing(YAMLParser yaml, String source) {
            super(yaml);
            this.yaml = yaml;
            this.source = source;
        }

        @Override
        public JsonToken nextToken() throws IOException {
            JsonToken t = super.nextToken();
            if (yaml.isCurrentAlias()) {
                throw new UserError(source + ": YAML alias '*" + yaml.getText() + "'" + where(yaml.currentTokenLocation())
                        + " is not supported; write the value out in full");
            }
            return t;
        }
    }

    private static String where(JsonLocation loc) {
        return loc == null || loc.getLineNr() < 1 ? "" : " at line " + loc.getLineNr() + ", column " + loc.getColumnNr();
    }

    /**
     * A parser's message in one line: SnakeYAML's messages span several lines (the problem, the
     * context, an echo of the line and a caret); keeps the sentences, drops the echo and caret.
     */
    static String oneLine(String message) {
        if (message == null) {
            return "unknown error";
        }
        StringBuilder b = new StringBuilder();
        for (String line : message.split("\\R")) {
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("in 'reader'") || l.startsWith("in 'string'") || l.equals("^")
                    || line.startsWith("    ") || l.startsWith("at [Source")) {
                continue;
            }
            l = l.replace("'\\t(TAB)'", "TAB").replace("\\t(TAB)", "tabs").replace("\t", "\\t");
            if (!b.isEmpty()) {
                b.append(": ");
            }
            b.append(l.endsWith(":") ? l.substring(0, l.length() - 1) : l);
        }
        return b.isEmpty() ? message.replaceAll("\\s+", " ").strip() : b.toString();
    }

    private static UserError tooLarge(Path file, long size, long maxBytes, String what) {
        return new UserError(file + ": " + bytes(size) + "; a " + what + " may have at most " + bytes(maxBytes));
    }

    /** "1.0 MiB" style rendering of a byte count. */
    public static String bytes(long n) {
        if (n < 1024) {
            return n + " bytes";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
        double v = n;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, v >= 100 ? "%.0f %s" : "%.1f %s", v, units[u]);
    }

    /** Why an I/O operation failed, in a few words (the JDK often says only the path). */
    public static String reason(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "no such file or directory";
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof FileSystemException f && f.getReason() != null) {
            return f.getReason();
        }
        if (e instanceof FileSystemException) {
            return e.getClass().getSimpleName().replaceAll("Exception$", "").replaceAll("([a-z])([A-Z])", "$1 $2")
                    .toLowerCase(Locale.ROOT);
        }
        String m = e.getMessage();
        return m == null ? e.getClass().getSimpleName() : oneLine(m);
    }

    /** The kind of a file that is not regular, from its {@code st_mode} (Linux), for messages. */
    private static String kind(Path file) {
        try {
            int mode = (Integer) Files.getAttribute(file, "unix:mode");
            return switch (mode & 0170000) {
                case 0010000 -> "a FIFO";
                case 0020000 -> "a character device";
                case 0060000 -> "a block device";
                case 0140000 -> "a socket";
                default -> "a special file";
            };
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException | ClassCastException e) {
            return "a special file";
        }
    }
}
