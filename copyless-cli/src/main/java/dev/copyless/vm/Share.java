package dev.copyless.vm;

import java.nio.file.Path;

/**
 * A host directory shared into the guest over 9p ({@code -virtfs local}), mounted in the guest
 * at {@code guestPath}. Read-only shares (the JDK, the build) are mounted with
 * {@code cache=loose}: the guest keeps what it read in its page cache, which takes
 * {@code java -version} from 10-13 s to about 2 s under TCG (docs/VM.md). The run folder, where
 * the guest writes its exit code, is writable and uncached, so every write reaches the host.
 *
 * @param tag       the 9p mount tag (letters, digits, {@code _-}; at most 31 characters)
 */
public record Share(String tag, Path hostPath, String guestPath, boolean readOnly) {
    public Share {
        if (!tag.matches("[A-Za-z0-9_-]{1,31}")) {
            throw new IllegalArgumentException("bad 9p mount tag '" + tag + "'");
        }
        if (!guestPath.startsWith("/")) {
            throw new IllegalArgumentException("guest path must be absolute: " + guestPath);
        }
    }

    /** The 9p mount options in the guest. */
    public String mountOptions() {
        return "trans=virtio,version=9p2000.L,msize=512000" + (readOnly ? ",ro,cache=loose" : "");
    }
}
