package dev.copyless.hypervisor;

import dev.copyless.mm.MigrationOrder;

/**
 * The guest's staging of a {@code KVM_HC_COPYLESS_MIGRATE} hypercall, one per vCPU: up to
 * {@link #MAX_PAGES} (source gfn, destination gfn) pairs, the destination vNode they go to,
 * the migration order, the guest's own bookkeeping per pair, and the per-page status of the
 * reply ({@code move_pages(2)} style: 0 or {@code -errno}). It is not what the host reads: the
 * guest encodes it into its vCPU's shared area ({@link HypercallArea}, layout in
 * {@link HypercallAbi} and {@code docs/ABI.md}) and decodes the reply back into
 * {@link #status}. The guest reuses one per vCPU: no allocation per call.
 */
public final class MigrationRequest {
    /** Largest batch one hypercall may carry. */
    public static final int MAX_PAGES = 512;

    public final int[] srcGfn = new int[MAX_PAGES];
    public final int[] dstGfn = new int[MAX_PAGES];
    /** Guest virtual page whose PTE maps the source (guest bookkeeping, not read by the host). */
    public final int[] gvpn = new int[MAX_PAGES];
    /**
     * What the source was when the guest decided: the {@link dev.copyless.host.MovedFrom} ordinal of its
     * new source location (accounting of {@code balanced_moved_pages_*}; not read by the host).
     */
    public final int[] listedKind = new int[MAX_PAGES];
    public final int[] status = new int[MAX_PAGES];
    /** The call-level status of the last reply: 0 (accepted) or {@code -errno} (refused, timed out). */
    public int callStatus;
    public int count;
    public int dstVnode;
    public MigrationOrder order = MigrationOrder.MIGRATE_BEFORE_MAP;

    public boolean isEmpty() {
        return count == 0;
    }

    public void add(int src, int dst, int guestVirtualPage, int kind) {
        srcGfn[count] = src;
        dstGfn[count] = dst;
        gvpn[count] = guestVirtualPage;
        listedKind[count] = kind;
        status[count] = 0;
        count++;
    }

    public void clear() {
        count = 0;
    }
}
