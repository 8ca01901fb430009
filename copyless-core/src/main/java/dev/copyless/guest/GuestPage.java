package dev.copyless.guest;

/**
 * Bit layout of the guest's per-gfn page word (one {@code short} per gfn): what the model keeps
 * of a guest {@code struct page}, the allocation state and the NUMA balancer's
 * {@code last_cpupid}, which Linux folds into {@code page->flags} ({@code LAST_CPUPID_PGSHIFT},
 * {@code include/linux/page-flags-layout.h}).
 *
 * <pre>
 *    15         14        8 7          0
 * +-----------+-----------+------------+
 * | ALLOCATED | vNode (7) |  pid (8)   |   LAST_CPUPID: LAST__CPU_SHIFT here 7, LAST__PID_SHIFT 8
 * +-----------+-----------+------------+
 * </pre>
 *
 * <ul>
 *   <li>{@link #ALLOCATED}: the gfn is off its vNode's free list (a page with a reference, not
 *       {@code PageBuddy}). A free gfn's word is {@code 0}, so a fresh array is all free and
 *       building a VM writes nothing.</li>
 *   <li>{@code pid}: the low 8 bits of the faulting task's id ({@code LAST__PID_SHIFT} 8, Linux's
 *       width: {@code cpupid_match_pid} compares {@code task_pid_nr(p) & LAST__PID_MASK}, so
 *       tasks 256 apart alias as they do in Linux); all ones is "no fault recorded"
 *       ({@code page_cpupid_reset_last}, {@code cpupid_pid_unset}).</li>
 *   <li>{@code vNode}: where the CPU of the recorded fault runs. Linux records the CPU
 *       ({@code LAST__CPU_SHIFT} = {@code NR_CPUS_BITS}) and derives its node; the model's
 *       balancer needs only the node, so 7 bits, QEMU's limit of 128 NUMA nodes per guest
 *       ({@code MAX_NODES}).</li>
 * </ul>
 *
 * <p>The guest keeps no reverse map gfn -> guest virtual page: every guest operation on a page
 * starts from the PTE that maps it (the NUMA scanner's, the hinting fault's), where Linux walks
 * {@code page->mapping} and {@code page->index} ({@code remove_migration_ptes}).
 */
public final class GuestPage {
    private GuestPage() {}

    /** The word of a free gfn. */
    public static final short FREE = 0;
    public static final int ALLOCATED = 1 << 15;
    public static final int PID_BITS = 8;
    public static final int PID_MASK = (1 << PID_BITS) - 1;
    public static final int VNODE_BITS = 7;
    public static final int VNODE_MASK = (1 << VNODE_BITS) - 1;
    /** vNodes a guest may have (7 bits; QEMU's {@code MAX_NODES}). */
    public static final int MAX_VNODES = 1 << VNODE_BITS;
    public static final int CPUPID_MASK = (1 << (PID_BITS + VNODE_BITS)) - 1;
    /** The word of a gfn just allocated: no fault recorded ({@code page_cpupid_reset_last}). */
    public static final short RESET = (short) (ALLOCATED | CPUPID_MASK);

    /** Whether {@code word} is an allocated gfn's. */
    public static boolean allocated(short word) {
        return (word & ALLOCATED) != 0;
    }

    /** The cpupid a word records ({@code pid << 8 | vNode}, as {@link Task#cpupid}), or {@link GuestVm#NO_CPUPID}. */
    public static int lastCpupid(short word) {
        int pid = word & PID_MASK;
        if (pid == PID_MASK) {
            return GuestVm.NO_CPUPID;
        }
        return pid << 8 | (word >>> PID_BITS) & VNODE_MASK;
    }

    /**
     * {@code word} with its {@code last_cpupid} replaced by {@code cpupid} ({@code pid << 8 | vNode}
     * as {@link Task#cpupid} makes it, or {@link GuestVm#NO_CPUPID}): the pid's low 8 bits and the
     * vNode's low 7 are kept ({@code cpu_pid_to_cpupid}).
     */
    public static short withCpupid(short word, int cpupid) {
        int field = cpupid == GuestVm.NO_CPUPID ? CPUPID_MASK
                : ((cpupid & VNODE_MASK) << PID_BITS) | (cpupid >>> 8) & PID_MASK;
        return (short) ((word & ~CPUPID_MASK) | field);
    }
}
