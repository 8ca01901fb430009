package dev.copyless.sim;

import dev.copyless.guest.GuestPte;
import dev.copyless.guest.GuestVm;
import dev.copyless.host.HostMemory;
import dev.copyless.hypervisor.Hypervisor;
import dev.copyless.hypervisor.MovedPageList;
import dev.copyless.kernel.HostNode;
import dev.copyless.kernel.SimulatedHost;
import dev.copyless.mm.FrameOwner;
import dev.copyless.mm.PageState;
import dev.copyless.swap.SwapDevice;
import java.util.BitSet;
import java.util.List;

/**
 * The conservation laws of the simulated system, checked in O(pages) after every event when
 * {@link Simulation#CHECKS} is on:
 *
 * <ol>
 *   <li>every gfn is in exactly one location (a poisoned gfn, whose data is lost, in none),
 *       and that location's reverse map names it; a gfn in the swap cache owns one frame and one
 *       slot, paired both ways in the swap cache's side tables;</li>
 *   <li>frames are conserved per node (owned + free = frames) and no frame or slot is owned twice;</li>
 *   <li>the moved-page list equals the set of gfns whose data is off their pinned node;</li>
 *   <li>the guest page table and reverse map agree, and a PTE never maps a free gfn.</li>
 * </ol>
 */
public final class Invariants {
    private Invariants() {}

    /**
     * Every invariant the host can be checked for: all of them on the simulated host (whose
     * frames and slots are known), the list and guest ones ({@link #checkList}) on another backend.
     */
    public static void check(HostMemory host, Hypervisor hv, List<GuestVm> vms) {
        if (host instanceof SimulatedHost sh) {
            check(sh, hv, vms);
        } else {
            checkList(host, hv, vms);
        }
    }

    public static void check(SimulatedHost host, Hypervisor hv, List<GuestVm> vms) {
        int guestFrames = 0;
        for (int n = 0; n < host.nodeCount(); n++) {
            HostNode node = host.node(n);
            int free = 0;
            for (int pfn = 0; pfn < node.frames(); pfn++) {
                long own = node.owner(pfn);
                if (own == FrameOwner.FREE) {
                    free++;
                } else if (FrameOwner.isGuestPage(own)) {
                    guestFrames++;
                    long w = host.locate(FrameOwner.vm(own), FrameOwner.gfn(own));
                    boolean mapped = PageState.isResident(w) && PageState.nodeOrDevice(w) == n && PageState.id(w) == pfn;
                    boolean cached = PageState.isSwapped(w) && PageState.inSwapCache(w)
                            && host.swapCacheFrame(PageState.nodeOrDevice(w), PageState.id(w)) == pair(n, pfn);
                    if (!mapped && !cached) {
                        fail("frame " + n + ":" + pfn + " owned by vm " + FrameOwner.vm(own) + " gfn "
                                + FrameOwner.gfn(own) + " whose location is " + PageState.describe(w));
                    }
                    long slot = host.swapCacheSlot(n, pfn);
                    if (PageState.inSwapCache(w) != (slot >= 0)
                            || slot >= 0 && host.swapCacheFrame((int) (slot >>> 32), (int) slot) != pair(n, pfn)) {
                        fail("frame " + n + ":" + pfn + " of " + PageState.describe(w) + " has swap-cache slot " + slot);
                    }
                } else if (host.swapCacheSlot(n, pfn) >= 0) {
                    fail("frame " + n + ":" + pfn + " is not a guest's but caches a swap slot");
                }
            }
            if (free != node.freeFrames()) {
                fail("node " + n + ": " + free + " free frames in the reverse map, " + node.freeFrames() + " on the free stack");
            }
        }
        int guestSlots = 0;
        for (int d = 0; d < host.swapDeviceCount(); d++) {
            SwapDevice dev = host.swapDevice(d);
            int free = 0;
            for (int s = 0; s < dev.slots(); s++) {
                long own = dev.owner(s);
                if (own == FrameOwner.FREE) {
                    free++;
                } else {
                    guestSlots++;
                    long w = host.locate(FrameOwner.vm(own), FrameOwner.gfn(own));
                    boolean entry = PageState.isSwapped(w) && PageState.nodeOrDevice(w) == d && PageState.id(w) == s;
                    long f = host.swapCacheFrame(d, s);
                    boolean kept = PageState.isResident(w) && PageState.inSwapCache(w)
                            && f == pair(PageState.nodeOrDevice(w), PageState.id(w));
                    if (entry && PageState.inSwapCache(w) != (f >= 0)) {
                        fail("slot " + d + ":" + s + " of " + PageState.describe(w) + " has swap-cache frame " + f);
                    }
                    if (!entry && !kept) {
                        fail("slot " + d + ":" + s + " owned by gfn " + FrameOwner.gfn(own) + " whose location is "
                                + PageState.describe(w));
                    }
                }
            }
            if (free != dev.freeSlots()) {
                fail("swap " + d + ": free slot count mismatch");
            }
        }
        int[] kinds = checkList(host, hv, vms);
        int cachedFrames = 0;
        int keptSlots = 0;
        for (GuestVm vm : vms) {
            for (int gfn = 0; gfn < vm.gfns(); gfn++) {
                long w = host.locate(vm.id(), gfn);
                if (PageState.inSwapCache(w)) {
                    if (PageState.isSwapped(w)) {
                        cachedFrames++;
                    } else if (PageState.isResident(w)) {
                        keptSlots++;
                    } else {
                        fail("gfn " + gfn + " is " + PageState.describe(w) + " and in the swap cache");
                    }
                }
            }
        }
        int resident = kinds[PageState.RESIDENT];
        int swapped = kinds[PageState.SWAPPED];
        if (resident + cachedFrames != guestFrames) {
            fail(resident + " gfns resident and " + cachedFrames + " swapped with a swap-cache frame, but "
                    + guestFrames + " frames owned by guests");
        }
        if (swapped + keptSlots != guestSlots) {
            fail(swapped + " gfns swapped and " + keptSlots + " resident with a swap slot kept, but " + guestSlots
                    + " slots owned");
        }
    }

    private static long pair(int hi, int lo) {
        return (long) hi << 32 | lo;
    }

    /**
     * The invariants every backend keeps (3 and 4): the moved-page list equals the set of
     * gfns the host reports moved, with matching kind and location, and the guest page table
     * maps only allocated gfns, each from one guest virtual page. Returns the number of gfns of each {@link PageState} kind.
     */
    public static int[] checkList(HostMemory host, Hypervisor hv, List<GuestVm> vms) {
        int[] kinds = new int[3];
        for (GuestVm vm : vms) {
            MovedPageList list = hv.movedPageList(vm.id());
            int listed = 0;
            for (int gfn = 0; gfn < vm.gfns(); gfn++) {
                long w = host.locate(vm.id(), gfn);
                switch (PageState.kind(w)) {
                    case PageState.RESIDENT, PageState.SWAPPED, PageState.UNBACKED -> kinds[PageState.kind(w)]++;
                    case PageState.POISONED -> {
                        if (PageState.nodeOrDevice(w) != host.pinnedNode(vm.id(), gfn)) {
                            fail("poisoned gfn " + gfn + " names node " + PageState.nodeOrDevice(w) + ", not its pinned node");
                        }
                    }
                    default -> fail("gfn " + gfn + " has an invalid kind");
                }
                boolean moved = host.isMoved(vm.id(), gfn);
                if (moved != list.isMoved(gfn)) {
                    fail("moved-page list says " + list.isMoved(gfn) + " for gfn " + gfn + " at " + PageState.describe(w)
                            + " pinned to node " + host.pinnedNode(vm.id(), gfn));
                }
                if (moved) {
                    listed++;
                    long e = list.entry(gfn);
                    if (MovedPageList.kind(e) != PageState.kind(w) || MovedPageList.locationId(e) != PageState.nodeOrDevice(w)) {
                        fail("moved-page list entry of gfn " + gfn + " does not match " + PageState.describe(w));
                    }
                }
            }
            if (listed != list.size()) {
                fail("moved-page list size " + list.size() + " but " + listed + " gfns are moved");
            }
            int[] pt = vm.pageTable();
            BitSet mapped = new BitSet(vm.gfns());
            for (int g = 0; g < pt.length; g++) {
                if (pt[g] != GuestPte.NOT_PRESENT) {
                    int gfn = GuestPte.gfn(pt[g]);
                    if (vm.isFree(gfn)) {
                        fail("gvpn " + g + " maps gfn " + gfn + ", which is on the guest's free list");
                    }
                    if (mapped.get(gfn)) {
                        fail("gvpn " + g + " maps gfn " + gfn + ", which another gvpn maps");
                    }
                    mapped.set(gfn);
                }
            }
        }
        return kinds;
    }

    private static void fail(String what) {
        throw new IllegalStateException("invariant violated: " + what);
    }
}
