package dev.copyless.linux;

import dev.copyless.mm.MigrationOrder;
import dev.copyless.scenario.ScenarioException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The benchmark behind {@code copyless linux-bench}: for each page count, each swap case and
 * each pairing, every path of {@link #PATHS} runs {@code repeat} times (interleaved, each on a
 * fresh guest RAM, {@link LinuxDemo#runPath}), timed per page and verified page by page. The
 * two cases: {@link SwapCase#SWAP_CACHE} (right after one {@code MADV_PAGEOUT}: faults hit the
 * swap cache and read nothing) and {@link SwapCase#DEVICE} (page out, populate, page out again:
 * every swap-in reads the device); the {@code pswpin} delta of each path says which one it was.
 * Each path's figures carry the mappings guest RAM spans after it ran, and its ratios to naive
 * and to the raw swap-in in place (the floor). Changes no system-wide setting. Measurement;
 * implements no claim.
 */
public final class LinuxBench {
    private LinuxBench() {}

    /** The paths, in the order they run within one repetition. */
    public static final List<String> PATHS = List.of("naive", "linux-move-per-page", "linux-move", "copyless",
            "copyless-map-then-migrate", "raw-swap-in");

    /** The floor every ratio is also taken against: the swap-in of the sources in place. */
    public static final String FLOOR = "raw-swap-in";

    /** How the sources were paged out. */
    public enum SwapCase {
        SWAP_CACHE("swap-cache", "hits in the swap cache (right after one MADV_PAGEOUT)"),
        DEVICE("device", "swap-ins that read the device (MADV_PAGEOUT, MADV_POPULATE_READ, MADV_PAGEOUT)");

        private final String key;
        private final String label;

        SwapCase(String key, String label) {
            this.key = key;
            this.label = label;
        }

        public String key() {
            return key;
        }

        public String label() {
            return label;
        }
    }

    /** One path's repetitions in one cell. */
    public record PathFigures(String path, int pages, List<PathResultSummary> runs) {
        public double medianNsPerPage() {
            return median(runs.stream().mapToDouble(PathResultSummary::nsPerPage).toArray());
        }

        public double medianPswpin() {
            return median(runs.stream().mapToDouble(PathResultSummary::pswpin).toArray());
        }

        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("ns_per_page", round1(medianNsPerPage()));
            m.put("ns_per_page_runs", runs.stream().map(r -> round1(r.nsPerPage())).toList());
            m.put("pswpin", Math.round(medianPswpin()));
            m.put("pswpin_runs", runs.stream().map(PathResultSummary::pswpin).toList());
            m.put("pgmajfault", Math.round(median(runs.stream().mapToDouble(PathResultSummary::pgmajfault).toArray())));
            m.put("pages_swapped_before", runs.stream().mapToInt(PathResultSummary::pagesSwappedBefore).min().orElse(0));
            m.put("pages_verified", runs.stream().mapToLong(PathResultSummary::pagesVerified).sum());
            m.put("pages_corrupt", runs.stream().mapToLong(PathResultSummary::pagesCorrupt).sum());
            m.put("pages_refused", runs.stream().mapToLong(PathResultSummary::pagesRefused).sum());
            m.put("mappings_before", runs.stream().mapToInt(PathResultSummary::mappingsBefore).max().orElse(0));
            m.put("mappings_after", runs.stream().mapToInt(PathResultSummary::mappingsAfter).max().orElse(0));
            return m;
        }
    }

    /** What a cell keeps of one {@link LinuxDemo.PathResult}. */
    public record PathResultSummary(double nsPerPage, long pswpin, long pgmajfault, int pagesSwappedBefore,
                                    int pagesVerified, int pagesCorrupt, int pagesRefused, int mappingsBefore,
                                    int mappingsAfter) {
        static PathResultSummary of(LinuxDemo.PathResult r) {
            return new PathResultSummary(r.nsPerPage(), r.delta().pswpin(), r.delta().pgmajfault(), r.pagesSwappedBefore(),
                    r.pagesVerified(), r.pagesCorrupt(), r.pagesRefused(), r.mappingsBefore(), r.mappingsAfter());
        }
    }

    /** One page count, swap case and pairing: every path. */
    public record Cell(int pages, SwapCase swapCase, boolean shuffled, Map<String, PathFigures> paths) {
        /** copyless (migrate-before-map) over every other path but map-then-migrate, in median ns per page. */
        public Map<String, Double> ratios() {
            Map<String, Double> m = new LinkedHashMap<>();
            for (String other : List.of("naive", "linux-move-per-page", "linux-move", FLOOR)) {
                m.put("copyless/" + other, ratio("copyless", other));
            }
            return m;
        }

        /** Median ns per page of {@code path} over that of {@code other}, to 3 decimals (NaN when other is 0). */
        public double ratio(String path, String other) {
            double o = paths.get(other).medianNsPerPage();
            return o == 0 ? Double.NaN : Math.round(paths.get(path).medianNsPerPage() / o * 1000) / 1000.0;
        }

        public long pagesCorrupt() {
            return paths.values().stream().mapToLong(p -> ((Number) p.toMap().get("pages_corrupt")).longValue()).sum();
        }
    }

    /** The whole benchmark. */
    public record Result(int[] nodes, String placementNote, int repeat, MovePrimitive primitive, List<Cell> cells,
                         List<String> skipped) {}

    /**
     * Checks that swap is usable and big enough, then runs every cell.
     *
     * @throws ScenarioException when it cannot run here (one line saying why and what to do)
     */
    public static Result run(int[] pageCounts, int repeat, List<Boolean> pairings, long seed) {
        if (pageCounts.length == 0) {
            throw new ScenarioException("--pages needs at least one page count");
        }
        int maxPages = Arrays.stream(pageCounts).max().getAsInt();
        for (int p : pageCounts) {
            if (p < 1 || p > (1 << 20)) {
                throw new ScenarioException("--pages must be between 1 and " + (1 << 20) + ", got " + p);
            }
        }
        if (repeat < 1 || repeat > 100) {
            throw new ScenarioException("--repeat must be between 1 and 100, got " + repeat);
        }
        LinuxHost.swapUnusableReason().ifPresent(r -> {
            throw new ScenarioException(r);
        });
        long free = LinuxHost.freeSwapPages();
        if (free < maxPages + 1024L) {
            throw new ScenarioException("swap is too small: " + maxPages + " pages need " + (maxPages + 1024L) * 4 / 1024
                    + " MiB of free swap and " + free * 4 / 1024 + " MiB are free; enable a bigger swap file "
                    + LinuxHost.ENABLE_SWAP_HINT);
        }
        LinuxDemo.warmUp(List.of("naive", "linux-move-per-page", "linux-move", "copyless", FLOOR),
                MigrationOrder.MIGRATE_BEFORE_MAP, seed);
        MovePrimitive primitive = MovePrimitive.detect();
        List<Cell> cells = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        for (int pages : pageCounts) {
            for (boolean shuffled : pairings) {
                if (shuffled && pages > LinuxDemo.maxPages()) {
                    skipped.add(pages + " pages, shuffled pairing: " + primitive.note());
                    continue;
                }
                for (SwapCase c : SwapCase.values()) {
                    Map<String, List<PathResultSummary>> runs = new LinkedHashMap<>();
                    PATHS.forEach(p -> runs.put(p, new ArrayList<>()));
                    for (int r = 0; r < repeat; r++) {
                        for (String p : PATHS) {
                            runs.get(p).add(PathResultSummary.of(runOne(p, pages, seed + r, shuffled, c == SwapCase.DEVICE)));
                        }
                    }
                    Map<String, PathFigures> figs = new LinkedHashMap<>();
                    runs.forEach((p, l) -> figs.put(p, new PathFigures(p, pages, List.copyOf(l))));
                    cells.add(new Cell(pages, c, shuffled, figs));
                }
            }
        }
        String note;
        try (GuestRam probe = GuestRam.create(1, 1)) {
            note = probe.placementNote();
        }
        return new Result(LinuxHost.onlineNodes(), note, repeat, primitive, cells, skipped);
    }

    private static LinuxDemo.PathResult runOne(String path, int pages, long seed, boolean shuffled, boolean device) {
        return switch (path) {
            case "copyless" -> LinuxDemo.runPath("copyless", pages, MigrationOrder.MIGRATE_BEFORE_MAP, seed, shuffled, device);
            case "copyless-map-then-migrate" ->
                    LinuxDemo.runPath("copyless", pages, MigrationOrder.MAP_THEN_MIGRATE, seed, shuffled, device);
            default -> LinuxDemo.runPath(path, pages, MigrationOrder.MIGRATE_BEFORE_MAP, seed, shuffled, device);
        };
    }

    static double median(double[] v) {
        if (v.length == 0) {
            return 0;
        }
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static double round1(double v) {
        return Math.round(v * 10) / 10.0;
    }
}
