package dev.copyless.trace;

import java.nio.file.Path;
import java.util.List;

/**
 * The summary of a validated trace file: what {@code copyless trace info} prints, what a
 * scenario needs to size a trace task, and where {@link TraceWorkload} finds the blocks.
 * Only {@link TraceReader} builds one, after checking the whole file.
 *
 * @param file         the trace file
 * @param fileBytes    its length
 * @param version      format version
 * @param accesses     page accesses (records); an access that straddles a page boundary counts once per page
 * @param loads        data loads (Lackey {@code L})
 * @param stores       data stores (Lackey {@code S})
 * @param modifies     data modifies, a load and a store of the same bytes (Lackey {@code M})
 * @param instructions instructions of the traced program
 * @param pages        distinct 4 KiB pages touched: the trace's footprint
 * @param blocks       record blocks
 * @param minVpn       lowest virtual page number touched
 * @param maxVpn       highest virtual page number touched
 * @param threads      per-thread counts, by compact thread index
 * @param bodyStart    offset of the first block
 * @param bodyEnd      offset just past the last block (the page table)
 */
public record TraceInfo(Path file, long fileBytes, int version, long accesses, long loads, long stores, long modifies,
                        long instructions, int pages, long blocks, long minVpn, long maxVpn, List<Thread> threads,
                        long bodyStart, long bodyEnd) {

    /** The share of the trace's accesses that write: stores and modifies ({@code S}, {@code M}) over all accesses. */
    public double storeFraction() {
        return accesses == 0 ? 0 : Math.min(1.0, (double) (stores + modifies) / accesses);
    }

    /**
     * One thread of the trace.
     *
     * @param index        compact thread index (0, 1, ... in order of first data access)
     * @param sourceTid    the traced program's thread id (Valgrind's tid, 1 = the main thread)
     * @param accesses     its page accesses
     * @param instructions instructions before its accesses (the time base of its replay)
     * @param pages        distinct pages it touched
     */
    public record Thread(int index, long sourceTid, long accesses, long instructions, long pages) {}

    /** The footprint in bytes. */
    public long footprintBytes() {
        return (long) pages * TraceFormat.PAGE_SIZE;
    }

    /** The same summary for the file at another path (after an atomic rename). */
    TraceInfo withFile(Path f) {
        return new TraceInfo(f, fileBytes, version, accesses, loads, stores, modifies, instructions, pages, blocks,
                minVpn, maxVpn, threads, bodyStart, bodyEnd);
    }
}
