package dev.copyless.metrics;

import static dev.copyless.metrics.Unit.ACCESSES;
import static dev.copyless.metrics.Unit.BYTES;
import static dev.copyless.metrics.Unit.CALLS;
import static dev.copyless.metrics.Unit.EVENTS;
import static dev.copyless.metrics.Unit.FAULTS;
import static dev.copyless.metrics.Unit.IOS;
import static dev.copyless.metrics.Unit.MOVEMENTS;
import static dev.copyless.metrics.Unit.NANOSECONDS;
import static dev.copyless.metrics.Unit.PAGES;
import static dev.copyless.metrics.Unit.PTES;

/**
 * Every event counter of a run: one {@code long} each in {@link VmStat}, counted as the run
 * goes. Each constant declares the counter once for the whole project: its output name, its
 * {@code /proc/vmstat} namesake when the kernel has one (the same meaning, applied to the
 * simulated host and its guests together), its unit and its meaning. Tables, JSON, CSV, the
 * report and docs/METRICS.md all read them from here ({@link MetricCatalogue}).
 */
public enum Counter implements Metric {
    // --- /proc/vmstat names ---
    PSWPIN("pswpin", "pswpin", PAGES,
            "Pages read from a swap device (demand faults, readahead, copyless migrations)."),
    PSWPOUT("pswpout", "pswpout", PAGES,
            "Pages written to a swap device by reclaim: a page without a slot, or a dirty swap-cache page written "
                    + "back to its own slot. A clean swap-cache page is dropped without a write."),
    PGMAJFAULT("pgmajfault", "pgmajfault", FAULTS,
            "Major faults: a guest access (or guest copy) that needed a swap read. A fault that finds the page in "
                    + "the swap cache is a minor fault (`swap_cache_hits`)."),
    NUMA_HINT_FAULTS("numa_hint_faults", "numa_hint_faults", FAULTS,
            "NUMA hinting faults taken by the guest balancer."),
    NUMA_HINT_FAULTS_LOCAL("numa_hint_faults_local", "numa_hint_faults_local", FAULTS,
            "Hinting faults where the page already sat on the faulting CPU's vNode."),
    NUMA_PTE_UPDATES("numa_pte_updates", "numa_pte_updates", PTES,
            "PTEs the guest scanner made PROT_NONE (`task_numa_work`)."),
    NUMA_FAULT_AROUND("numa_fault_around_pages", "", PAGES,
            "Pages migrated along with a hinting fault by NUMA fault-around (copyless's own)."),
    NUMA_PAGES_MIGRATED("numa_pages_migrated", "numa_pages_migrated", PAGES,
            "Pages the guest balancer migrated between vNodes."),
    PGMIGRATE_SUCCESS("pgmigrate_success", "pgmigrate_success", PAGES,
            "Successful page migrations of any kind (guest balancing, host demotion and promotion)."),
    PGMIGRATE_FAIL("pgmigrate_fail", "pgmigrate_fail", PAGES,
            "Page migrations that failed (no free gfn on the destination vNode, no host frame)."),
    PGSTEAL_KSWAPD("pgsteal_kswapd", "pgsteal_kswapd", PAGES,
            "Pages reclaimed by kswapd."),
    PGSTEAL_DIRECT("pgsteal_direct", "pgsteal_direct", PAGES,
            "Pages reclaimed by direct reclaim in an allocating context."),
    PGDEMOTE_KSWAPD("pgdemote_kswapd", "pgdemote_kswapd", PAGES,
            "Pages demoted to a lower memory tier by kswapd and by the proactive demotion agent."),
    PGDEMOTE_DIRECT("pgdemote_direct", "pgdemote_direct", PAGES,
            "Pages demoted to a lower memory tier by direct reclaim."),
    PGPROMOTE_SUCCESS("pgpromote_success", "pgpromote_success", PAGES,
            "Demoted pages promoted back to their pinned node by the host."),
    PGPROMOTE_CANDIDATE("pgpromote_candidate", "pgpromote_candidate", PAGES,
            "Host hinting faults in tiering mode that passed the hot threshold and were counted against the "
                    + "destination node's promotion rate limit (`numa_promotion_rate_limit`), promoted or not."),
    HOST_NUMA_HINT_FAULTS("host_numa_hint_faults", "numa_hint_faults", FAULTS,
            "The host's NUMA hinting faults in tiering mode (`host.demotion.promotion: tiering`): a guest access to "
                    + "a demoted page the host scanner had made PROT_NONE (`do_numa_page` on the host). The host's "
                    + "`numa_hint_faults`, kept apart from the guest balancer's."),
    HOST_NUMA_PTE_UPDATES("host_numa_pte_updates", "numa_pte_updates", PTES,
            "PTEs of demoted pages the host scanner made PROT_NONE and stamped with the scan time in tiering mode "
                    + "(`task_numa_work`, `change_prot_numa`): the host's `numa_pte_updates`."),
    SWAP_RA("swap_ra", "swap_ra", PAGES,
            "Pages read into the swap cache by swap readahead (`swap_vma_readahead`, `swap_cluster_readahead`)."),
    SWAP_RA_HIT("swap_ra_hit", "swap_ra_hit", PAGES,
            "Faults that found a readahead page in the swap cache (`swap_cache_get_folio` on a readahead folio)."),
    KSWAPD_WAKE("kswapd_wake", "", EVENTS,
            "Times a host node's kswapd was woken below its low watermark."),
    PGALLOC_ZERO("pgalloc_zero", "", PAGES,
            "Zero-filled host frames allocated on a first touch."),

    // --- copyless's own ---
    BALANCED_MOVED_PAGES("balanced_moved_pages", "", PAGES,
            "Balancing migrations whose source page was moved by the host when the guest decided."),
    BALANCED_MOVED_PAGES_SWAP("balanced_moved_pages_swap", "", PAGES,
            "Of those, pages whose new source location was a swap slot, read from the device (not in the swap cache)."),
    BALANCED_MOVED_PAGES_NODE("balanced_moved_pages_node", "", PAGES,
            "Of those, pages whose new source location was another memory node (demotion)."),
    BALANCED_MOVED_PAGES_SWAPCACHE("balanced_moved_pages_swapcache", "", PAGES,
            "Of those, swapped pages whose data still sat in the host's swap cache (brought by readahead, not yet "
                    + "mapped): one data movement under either policy."),
    SWAP_CACHE_HITS("swap_cache_hits", "", FAULTS,
            "Faults (and copyless migrations) that found the page's data in the host's swap cache: a minor fault, "
                    + "no device read. Linux has no vmstat event for it."),
    MOVED_PAGE_DATA_MOVEMENTS("moved_page_data_movements", "", MOVEMENTS,
            "4 KiB data movements done to complete balancing migrations of moved pages."),
    INTERCONNECT_BYTES("interconnect_bytes", "", BYTES,
            "Bytes copied between two different host nodes (any page copy or migration)."),
    MOVED_PAGE_INTERCONNECT_BYTES("moved_page_interconnect_bytes", "", BYTES,
            "Interconnect bytes spent completing balancing migrations of moved pages."),
    SWAPPED_PAGE_INTERCONNECT_BYTES("swapped_page_interconnect_bytes", "", BYTES,
            "Interconnect bytes spent completing balancing migrations of pages that came from swap."),
    EVICTIONS_CAUSED("evictions_caused", "", PAGES,
            "Pages reclaimed to make room for bringing a page back to its source node."),
    PAGES_BROUGHT_BACK("pages_brought_back", "", PAGES,
            "Pages brought back into their (source) pinned node by the balancer's read or by speculation."),
    HOLDBACK_SKIPPED("holdback_skipped", "", PAGES,
            "Returns to the source node the host held back (claim 12): each swapped page that readahead would have read (once per page, with the readahead window Linux would have had: a later fault on it counts as a hit) and each promotion it skipped."),
    HYPERCALLS("hypercalls", "", CALLS,
            "Hypercalls the hypervisor accepted and passed to the host. Refused calls are not counted here."),
    HYPERCALL_PAGES("hypercall_pages", "", PAGES,
            "Pages carried by those hypercalls."),
    HYPERCALL_STALE("hypercall_stale", "", PAGES,
            "Hypercall entries the host refused as stale (page no longer moved); the guest fell back."),
    HYPERCALL_ERRORS("hypercall_errors", "", PAGES,
            "Entries of accepted hypercalls that the host could not carry out for another reason (`-ENOMEM`)."),
    HYPERCALL_REFUSED("hypercall_refused", "", CALLS,
            "Hypercalls the hypervisor refused whole, for any reason in [ABI.md](ABI.md). A refusal changes nothing."),
    HYPERCALL_REPLAYS_REFUSED("hypercall_replays_refused", "", CALLS,
            "Of those, replays: a sequence number not above the VM's last consumed one. These are duplicated or reordered requests from the request channel."),
    HYPERCALL_THROTTLED("hypercall_throttled", "", CALLS,
            "Of those, calls refused by the VM's rate limit (`-EBUSY`)."),
    HYPERCALL_DROPPED("hypercall_dropped", "", CALLS,
            "Requests the request channel lost. The guest timed out."),
    HYPERCALL_DUPLICATED("hypercall_duplicated", "", CALLS,
            "Requests the request channel delivered twice."),
    HYPERCALL_REORDERED("hypercall_reordered", "", CALLS,
            "Requests the request channel held back past the guest's timeout and delivered after a newer one."),
    HYPERCALL_RETRIES("hypercall_retries", "", CALLS,
            "New attempts, each with a new sequence number, that guests made after a timed-out hypercall."),
    MOVED_LIST_INSPECTIONS("moved_list_inspections", "", EVENTS,
            "Moved-page list inspections made by the guest balancer (claim 9)."),
    HOST_PAGE_COPIES("host_page_copies", "", MOVEMENTS,
            "Node-to-node page copies made by the host (demotion, promotion, migrate-on-touch, copyless migration from a node)."),
    HOST_TLB_SHOOTDOWNS("host_tlb_shootdowns", "", EVENTS,
            "TLB shootdowns the host made by clearing a present mapping of a guest page, each charged `cost.tlb-shootdown-ns`:"
                    + " one per reclaim pass that unmapped a page (a batched flush), one per resident page migrated"
                    + " (promotion, migrate-on-touch, a copyless migration from a node); the EPT invalidation goes with it."),
    EPT_REMAP_FAULTS("ept_remap_faults", "", EVENTS,
            "EPT violations that map again a resident page whose mapping the host changed (a copyless migrate-before-map"
                    + " destination, a demoted page), each charged `cost.ept-fault-ns`; first touches and swap-ins are not counted here."),
    GUEST_PAGE_COPIES("guest_page_copies", "", MOVEMENTS,
            "Guest page copies (balancing by copy, any source)."),
    GUEST_ACCESSES("guest_accesses", "", ACCESSES,
            "Guest accesses simulated."),
    REMOTE_ACCESSES("remote_accesses", "", ACCESSES,
            "Guest accesses that found their page on a host node other than the vCPU's."),
    TASK_MOVES("task_moves", "", EVENTS,
            "Task moves between vNodes made by the guest scheduler."),

    // --- devices and links (docs/COST-MODEL.md, "Devices and links") ---
    LINK_BYTES("link_bytes", "", BYTES,
            "Bytes carried by the links between host nodes: page copies across nodes (`interconnect_bytes`) "
                    + "and swap DMA into or out of a frame on a node other than the device's home node."),
    LINK_QUEUE_DELAY_NS("link_queue_delay_ns", "", NANOSECONDS,
            "Virtual time transfers waited for a busy link (each link a busy-until server at "
                    + "`host.link-bandwidth`), summed over every transfer; charged to whoever waited."),
    SWAP_QUEUE_DELAY_NS("swap_queue_delay_ns", "", NANOSECONDS,
            "Virtual time swap I/O waited in a device's queue: for a free slot (`queue-depth`) and for the "
                    + "device's bandwidth, summed over every read and write; charged to whoever waited (a vCPU's "
                    + "fault, kswapd, a hypercall), nobody for readahead."),

    // --- swap fault injection and lost pages (scenario section faults:) ---
    SWAP_WRITE_ERRORS("swap_write_errors", "", IOS,
            "Swap writes that failed with EIO (`swap_writepage` error, or a torn write still torn after 3 attempts): the page stayed resident, its slot was freed."),
    SWAP_READ_ERRORS("swap_read_errors", "", IOS,
            "Swap reads that failed with EIO, every attempt counted (retries included)."),
    SWAP_READ_RETRIES("swap_read_retries", "", IOS,
            "Swap reads retried after an EIO (at most 3 per demand read; readahead does not retry)."),
    SWAP_TORN_WRITES("swap_torn_writes", "", IOS,
            "Swap writes of which only some 512-byte sectors reached the device."),
    SWAP_CHECKSUM_FAILURES("swap_checksum_failures", "", IOS,
            "Slots whose CRC32C did not match: at write completion (then rewritten) or at read (then the page is lost)."),
    SWAP_REWRITES("swap_rewrites", "", IOS,
            "Torn writes caught at completion, while the page was still in memory, and written again."),
    SWAP_SLOW_IO("swap_slow_io", "", IOS,
            "Swap I/Os that took `slow-io-ns` longer."),
    PAGES_POISONED("pages_poisoned", "", PAGES,
            "Pages the host lost (an unreadable or torn swap slot on a demand read or a copyless migration): the gfn becomes a poisoned entry, reported by gfn with its reason."),
    HWPOISON_FAULTS("hwpoison_faults", "", FAULTS,
            "Guest accesses to a poisoned gfn (`VM_FAULT_HWPOISON`: a machine check for the guest).");

    private final String name;
    private final String vmstat;
    private final Unit unit;
    private final String meaning;

    Counter(String name, String vmstat, Unit unit, String meaning) {
        this.name = name;
        this.vmstat = vmstat;
        this.unit = unit;
        this.meaning = meaning;
    }

    /** The metric's name in outputs. */
    @Override
    public String metricName() {
        return name;
    }

    @Override
    public String vmstat() {
        return vmstat;
    }

    @Override
    public Unit unit() {
        return unit;
    }

    @Override
    public String meaning() {
        return meaning;
    }
}
