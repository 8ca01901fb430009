package dev.copyless.report;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Files that appear together or not at all: each is written in full under a hidden temporary
 * name in its directory ({@code .NAME.XXXX.tmp}) and forced to disk; only when every one is
 * written are they renamed into place (a rename within a directory is atomic and needs no
 * space). If anything fails first, {@link #close()} deletes every temporary file, so a full
 * disk or a read-only directory leaves no partial file behind and no older file is touched.
 * Not thread-safe.
 */
public final class StagedFiles implements AutoCloseable {
    private final Map<Path, Path> staged = new LinkedHashMap<>();
    private boolean committed;

    /** Writes {@code bytes} to a temporary file beside {@code target}. */
    public void put(Path target, byte[] bytes) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Path tmp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp");
        staged.put(target, tmp);
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            while (b.hasRemaining()) {
                ch.write(b);
            }
            ch.force(true);
        }
    }

    /** Renames every staged file into place, in the order they were put. */
    public void commit() throws IOException {
        List<Path> done = new ArrayList<>();
        for (Map.Entry<Path, Path> e : staged.entrySet()) {
            Files.move(e.getValue(), e.getKey(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            done.add(e.getKey());
        }
        committed = true;
        staged.clear();
    }

    /** Deletes what was staged and not committed. */
    @Override
    public void close() {
        if (committed) {
            return;
        }
        for (Path tmp : staged.values()) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException e) {
                // nothing more can be done; the name starts with a dot and ends in .tmp
            }
        }
        staged.clear();
    }
}
