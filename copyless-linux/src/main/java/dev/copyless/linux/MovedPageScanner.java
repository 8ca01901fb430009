package dev.copyless.linux;

import java.util.ArrayList;
import java.util.List;

/**
 * Builds the exported data object of claim 1 from the real page tables: a scan of guest
 * RAM's {@code /proc/self/pagemap} entries lists every gfn whose page the kernel has moved
 * to swap (claim 13's references: gfn numbers), each with its new location (swap type and
 * swap offset). {@link #rescan} re-reads only a gfn range and reports what changed, which
 * keeps the list up to date after first migrations and returns (claim 10) without a full
 * scan. The guest inspects it with {@link #isMoved} (claim 9).
 *
 * <p>One entry per gfn: {@code 0} when not listed, else
 * {@code 1 | swapType << 1 | swapOffset << 6}. Not thread-safe; the lead's hypervisor layer
 * adds the seqcount publication of {@code dev.copyless.hypervisor.MovedPageList}.
 */
public final class MovedPageScanner implements AutoCloseable {
    /** One listed page: its gfn and the swap slot holding its data. */
    public record MovedPage(int gfn, int swapType, long swapOffset) {}

    /** What a rescan changed: gfns newly listed, gfns no longer listed, gfns whose slot changed. */
    public record Delta(int added, int removed, int changed) {}

    private static final int CHUNK = 4096;

    private final GuestRam ram;
    private final Pagemap pagemap = new Pagemap();
    private final long[] entries;
    private final long[] buf = new long[CHUNK];
    private int size;
    private long generation;

    public MovedPageScanner(GuestRam ram) {
        this.ram = ram;
        this.entries = new long[ram.gfns()];
    }

    /** A full scan of guest RAM. */
    public Delta scan() {
        return rescan(0, ram.gfns());
    }

    /** Re-reads the pagemap of gfns {@code [gfn, gfn + count)} and updates the list. */
    public Delta rescan(int gfn, int count) {
        int added = 0;
        int removed = 0;
        int changed = 0;
        for (int done = 0; done < count; done += CHUNK) {
            int n = Math.min(CHUNK, count - done);
            int g0 = gfn + done;
            pagemap.read(ram.address(g0), n, buf);
            for (int i = 0; i < n; i++) {
                long pm = buf[i];
                long e = Pagemap.swapped(pm) ? 1L | ((long) Pagemap.swapType(pm) << 1) | (Pagemap.swapOffset(pm) << 6) : 0;
                long old = entries[g0 + i];
                if (old != e) {
                    if (old == 0) {
                        added++;
                    } else if (e == 0) {
                        removed++;
                    } else {
                        changed++;
                    }
                    entries[g0 + i] = e;
                }
            }
        }
        size += added - removed;
        generation++;
        return new Delta(added, removed, changed);
    }

    /** Claim 9's inspection of one reference: is the gfn's page moved (in swap) as of the last scan? */
    public boolean isMoved(int gfn) {
        return entries[gfn] != 0;
    }

    public int swapType(int gfn) {
        return (int) ((entries[gfn] >>> 1) & 0x1F);
    }

    public long swapOffset(int gfn) {
        return entries[gfn] >>> 6;
    }

    /** Number of listed gfns. */
    public int size() {
        return size;
    }

    /** Number of scans and rescans done. */
    public long generation() {
        return generation;
    }

    /** The listed pages in gfn order. */
    public List<MovedPage> movedPages() {
        List<MovedPage> out = new ArrayList<>(size);
        for (int g = 0; g < entries.length; g++) {
            if (entries[g] != 0) {
                out.add(new MovedPage(g, swapType(g), swapOffset(g)));
            }
        }
        return out;
    }

    /** The listed gfns in ascending order. */
    public int[] references() {
        return movedPages().stream().mapToInt(MovedPage::gfn).toArray();
    }

    @Override
    public void close() {
        pagemap.close();
    }
}
