package dev.copyless.kernel;

/**
 * Where the bytes of guest pages live, behind the {@link SimulatedHost}: one implementation
 * per mode. {@link ModelPageStore} (the default) holds no data, so the simulated host stays a
 * pure model and costs nothing per access; {@link OffHeapPageStore} (real-bytes mode, scenario
 * key {@code host.real-bytes}) backs every node's frames with off-heap memory and every swap
 * device with a real file, so each data movement of the host moves 4 KiB for real and can be
 * verified afterwards.
 *
 * <p>Every swap write records a CRC32C of the whole page as it was in memory; a read checks it
 * (the integrity check that finds a torn write). Single-threaded, like the host.
 */
public interface PageStore extends AutoCloseable {

    /** Whether pages hold real bytes (then {@link #frameToken} and {@link #slotToken} can verify content). */
    boolean real();

    /** Writes the content of {@code token} into a frame: a page's first population (the guest's first write). */
    void stamp(int node, int pfn, long token);

    /** Copies one frame into another ({@code copy_highpage}: a migration, demotion, promotion or guest copy). */
    void copyFrame(int fromNode, int fromPfn, int toNode, int toPfn);

    /**
     * {@code swap_writepage}: writes the first {@code bytes} bytes of a frame into a slot
     * ({@code bytes < 4096}: a torn write, the rest of the slot keeps what it held) and records
     * the checksum of the whole frame for that slot.
     */
    void writeSlot(int node, int pfn, int device, int slot, int bytes);

    /** Reads a slot back and checks it against the checksum recorded by its last write (no frame involved). */
    boolean slotIntact(int device, int slot);

    /**
     * {@code swap_read_folio}: reads a slot into a frame and checks its checksum.
     *
     * @return false when the checksum does not match (the frame then holds whatever the slot held)
     */
    boolean readSlot(int device, int slot, int node, int pfn);

    /** The token of the page a frame holds, or {@link PageContent#NONE} if it does not hold one whole stamped page. */
    long frameToken(int node, int pfn);

    /** The token of the page a slot holds, or {@link PageContent#NONE}. */
    long slotToken(int device, int slot);

    /** Bytes moved so far by frame copies, swap writes and swap reads (stamps not included). */
    long bytesCopied();

    /** Releases the memory and deletes the swap files; idempotent. */
    @Override
    void close();
}
