package dev.copyless.metrics;

import java.util.Arrays;
import java.util.stream.Collectors;

/** A list a run reports beside its numbers: in the JSON output (and the report's charts), not in tables or CSV. */
public enum Detail implements Metric {
    LOST_PAGES("lost_pages", Unit.PAGES,
            "One `{vm, gfn, reason, detected}` per lost page. The CLI also prints them as a warning on stderr."),
    REMOTE_ACCESS_FRACTION_OVER_TIME("remote_access_fraction_over_time", Unit.FRACTION,
            "List of `{t_ms, remote_fraction}`, one entry per time bucket (`metrics.time-buckets`) in which the "
                    + "guests made an access."),
    LINK_UTILISATION_OVER_TIME("link_utilisation_over_time", Unit.FRACTION,
            "`t_ms` (end of each time bucket) and, per directed link between two host nodes (`\"0->1\"`), its "
                    + "utilisation in each bucket: bytes carried / (bucket length x `host.link-bandwidth`), in [0, 1]. "
                    + "Empty on a one-node host and on the Linux backend."),
    COUNTERS_OVER_TIME("counters_over_time", Unit.PER_COUNTER, null) {
        @Override
        public String meaning() {
            return "`t_ms` (end of each time bucket) and the cumulative value at each bucket's end of "
                    + Arrays.stream(RunMetrics.SAMPLED).map(c -> "`" + c.metricName() + "`")
                            .collect(Collectors.joining(", ")) + ".";
        }
    };

    private final String name;
    private final Unit unit;
    private final String meaning;

    Detail(String name, Unit unit, String meaning) {
        this.name = name;
        this.unit = unit;
        this.meaning = meaning;
    }

    @Override
    public String metricName() {
        return name;
    }

    @Override
    public String vmstat() {
        return "";
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
