package dev.copyless.metrics;

/**
 * Every event counter of a run. Names follow {@code /proc/vmstat} where one exists; the rest
 * are copyless's own and are documented in {@code docs/METRICS.md}.
 */
public enum Counter {
    // --- /proc/vmstat names ---
    /** Pages read from a swap device (demand faults, readahead, copyless migrations). */
    PSWPIN("pswpin"),
    /** Pages written to a swap device by reclaim. */
    PSWPOUT("pswpout"),
    /** Major faults: a guest access (or guest copy) that needed a swap read. */
    PGMAJFAULT("pgmajfault"),
    /** NUMA hinting faults taken by the guest balancer. */
    NUMA_HINT_FAULTS("numa_hint_faults"),
    /** Hinting faults where the page already sat on the faulting CPU's vNode. */
    NUMA_HINT_FAULTS_LOCAL("numa_hint_faults_local"),
    /** PTEs the guest scanner made PROT_NONE ({@code task_numa_work}). */
    NUMA_PTE_UPDATES("numa_pte_updates"),
    /** Pages migrated along with a hinting fault by NUMA fault-around (copyless's own). */
    NUMA_FAULT_AROUND("numa_fault_around_pages"),
    /** Pages the guest balancer migrated between vNodes. */
    NUMA_PAGES_MIGRATED("numa_pages_migrated"),
    /** Successful page migrations of any kind (guest balancing, host demotion and promotion). */
    PGMIGRATE_SUCCESS("pgmigrate_success"),
    /** Page migrations that failed (no free gfn on the destination vNode, no host frame). */
    PGMIGRATE_FAIL("pgmigrate_fail"),
    /** Pages reclaimed by kswapd. */
    PGSTEAL_KSWAPD("pgsteal_kswapd"),
    /** Pages reclaimed by direct reclaim in an allocating context. */
    PGSTEAL_DIRECT("pgsteal_direct"),
    /** Pages demoted to a lower memory tier by kswapd and by the proactive demotion agent. */
    PGDEMOTE_KSWAPD("pgdemote_kswapd"),
    /** Pages demoted to a lower memory tier by direct reclaim. */
    PGDEMOTE_DIRECT("pgdemote_direct"),
    /** Demoted pages promoted back to their pinned node by the host. */
    PGPROMOTE_SUCCESS("pgpromote_success"),
    /** Pages read by swap readahead. */
    SWAP_RA("swap_ra"),
    /** Readahead pages later touched by the guest. */
    SWAP_RA_HIT("swap_ra_hit"),
    /** Times a host node's kswapd was woken below its low watermark. */
    KSWAPD_WAKE("kswapd_wake"),
    /** Zero-filled host frames allocated on a first touch. */
    PGALLOC_ZERO("pgalloc_zero"),

    // --- copyless's own ---
    /** Balancing migrations whose source page was moved by the host when the guest decided. */
    BALANCED_MOVED_PAGES("balanced_moved_pages"),
    /** Of those, pages whose new source location was a swap slot, read from the device (not in the swap cache). */
    BALANCED_MOVED_PAGES_SWAP("balanced_moved_pages_swap"),
    /** Of those, pages whose new source location was another memory node (demotion). */
    BALANCED_MOVED_PAGES_NODE("balanced_moved_pages_node"),
    /**
     * Balanced moved pages whose data sat in the host's swap cache (swapped entry, data in a
     * frame brought by readahead): one data movement under either policy.
     */
    BALANCED_MOVED_PAGES_SWAPCACHE("balanced_moved_pages_swapcache"),
    /**
     * Faults that found the page's data in the host's swap cache ({@code swap_cache_get_folio}
     * succeeded): minor faults, no device read. Linux has no vmstat event for it.
     */
    SWAP_CACHE_HITS("swap_cache_hits"),
    /** 4 KiB data movements done to complete balancing migrations of moved pages. */
    MOVED_PAGE_DATA_MOVEMENTS("moved_page_data_movements"),
    /** Bytes copied between two different host nodes (any page copy or migration). */
    INTERCONNECT_BYTES("interconnect_bytes"),
    /** Interconnect bytes spent completing balancing migrations of moved pages. */
    MOVED_PAGE_INTERCONNECT_BYTES("moved_page_interconnect_bytes"),
    /** Interconnect bytes spent completing balancing migrations of pages that came from swap. */
    SWAPPED_PAGE_INTERCONNECT_BYTES("swapped_page_interconnect_bytes"),
    /** Pages reclaimed to make room for bringing a page back to its source node. */
    EVICTIONS_CAUSED("evictions_caused"),
    /** Pages brought back into their (source) pinned node by the balancer's read or by speculation. */
    PAGES_BROUGHT_BACK("pages_brought_back"),
    /** Speculative returns (readahead, promotion) the host held back (claim 12). */
    HOLDBACK_SKIPPED("holdback_skipped"),
    /** Hypercalls the hypervisor accepted and passed to the host. */
    HYPERCALLS("hypercalls"),
    /** Pages carried by those hypercalls. */
    HYPERCALL_PAGES("hypercall_pages"),
    /** Hypercall entries the host refused as stale (page no longer moved); the guest fell back. */
    HYPERCALL_STALE("hypercall_stale"),
    /** Entries of accepted hypercalls the host could not carry out for another reason (ENOMEM). */
    HYPERCALL_ERRORS("hypercall_errors"),
    /** Hypercalls the hypervisor refused whole, for any reason of docs/ABI.md (nothing changed). */
    HYPERCALL_REFUSED("hypercall_refused"),
    /** Of those, replays: a sequence number not above the VM's last consumed one. */
    HYPERCALL_REPLAYS_REFUSED("hypercall_replays_refused"),
    /** Of those, calls refused by the VM's rate limit ({@code -EBUSY}). */
    HYPERCALL_THROTTLED("hypercall_throttled"),
    /** Requests the request channel lost (the guest timed out). */
    HYPERCALL_DROPPED("hypercall_dropped"),
    /** Requests the request channel delivered twice. */
    HYPERCALL_DUPLICATED("hypercall_duplicated"),
    /** Requests the request channel held back and delivered after a newer one (the guest timed out). */
    HYPERCALL_REORDERED("hypercall_reordered"),
    /** New attempts, with a new sequence number, that guests made after a timed-out hypercall. */
    HYPERCALL_RETRIES("hypercall_retries"),
    /** Moved-page list inspections made by the guest balancer (claim 9). */
    MOVED_LIST_INSPECTIONS("moved_list_inspections"),
    /** Node-to-node page copies made by the host (demotion, promotion, migrate-on-touch, copyless migration from a node). */
    HOST_PAGE_COPIES("host_page_copies"),
    /** Guest page copies (balancing by copy, any source). */
    GUEST_PAGE_COPIES("guest_page_copies"),
    /** Guest accesses simulated. */
    GUEST_ACCESSES("guest_accesses"),
    /** Guest accesses that found their page on a host node other than the vCPU's. */
    REMOTE_ACCESSES("remote_accesses"),
    /** Task moves between vNodes made by the guest scheduler. */
    TASK_MOVES("task_moves"),

    // --- swap fault injection and lost pages (scenario section faults:) ---
    /** Swap writes that failed with EIO ({@code swap_writepage} error): the page stayed resident, its slot was freed. */
    SWAP_WRITE_ERRORS("swap_write_errors"),
    /** Swap reads that failed with EIO (every attempt, retries included). */
    SWAP_READ_ERRORS("swap_read_errors"),
    /** Swap reads retried after an EIO. */
    SWAP_READ_RETRIES("swap_read_retries"),
    /** Swap writes of which only part reached the device. */
    SWAP_TORN_WRITES("swap_torn_writes"),
    /** Swap slots whose CRC32C did not match (at write completion or at read). */
    SWAP_CHECKSUM_FAILURES("swap_checksum_failures"),
    /** Torn writes caught at completion while the page was still in memory, and written again. */
    SWAP_REWRITES("swap_rewrites"),
    /** Swap I/Os that took slow-io-ns longer. */
    SWAP_SLOW_IO("swap_slow_io"),
    /** Pages the host lost (unreadable or torn swap slot): mapped as poisoned entries, reported by gfn. */
    PAGES_POISONED("pages_poisoned"),
    /** Guest accesses to a poisoned gfn ({@code VM_FAULT_HWPOISON}: a machine check for the guest). */
    HWPOISON_FAULTS("hwpoison_faults");

    private final String vmstatName;

    Counter(String vmstatName) {
        this.vmstatName = vmstatName;
    }

    /** The metric's name in outputs. */
    public String metricName() {
        return vmstatName;
    }
}
