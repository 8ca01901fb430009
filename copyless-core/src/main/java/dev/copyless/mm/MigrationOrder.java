package dev.copyless.mm;

/**
 * The two orders in which the host may carry out a copyless migration request, chosen per
 * request by the guest.
 */
public enum MigrationOrder {
    /**
     * Claims 2-5 (system claims 15-18): remove the source gfn's mapping, map the new source
     * location to the destination gfn, and migrate the data (read from the new source, write
     * into the destination node) when the guest first touches the destination, after which
     * the destination node's frame is mapped to the destination vNode.
     */
    MAP_THEN_MIGRATE("map-then-migrate"),
    /**
     * Claims 6-8 (system claim 19): read the data from the new source location and write it
     * into the destination node first, and only then do the mapping.
     */
    MIGRATE_BEFORE_MAP("migrate-before-map");

    private final String key;

    MigrationOrder(String key) {
        this.key = key;
    }

    /** The scenario/CLI spelling. */
    public String key() {
        return key;
    }

    public static MigrationOrder fromKey(String key) {
        for (MigrationOrder o : values()) {
            if (o.key.equals(key)) {
                return o;
            }
        }
        throw new IllegalArgumentException("unknown migration order '" + key
                + "'; expected map-then-migrate or migrate-before-map");
    }
}
