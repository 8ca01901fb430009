package dev.copyless.metrics;

/**
 * What a metric counts or measures, as written in docs/METRICS.md. A page is 4 KiB; a gfn,
 * a host frame, a swap slot and an entry of a hypercall or of the moved-page list each stand
 * for one page.
 */
public enum Unit {
    /** 4 KiB pages (or gfns, frames, slots, list or hypercall entries: one per page). */
    PAGES("pages"),
    /** 4 KiB data movements: a swap read or write, or a page copy. */
    MOVEMENTS("4 KiB movements"),
    /** Faults taken by a guest vCPU. */
    FAULTS("faults"),
    /** Guest page-table entries. */
    PTES("PTEs"),
    /** Hypercalls, or requests on their way to the hypervisor. */
    CALLS("hypercalls"),
    /** Guest memory accesses. */
    ACCESSES("accesses"),
    /** Swap device reads and writes. */
    IOS("swap I/Os"),
    /** Occurrences of the event the metric names. */
    EVENTS("events"),
    /** Entries of a process's memory map ({@code /proc/self/maps}). */
    MAPPINGS("mappings"),
    /** Bytes. */
    BYTES("bytes"),
    /** Nanoseconds of virtual time (measured time on the Linux backend). */
    NANOSECONDS("ns"),
    /** A share between 0 and 1. */
    FRACTION("fraction"),
    /** 4 KiB data movements per page. */
    MOVEMENTS_PER_PAGE("movements per page"),
    /** Each entry in the unit of the counter it follows. */
    PER_COUNTER("each counter's");

    private final String label;

    Unit(String label) {
        this.label = label;
    }

    /** The unit as docs/METRICS.md writes it. */
    public String label() {
        return label;
    }
}
