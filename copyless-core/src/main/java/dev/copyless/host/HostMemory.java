package dev.copyless.host;

import dev.copyless.mm.Errno;
import dev.copyless.mm.MigrationOrder;

/**
 * The seam between the hypervisor and the host's memory: what a hypervisor can ask of the
 * host about one VM's guest RAM. Implemented by {@link SimulatedHost} (cost model, virtual
 * time) and by the Linux backend ({@code dev.copyless.linux.LinuxHostMemory}: real mmap'd
 * guest RAM, the kernel's swap); one contract test suite ({@code HostMemoryContract}) runs
 * against both. Guest code
 * never calls this directly: it touches gfns (faults go through the hypervisor) and makes
 * hypercalls.
 *
 * <p>Operations that take time return it in nanoseconds ({@code >= 0}); operations that can
 * be refused return {@code -errno} ({@link dev.copyless.mm.Errno}) and change no state.
 * Location words are {@link dev.copyless.mm.PageState} words.
 */
public interface HostMemory extends AutoCloseable {

    /** Number of host NUMA nodes. */
    int nodeCount();

    /**
     * Registers a VM's guest RAM: {@code gfns} frames, vNode {@code v} owning the gfns from
     * {@code vnodeStart[v]} (ascending, {@code vnodeStart[0] == 0}) bound with
     * {@code MPOL_BIND} to host node {@code vnodeNode[v]}. The notifier hears every change of
     * a gfn's location (the KVM MMU notifier).
     *
     * @return the VM id
     */
    int registerVm(int gfns, int[] vnodeStart, int[] vnodeNode, MmuNotifier notifier);

    /** Enables claim 12's hold-back for a VM: no speculative return of its moved pages to their source node. */
    void setHoldBack(int vm, boolean holdBack);

    /** The location word of a gfn. */
    long locate(int vm, int gfn);

    /** The host node a gfn is bound to (its vNode's pinning). */
    int pinnedNode(int vm, int gfn);

    /** True when the gfn's data is off its pinned node (swapped or on another node): the moved-page list predicate. */
    boolean isMoved(int vm, int gfn);

    /**
     * A guest access from a vCPU on {@code cpuNode} that could not take the fast path: the
     * EPT violation and its fault handling ({@code do_anonymous_page}, {@code do_swap_page},
     * migrate-on-touch, tiering promotion), then the access itself.
     *
     * @return nanoseconds, including the access latency
     */
    long touch(int vm, int gfn, int cpuNode);

    /**
     * {@link #touch(int, int, int)} for a load ({@code write} false) or a store: a store
     * dirties the page ({@code FAULT_FLAG_WRITE}), and on a host with a swap cache frees the
     * slot of a page it swaps in ({@code should_try_to_free_swap}). A backend that does not
     * tell loads from stores answers as for a load.
     */
    default long touch(int vm, int gfn, int cpuNode, boolean write) {
        return touch(vm, gfn, cpuNode);
    }

    /**
     * A guest kernel's page copy {@code src -> dst} as a balancing migration does it: reading
     * {@code src} first brings it back to its pinned node if the host had moved it, writing
     * {@code dst} populates it on its own pinned node, then 4 KiB cross (or not) the
     * interconnect.
     *
     * @return nanoseconds, or {@code -EIO} if {@code src}'s data is lost (a poisoned page:
     *     the guest's machine-check-safe copy fails and nothing is copied), or if {@code dst}
     *     was still swapped and its slot could not be read (it is then poisoned)
     */
    long copy(int vm, int srcGfn, int dstGfn);

    /**
     * Claim 1's host-side operation: move the data of {@code srcGfn}, which the host had
     * moved to a new source location (swap slot or another node), to the node pinned to
     * {@code dstGfn}'s vNode, in the given order, leaving {@code srcGfn} unbacked. No data
     * goes through {@code srcGfn}'s pinned node.
     *
     * @return nanoseconds, or {@code -EAGAIN} if {@code srcGfn} is not moved any more,
     *     {@code -ENOMEM} if the destination node has no frame for it, {@code -EIO} if its swap
     *     slot could not be read (the page is lost: {@code srcGfn} is then poisoned)
     */
    long migrate(int vm, int srcGfn, int dstGfn, MigrationOrder order);

    /**
     * {@link #migrate} for a batch, the way a hypercall carries it: entries whose
     * {@code status} is already non-zero (refused by the hypervisor's validation) are
     * skipped; the others get their result in {@code status}. By default one {@link #migrate}
     * per entry; the simulated host overrides it to submit the batch's swap reads together
     * (one device latency, then one transfer per page).
     *
     * @return nanoseconds for the whole batch
     */
    default long migratePages(int vm, int[] srcGfn, int[] dstGfn, int count, MigrationOrder order, int[] status) {
        long ns = 0;
        for (int i = 0; i < count; i++) {
            if (status[i] != Errno.OK) {
                continue;
            }
            long r = migrate(vm, srcGfn[i], dstGfn[i], order);
            if (r < 0) {
                status[i] = (int) r;
            } else {
                ns += r;
            }
        }
        return ns;
    }

    /** Backs an unbacked gfn with a zeroed frame on its pinned node. */
    long populate(int vm, int gfn);

    /**
     * Forces a resident gfn out to swap ({@code MADV_PAGEOUT}). {@code -ENOSPC} if no swap slot
     * is free, {@code -EIO} if the write failed (the page stays resident).
     */
    long pageOut(int vm, int gfn);

    /** Moves a resident gfn's frame to another node (demotion, a first migration). */
    long demote(int vm, int gfn, int node);

    /** Releases a gfn's frame or slot: the gfn becomes unbacked ({@code MADV_DONTNEED}). */
    void discard(int vm, int gfn);

    /**
     * The VM's location words as a plain array that a vCPU may read, and set
     * {@link dev.copyless.mm.PageState#ACCESSED} in, without a call (the access fast path of a
     * present EPT entry); {@code null} when every guest access must go through {@link #touch}
     * (a backend whose accesses are real loads from real memory).
     */
    default long[] stateArray(int vm) {
        return null;
    }

    /**
     * Reads back every gfn that holds data and checks it is its own page: the end-of-run
     * content check. A backend that holds no bytes (the simulated host outside real-bytes
     * mode) verifies nothing and lists only the losses it knows of.
     */
    Verification verifyAll();

    /**
     * Called by the engine after every event with the virtual time now, so that a backend can
     * sample its state over the run (the simulated host's free frames); the Linux backend samples
     * at its own pagemap rescans instead.
     */
    default void observe(long nowNs) {}

    /** Adds this backend's end-of-run gauges (e.g. swap slots in use) to {@code out}. */
    default void gauges(java.util.Map<String, Long> out) {}

    /** Releases what the backend holds (real memory, files); the simulated host holds nothing. */
    @Override
    default void close() {}
}
