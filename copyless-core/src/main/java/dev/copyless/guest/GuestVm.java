package dev.copyless.guest;

import dev.copyless.host.VnodeLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A guest's memory as its kernel sees it: vNodes owning contiguous gfn ranges, the page
 * allocator's free lists (one per vNode), the page table of guest virtual pages, the
 * reverse map gfn -> guest virtual page, and each gfn's {@code last_cpupid} (the NUMA
 * balancer's two-access filter state, kept in {@code struct page} by Linux). Primitive
 * arrays only: 12 bytes per gfn (rmap, {@code last_cpupid}, free stack) plus 4 per guest
 * virtual page.
 */
public final class GuestVm {
    public static final int NO_GFN = -1;
    public static final int NO_CPUPID = -1;
    /** rmap value of a gfn allocated for a migration that has not been mapped yet. */
    public static final int ALLOCATED = -2;

    private final int id;
    private final String name;
    private final VnodeLayout layout;
    private final int[] vnodeStart;
    private final int[] vnodeCount;
    /** Free gfns of vNode v live in {@code freeStack[vnodeStart[v] .. vnodeStart[v] + freeCount[v])}. */
    private final int[] freeStack;
    private final int[] freeCount;
    private final int[] rmap;
    private final int[] lastCpupid;
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
        int gfns = (int) total;
        layout = new VnodeLayout(gfns, vnodeStart, vnodeHostNode);
        freeStack = new int[gfns];
        freeCount = new int[vnodeCount.length];
        for (int v = 0; v < vnodeCount.length; v++) {
            int s = vnodeStart[v];
            int c = vnodeCount[v];
            for (int i = 0; i < c; i++) {
                freeStack[s + i] = s + c - 1 - i; // lowest gfn on top
            }
            freeCount[v] = c;
        }
        rmap = new int[gfns];
        Arrays.fill(rmap, NO_GFN);
        lastCpupid = new int[gfns];
        Arrays.fill(lastCpupid, NO_CPUPID);
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
        return rmap.length;
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
        return freeCount[vnode];
    }

    /** The page table, for the vCPU fast path. */
    public int[] pageTable() {
        return pte;
    }

    public int rmap(int gfn) {
        return rmap[gfn];
    }

    public int lastCpupid(int gfn) {
        return lastCpupid[gfn];
    }

    /** Records a hinting fault's cpupid on a gfn and returns the previous one ({@code page_cpupid_xchg_last}). */
    public int xchgLastCpupid(int gfn, int cpupid) {
        int old = lastCpupid[gfn];
        lastCpupid[gfn] = cpupid;
        return old;
    }

    /** Allocates a gfn on exactly {@code vnode} ({@code __GFP_THISNODE}); {@link #NO_GFN} when it has none free. */
    public int allocGfn(int vnode) {
        int c = freeCount[vnode];
        if (c == 0) {
            return NO_GFN;
        }
        freeCount[vnode] = c - 1;
        int gfn = freeStack[vnodeStart[vnode] + c - 1];
        rmap[gfn] = ALLOCATED;
        return gfn;
    }

    /** Allocates preferring {@code vnode}, falling back to the vNode with the most free gfns. */
    public int allocGfnPreferring(int vnode) {
        int g = allocGfn(vnode);
        if (g != NO_GFN) {
            return g;
        }
        int best = -1;
        for (int v = 0; v < freeCount.length; v++) {
            if (freeCount[v] > 0 && (best < 0 || freeCount[v] > freeCount[best])) {
                best = v;
            }
        }
        return best < 0 ? NO_GFN : allocGfn(best);
    }

    /** Returns a gfn to its vNode's free list. The host is not told (no free page reporting). */
    public void freeGfn(int gfn) {
        int v = vnodeOf(gfn);
        rmap[gfn] = NO_GFN;
        lastCpupid[gfn] = NO_CPUPID;
        freeStack[vnodeStart[v] + freeCount[v]++] = gfn;
    }

    /** Maps a guest virtual page to a fresh gfn (a first-touch fault). */
    public void map(int gvpn, int gfn) {
        pte[gvpn] = gfn;
        rmap[gfn] = gvpn;
    }

    /** {@code remove_migration_pte}: points the PTE that mapped {@code oldGfn} at {@code newGfn} and frees {@code oldGfn}. */
    public void remap(int gvpn, int oldGfn, int newGfn) {
        pte[gvpn] = newGfn;
        rmap[newGfn] = gvpn;
        lastCpupid[newGfn] = lastCpupid[oldGfn];
        freeGfn(oldGfn);
    }

    public List<Task> tasks() {
        return tasks;
    }

    public List<Vcpu> vcpus() {
        return vcpus;
    }

    /** Whether gfn is on the free list of its vNode (for the invariant checker). */
    public boolean isFree(int gfn) {
        return rmap[gfn] == NO_GFN;
    }
}
