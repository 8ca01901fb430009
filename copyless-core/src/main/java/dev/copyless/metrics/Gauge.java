package dev.copyless.metrics;

import static dev.copyless.metrics.Unit.BYTES;
import static dev.copyless.metrics.Unit.NANOSECONDS;
import static dev.copyless.metrics.Unit.PAGES;

import java.util.Arrays;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * A value read once at the end of a run. The host backend reports some of them by name
 * ({@code HostMemory.gauges}); every name it may report is declared here, with the backends
 * that report it ({@link Scope}).
 */
public enum Gauge implements Metric {
    FREED_GFNS_STILL_BACKED("freed_gfns_still_backed", "", PAGES, Scope.EVERY_RUN,
            "gfns that the guest has freed but that still hold a host frame. The guest does not report free "
                    + "pages, so after a naive copy the source gfn keeps its frame on the source node."),
    MOVED_PAGE_LIST_SIZE("moved_page_list_size", "", PAGES, Scope.EVERY_RUN,
            "Entries in the exported moved-page lists at the end of the run."),
    KERNEL_PSWPIN("kernel_pswpin", "pswpin", PAGES, Scope.LINUX_BACKEND,
            "The kernel's own `pswpin` delta over the run (`/proc/vmstat`): system-wide, so another process "
                    + "swapping at the same time is counted too."),
    KERNEL_PSWPOUT("kernel_pswpout", "pswpout", PAGES, Scope.LINUX_BACKEND,
            "The kernel's own `pswpout` delta over the run (`/proc/vmstat`): system-wide, like `kernel_pswpin`."),
    KERNEL_PGMAJFAULT("kernel_pgmajfault", "", Unit.FAULTS, Scope.LINUX_BACKEND,
            "This process's `majflt` delta over the run (`/proc/self/stat`): swap-ins that read the device."),
    WALL_TIME_NS("wall_time_ns", "", NANOSECONDS, Scope.LINUX_BACKEND,
            "Real (wall-clock) time the run took on the Linux backend, from the backend's set-up to the end of the run; "
                    + "over `virtual_time_ns`, how much slower than the run's clock the kernel saw the guest go (on "
                    + "`--real-clock modelled` under QEMU's TCG, 10 to 30 times: docs/FIDELITY.md)."),
    BYTES_COPIED_BY_US("bytes_copied_by_us", "", BYTES, Scope.LINUX_BACKEND,
            "Bytes of guest data copied by our own code: every guest page copy (naive balancing, and "
                    + "copyless's fallback copies of pages that were not moved)."),
    MOVED_PAGE_BYTES_COPIED_BY_US("moved_page_bytes_copied_by_us", "", BYTES, Scope.LINUX_BACKEND,
            "Of those, the copies whose source page the host had moved: 4,096 per balanced moved page under "
                    + "naive, 0 under copyless."),
    RESCAN_FOUND_SWAPPED("rescan_found_swapped", "", PAGES, Scope.LINUX_BACKEND,
            "gfns that the pagemap rescan found swapped out behind the backend's back (the kernel's own "
                    + "reclaim); 0 on a host without memory pressure."),
    RESCAN_FOUND_PRESENT("rescan_found_present", "", PAGES, Scope.LINUX_BACKEND,
            "gfns that the pagemap rescan found brought back in behind the backend's back; 0 on a host without "
                    + "memory pressure."),
    RESCAN_FOUND_NON_SWAP_ENTRIES("rescan_found_non_swap_entries", "", PAGES, Scope.LINUX_BACKEND,
            "resident gfns that a pagemap rescan found with a non-swap entry (non_swap_entry(): a page the kernel was "
                    + "migrating at that moment, as kcompactd does, or a marker), summed over rescans: PM_SWAP is set for "
                    + "them too, but they are not swapped out, and the rescan leaves them resident."),
    ROOM_TOPPED_UP_PAGES("room_topped_up_pages", "", PAGES, Scope.LINUX_KERNEL_RECLAIM,
            "With `--host-reclaim kernel`: memory that others on a resized node gave back below what they held when "
                    + "the room was set (slab the kernel's shrinkers freed, file pages reclaimed, the JVM's locked memory "
                    + "freed), taken as ballast (locked 4 KiB pages bound to the node) during the run so that guest RAM's "
                    + "room stays the scenario node's."),
    ROOM_GIVEN_BACK_PAGES("room_given_back_pages", "", PAGES, Scope.LINUX_KERNEL_RECLAIM,
            "With `--host-reclaim kernel`: memory that others on a resized node took during the run above what they "
                    + "held when the room was set (the JVM's memory as it grows: JIT-compiled code, malloc arenas, thread "
                    + "stacks; file pages read), given back to the room (ballast unmapped, huge pages released)."),
    ROOM_TOP_UPS("room_top_ups", "", Unit.EVENTS, Scope.LINUX_KERNEL_RECLAIM,
            "How many times a resized node's room was corrected (`room_topped_up_pages`, `room_given_back_pages`)."),
    ROOM_OTHERS_GAVE_BACK_PAGES("room_others_gave_back_pages", "", PAGES, Scope.LINUX_KERNEL_RECLAIM,
            "The most that slab, the file page cache (not the swap cache) and the JVM's locked memory of the resized "
                    + "nodes fell below their level when the room was set, summed over the nodes."),
    ROOM_OTHERS_TOOK_PAGES("room_others_took_pages", "", PAGES, Scope.LINUX_KERNEL_RECLAIM,
            "The most that slab, the file page cache (not the swap cache) and the JVM's locked memory of the resized "
                    + "nodes rose above their level when the room was set, summed over the nodes."),
    ROOM_FREE_PAGES_MAX_SEEN("room_free_pages_max_seen", "", PAGES, Scope.LINUX_KERNEL_RECLAIM,
            "With `--host-reclaim kernel`: the most free pages a pagemap rescan saw on each resized node during the "
                    + "run, summed over the nodes (compare with `resized_node_free_pages_*`: the room when it was set)."),
    ROOM_HUGE_PAGES_HELD("room_huge_pages_held", "", Unit.EVENTS, Scope.LINUX_KERNEL_RECLAIM,
            "With `--host-reclaim kernel`: the 2 MiB huge pages that set the resized nodes' room aside, summed over the nodes."),
    ROOM_BALLAST_PAGES("room_ballast_pages", "", PAGES, Scope.LINUX_KERNEL_RECLAIM,
            "With `--host-reclaim kernel`: the 4 KiB pages locked on the resized nodes (anonymous memory bound to the "
                    + "node and `mlock`ed) to set their room to the page, beside the huge pages: set with the room and "
                    + "topped up during the run, summed over the nodes."),
    ROOM_HUGE_PAGES_AT_END("room_huge_pages_at_end", "", Unit.EVENTS, Scope.LINUX_KERNEL_RECLAIM,
            "The nodes' `nr_hugepages` at the end of the run, summed: equal to `room_huge_pages_held` unless the pool shrank."),
    FAST_PATH_MAJOR_FAULTS("fast_path_major_faults", "", Unit.EVENTS, Scope.LINUX_BACKEND,
            "With `--real-clock modelled`: major faults of guest loads that took the backend's fast path because "
                    + "its shadow still showed the page present (the kernel reclaimed it since the last pagemap "
                    + "rescan); each is charged a swap read to the vCPU's next operation. 0 on the measured clock (not read)."),
    MBIND_FAILURES("mbind_failures", "", Unit.EVENTS, Scope.LINUX_BACKEND,
            "`mbind` calls refused after a copyless `mremap` (the process is out of mappings): the data "
                    + "moved, but its swap-in follows the source's memory policy."),
    POPULATE_FAILURES("populate_failures", "", Unit.EVENTS, Scope.LINUX_BACKEND,
            "`MADV_POPULATE_READ` calls refused in a copyless migrate-before-map: the entry waits for the first "
                    + "touch instead, as in map-then-migrate."),
    PRIMITIVE_FAILURES("primitive_failures", "", Unit.EVENTS, Scope.LINUX_BACKEND,
            "Copyless moves the kernel refused (`UFFDIO_MOVE` or `mremap`; answered `-ENOMEM`, `-EBUSY` or "
                    + "`-EINVAL` to the guest)."),
    MAPPINGS_BEFORE("mappings_before", "", Unit.MAPPINGS, Scope.LINUX_BACKEND,
            "The `/proc/self/maps` entries that guest RAM spans, summed over the VMs, when each VM was "
                    + "registered."),
    MAPPINGS_AFTER("mappings_after", "", Unit.MAPPINGS, Scope.LINUX_BACKEND,
            "The same at the end of the run: equal to `mappings_before` under `UFFDIO_MOVE` (Linux 6.8 and "
                    + "later), which moves page-table entries inside the mapping; under the `mremap` fallback each "
                    + "scattered copyless move adds one."),
    MIGRATED_PAGES_CHECKED("migrated_pages_checked", "", PAGES, Scope.LINUX_MULTI_NODE,
            "On a host with two nodes or more: copyless migrations whose data has landed (migrate-before-map: "
                    + "after the batch's swap-in; map-then-migrate: at the first touch), each page's node read back "
                    + "with `move_pages` (no target nodes)."),
    MIGRATED_PAGES_ON_DESTINATION_NODE("migrated_pages_on_destination_node", "", PAGES, Scope.LINUX_MULTI_NODE,
            "Of those, the pages on the destination's node. A page still in the swap cache when it moved is "
                    + "mapped where it is, on the source's node; migrate-before-map then moves it to the destination's "
                    + "node (`move_pages`, a `host_page_copies`), map-then-migrate leaves it there."),
    SOURCE_NODE_SWAPINS("source_node_swapins", "", PAGES, Scope.LINUX_MULTI_NODE,
            "On a host with two nodes or more: swapped pages that a balancing migration brought back onto the "
                    + "node the page is leaving (read back): the naive balancer's read of a swapped source, or a "
                    + "copyless migrate-before-map whose swap-in landed on the source's node and could not be moved on "
                    + "to the destination's (a page found in the swap cache there is moved: `host_page_copies`)."),
    CROSS_NODE_BYTES_COPIED("cross_node_bytes_copied", "", BYTES, Scope.LINUX_MULTI_NODE,
            "On a host with two nodes or more: 4,096 per guest copy whose source and destination pages (read "
                    + "back) are on different nodes, and per page migration (`move_pages`) between two nodes."),
    KERNEL_PGSCAN_KSWAPD("kernel_pgscan_kswapd", "pgscan_kswapd", PAGES, Scope.LINUX_KERNEL_RECLAIM,
            "`--host-reclaim kernel` only: the kernel's `pgscan_kswapd` delta over the run (system-wide)."),
    KERNEL_PGSCAN_DIRECT("kernel_pgscan_direct", "pgscan_direct", PAGES, Scope.LINUX_KERNEL_RECLAIM,
            "`--host-reclaim kernel` only: the kernel's `pgscan_direct` delta over the run (system-wide)."),
    KERNEL_PGSTEAL_KSWAPD("kernel_pgsteal_kswapd", "pgsteal_kswapd", PAGES, Scope.LINUX_KERNEL_RECLAIM,
            "`--host-reclaim kernel` only: the kernel's `pgsteal_kswapd` delta over the run (system-wide; the "
                    + "kernel keeps no per-node `pgsteal`)."),
    KERNEL_PGSTEAL_DIRECT("kernel_pgsteal_direct", "pgsteal_direct", PAGES, Scope.LINUX_KERNEL_RECLAIM,
            "`--host-reclaim kernel` only: the kernel's `pgsteal_direct` delta over the run (system-wide)."),
    KERNEL_ALLOCSTALL("kernel_allocstall", "", Unit.EVENTS, Scope.LINUX_KERNEL_RECLAIM,
            "`--host-reclaim kernel` only: allocations that stalled in direct reclaim over the run, "
                    + "`allocstall_normal` + `allocstall_movable` (system-wide)."),
    KERNEL_WORKINGSET_REFAULT_ANON("kernel_workingset_refault_anon", "workingset_refault_anon", PAGES,
            Scope.LINUX_KERNEL_RECLAIM,
            "`--host-reclaim kernel` only: anonymous refaults the kernel recognised over the run, summed over "
                    + "the nodes: swap-ins of pages it had evicted recently (with MGLRU, Debian's default, only when "
                    + "the page comes back to the node it was evicted from)."),
    RESIZED_NODE_FREE_PAGES_MIN("resized_node_free_pages_min", "", PAGES, Scope.LINUX_KERNEL_RECLAIM,
            "`--host-reclaim kernel` only: the smallest free memory of a real node after it was resized to its "
                    + "scenario node (docs/VM.md); the scenario's size is the target."),
    RESIZED_NODE_FREE_PAGES_MAX("resized_node_free_pages_max", "", PAGES, Scope.LINUX_KERNEL_RECLAIM,
            "`--host-reclaim kernel` only: the largest such free memory."),
    RESIZED_NODE_RESERVED_PAGES("resized_node_reserved_pages", "", PAGES, Scope.LINUX_KERNEL_RECLAIM,
            "`--host-reclaim kernel` only: free pages of the resized nodes that guest RAM cannot have, behind their "
                    + "zones' `lowmem_reserve` for a movable allocation (`/proc/zoneinfo` `protection:`), summed over the "
                    + "nodes; not counted in the room (`resized_node_free_pages_*`)."),
    RESIZED_NODE_WMARK_MIN("resized_node_wmark_min", "", PAGES, Scope.LINUX_KERNEL_RECLAIM,
            "`--host-reclaim kernel` only: the largest min watermark of a resized node (`/proc/zoneinfo`, "
                    + "summed over its zones), after `vm.min_free_kbytes` was set from the scenario's."),
    RESIZED_NODE_WMARK_LOW("resized_node_wmark_low", "", PAGES, Scope.LINUX_KERNEL_RECLAIM,
            "`--host-reclaim kernel` only: the largest low watermark of a resized node."),
    RESIZED_NODE_WMARK_HIGH("resized_node_wmark_high", "", PAGES, Scope.LINUX_KERNEL_RECLAIM,
            "`--host-reclaim kernel` only: the largest high watermark of a resized node."),
    HOST_FREE_PAGES_MEAN("host_free_pages_mean", "", PAGES, Scope.EVERY_RUN,
            "The host nodes' free memory over the run, summed over the nodes: the mean of samples every 1 ms of "
                    + "virtual time (simulated host: free frames) or at every pagemap rescan (Linux backend: the resized "
                    + "nodes' `MemFree` with `--host-reclaim kernel`, else the shadow's limits less its resident pages)."),
    SWAP_SLOTS_USED("swap_slots_used", "", PAGES, Scope.EVERY_RUN,
            "Swap slots in use at the end of the run."),
    PAGES_VERIFIED("pages_verified", "", PAGES, Scope.CONTENT_CHECK,
            "Backed gfns whose frame or swap slot, read back at the end of the run, holds exactly the page it "
                    + "must hold: in real-bytes mode, and on the Linux backend (each page compared with the content "
                    + "token stamped at first touch and carried by every copy and migration). Always 0 in the "
                    + "model, which has no bytes."),
    PAGES_LOST("pages_lost", "", PAGES, Scope.CONTENT_CHECK,
            "Backed gfns whose data is not there: poisoned gfns, and (real bytes, Linux backend) gfns whose "
                    + "bytes are another page's or no page's. In real-bytes mode `pages_verified + pages_lost` = "
                    + "backed gfns. In the model it counts the losses the model knows of (poisoned gfns, torn "
                    + "slots). Each lost page is listed in `lost_pages` with `vm`, `gfn`, `reason` and `detected`, "
                    + "and named on stderr."),
    PAGES_LOST_SILENTLY("pages_lost_silently", "", PAGES, Scope.CONTENT_CHECK,
            "Of the lost pages, those nothing would have caught: not poisoned when the loss happened, and (if "
                    + "swapped) with a slot whose CRC32C still matches, so a guest would have read wrong bytes as "
                    + "its own. Must be 0; `copyless reliability` fails otherwise."),
    VIRTUAL_TIME_NS("virtual_time_ns", "", NANOSECONDS, Scope.EVERY_RUN,
            "Virtual time reached by the last event.");

    /** Which runs report a gauge, and when the table shows it. */
    public enum Scope {
        /** Every run, on every backend. */
        EVERY_RUN,
        /** Every run; the table shows it only where page contents are checked (real bytes, swap faults, Linux). */
        CONTENT_CHECK,
        /** Runs on the Linux backend ({@code --backend linux}) only. */
        LINUX_BACKEND,
        /** Runs on the Linux backend on a host with two NUMA nodes or more (the placement read-back). */
        LINUX_MULTI_NODE,
        /** Runs on the Linux backend with the kernel's own reclaim ({@code --host-reclaim kernel}). */
        LINUX_KERNEL_RECLAIM;

        /** Whether only runs on the Linux backend report gauges of this scope. */
        public boolean linuxOnly() {
            return this == LINUX_BACKEND || this == LINUX_MULTI_NODE || this == LINUX_KERNEL_RECLAIM;
        }
    }

    private static final Map<String, Gauge> BY_NAME =
            Arrays.stream(values()).collect(Collectors.toUnmodifiableMap(Gauge::metricName, Function.identity()));

    private final String name;
    private final String vmstat;
    private final Unit unit;
    private final Scope scope;
    private final String meaning;

    Gauge(String name, String vmstat, Unit unit, Scope scope, String meaning) {
        this.name = name;
        this.vmstat = vmstat;
        this.unit = unit;
        this.scope = scope;
        this.meaning = meaning;
    }

    /**
     * The gauge of that name.
     *
     * @throws IllegalArgumentException when no gauge has that name: a backend reported a value that
     *                                  is not declared here
     */
    public static Gauge byName(String name) {
        Gauge g = BY_NAME.get(name);
        if (g == null) {
            throw new IllegalArgumentException("no gauge named '" + name + "': declare it in dev.copyless.metrics.Gauge "
                    + "(and docs/METRICS.md) before a backend reports it");
        }
        return g;
    }

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

    public Scope scope() {
        return scope;
    }
}
