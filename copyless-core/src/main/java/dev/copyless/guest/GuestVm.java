package dev.copyless.guest;

import dev.copyless.host.VnodeLayout;
import java.util.Arrays;
import java.util.ArrayList;
import java.util.List;

/**
 * A guest's memory as its kernel sees it: vNodes owning contiguous gfn ranges, the page
 * allocator's free lists (one per vNode, {@link FreeGfns}), the page table of guest virtual
 * pages, and each gfn's page word ({@link GuestPage}: allocated or free, and
 * {@code last_cpupid}, the NUMA balancer's two-access filter state, which Linux keeps in
 * {@code page->flags}). Primitive arrays only: 2 bytes per gfn, plus 4 per gfn freed after use
 * while it stays free, plus 4 per guest virtual page (the PTE).
 */
public final class GuestVm {
    public static final int NO_GFN = -1;
    public static final int NO_CPUPID = -1;

    private final int id;
    private final String name;
    private final VnodeLayout layout;
    private final int[] vnodeStart;
    private final int[] vnodeCount;
    private final FreeGfns[] free;
    /** Per gfn: {@link GuestPage} word. */
    private final short[] page;
    private final int[] pte;
    private final List<Task> tasks = new ArrayList<>();
    private final List<Vcpu> vcpus = new ArrayList<>();

    public GuestVm(int id, String name, int[] vnodeCount, int[] vnodeHostNode, int virtualPages) {
        this.id = id;
        this.name = name;
        this.vnodeCount = vnodeCount.clone();
        this.vnodeStart = new int[vnodeCount.length];
        long total = 0;
        for (int v = 0; v < vnodeCount.length; v++) {
            vnodeStart[v] = (int) total;
            total += vnodeCount[v];
        }
        if (total > GuestPte.MAX_GFN) {
            throw new IllegalArgumentException("guest memory too large: " + total + " pages, at most " + GuestPte.MAX_GFN);
        }
        if (vnodeCount.length > GuestPage.MAX_VNODES) {
            throw new IllegalArgumentException(vnodeCount.length + " vNodes, at most " + GuestPage.MAX_VNODES);
        }
        int gfns = (int) total;
        layout = new VnodeLayout(gfns, vnodeStart, vnodeHostNode);
        free = new FreeGfns[vnodeCount.length];
        for (int v = 0; v < vnodeCount.length; v++) {
            free[v] = new FreeGfns(vnodeStart[v], vnodeCount[v]);
        }
        page = new short[gfns];
        pte = new int[virtualPages];
        Arrays.fill(pte, GuestPte.NOT_PRESENT);
    }

    public int id() {
        return id;
    }

    public String name() {
        return name;
    }

    public int gfns() {
        return page.length;
    }

    public int vnodes() {
        return vnodeCount.length;
    }

    public int vnodeStart(int v) {
        return vnodeStart[v];
    }

    public int vnodeCount(int v) {
        return vnodeCount[v];
    }

    public int[] vnodeStarts() {
        return vnodeStart.clone();
    }

    public int[] vnodeHostNodes() {
        return layout.nodes();
    }

    public int hostNodeOf(int vnode) {
        return layout.node(vnode);
    }

    public int vnodeOf(int gfn) {
        return layout.vnodeOf(gfn);
    }

    /** The guest RAM's vNode layout, the one the hypervisor and the host were given. */
    public VnodeLayout layout() {
        return layout;
    }

    public int freeGfns(int vnode) {
        return free[vnode].count();
    }

    /** Bytes the freed-gfn stacks of all vNodes hold now ({@link FreeGfns}), for the footprint figures. */
    public long freeListBytes() {
        long b = 0;
        for (FreeGfns f : free) {
            b += f.heapBytes();
        }
        return b;
    }

    /** The page table, for the vCPU fast path. */
    public int[] pageTable() {
        return pte;
    }

    /** The cpupid of the last hinting fault on an allocated gfn ({@code page_cpupid_last}), or {@link #NO_CPUPID}. */
    public int lastCpupid(int gfn) {
        return GuestPage.lastCpupid(page[gfn]);
    }

    /** Records a hinting fault's cpupid on a gfn and returns the previous one ({@code page_cpupid_xchg_last}). */
    public int xchgLastCpupid(int gfn, int cpupid) {
        int old = GuestPage.lastCpupid(page[gfn]);
        page[gfn] = GuestPage.withCpupid(page[gfn], cpupid);
        return old;
    }

    /** Allocates a gfn on exactly {@code vnode} ({@code __GFP_THISNODE}); {@link #NO_GFN} when it has none free. */
    public int allocGfn(int vnode) {
        int gfn = free[vnode].allocate();
        if (gfn != NO_GFN) {
            page[gfn] = GuestPage.RESET;
        }
        return gfn;
    }

    /** Allocates preferring {@code vnode}, falling back to the vNode with the most free gfns. */
    public int allocGfnPreferring(int vnode) {
        int g = allocGfn(vnode);
        if (g != NO_GFN) {
            return g;
        }
        int best = -1;
        for (int v = 0; v < free.length; v++) {
            int c = free[v].count();
            if (c > 0 && (best < 0 || c > free[best].count())) {
                best = v;
            }
        }
        return best < 0 ? NO_GFN : allocGfn(best);
    }

    /** Returns a gfn to its vNode's free list. The host is not told (no free page reporting). */
    public void freeGfn(int gfn) {
        if (!GuestPage.allocated(page[gfn])) {
            throw new IllegalStateException("gfn " + gfn + " is free already");
        }
        page[gfn] = GuestPage.FREE;
        free[vnodeOf(gfn)].free(gfn);
    }

    /** Maps a guest virtual page to a gfn it allocated (a first-touch fault). */
    public void map(int gvpn, int gfn) {
        pte[gvpn] = gfn;
    }

    /**
     * {@code remove_migration_pte}: points the PTE that mapped {@code oldGfn} at {@code newGfn},
     * which takes over its {@code last_cpupid} ({@code folio_xchg_last_cpupid} in
     * {@code folio_migrate_flags}), and frees {@code oldGfn}.
     */
    public void remap(int gvpn, int oldGfn, int newGfn) {
        pte[gvpn] = newGfn;
        page[newGfn] = page[oldGfn];
        freeGfn(oldGfn);
    }

    public List<Task> tasks() {
        return tasks;
    }

    public List<Vcpu> vcpus() {
        return vcpus;
    }

    /** Whether gfn is on the free list of its vNode. */
    public boolean isFree(int gfn) {
        return !GuestPage.allocated(page[gfn]);
    }
}
