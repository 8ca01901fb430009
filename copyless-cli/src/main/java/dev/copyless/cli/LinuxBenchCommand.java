package dev.copyless.cli;

import dev.copyless.linux.LinuxBench;
import dev.copyless.linux.LinuxHost;
import dev.copyless.scenario.ScenarioException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code copyless linux-bench}: time per page of each migration path on this machine's real
 * memory and swap ({@link LinuxBench}), for swap-cache hits and for swap-ins that read the
 * device, both pairings by default; per path its {@code pswpin}, the mappings guest RAM spans
 * after it, and its ratios to naive and to the raw swap-in in place (the floor). A table or one
 * JSON object {@code {"repeat": R, "nodes": [...], "primitive": ..., "results": [{"pages": N,
 * "case": ..., "pairing": ..., "paths": {...}, "ratios": {...}}, ...]}}. When the process
 * cannot use swap it says so in one line, exit code 2.
 */
@Command(name = "linux-bench", mixinStandardHelpOptions = true,
        description = {"Benchmark of the migration paths on this Linux host's real memory and swap: for each page count,",
                "pairing, and swap case (swap-cache hits right after one MADV_PAGEOUT; device reads after page out,",
                "populate, page out again): ns per page of naive, linux-move (1 and 512 pages per move_pages call),",
                "copyless (migrate-before-map; map-then-migrate too) and the raw swap-in in place (MADV_WILLNEED +",
                "MADV_POPULATE_READ, the floor); pswpin, mappings after and ratios to naive and to the floor per path;",
                "every page verified. Needs root and swap."})
final class LinuxBenchCommand implements Callable<Integer> {

    @Option(names = "--pages", paramLabel = "N[,N...]", split = ",", defaultValue = "4096,65536",
            description = "Swapped source pages per path (default: ${DEFAULT-VALUE}).")
    int[] pages;

    @Option(names = "--repeat", paramLabel = "R", defaultValue = "3",
            description = "Repetitions of every path, each on fresh guest RAM; the median is reported (default: ${DEFAULT-VALUE}).")
    int repeat;

    @Option(names = "--pairing", paramLabel = "P[,P...]", split = ",", defaultValue = "sequential,shuffled",
            description = "sequential (gfn i -> N + i: copyless moves the batch in one call) and/or shuffled (seeded; one"
                    + " call per page) (default: ${DEFAULT-VALUE}).")
    List<String> pairing;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the shuffled pairing (default: ${DEFAULT-VALUE}).")
    long seed;

    @Mixin
    FormatOption format;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        List<Boolean> shuffled = new ArrayList<>();
        for (String p : pairing) {
            switch (p.trim()) {
                case "sequential" -> shuffled.add(false);
                case "shuffled" -> shuffled.add(true);
                default -> throw new ScenarioException("--pairing: expected sequential or shuffled, got '" + p + "'");
            }
        }
        LinuxBench.Result r = LinuxBench.run(pages, repeat, shuffled.stream().distinct().toList(), seed);
        PrintWriter out = spec.commandLine().getOut();
        if (format.json()) {
            json(out, r);
        } else {
            table(out, r);
        }
        return 0;
    }

    static void json(PrintWriter out, LinuxBench.Result r) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("repeat", r.repeat());
        root.put("nodes", Arrays.stream(r.nodes()).boxed().toList());
        root.put("swap", LinuxHost.swapAreas().stream().map(d -> d.name() + ":" + d.type()).toList());
        root.put("primitive", r.primitive().key());
        if (!r.placementNote().isEmpty()) {
            root.put("note", r.placementNote());
        }
        if (!r.primitive().note().isEmpty()) {
            root.put("primitive_note", r.primitive().note());
        }
        List<Object> results = new ArrayList<>();
        for (LinuxBench.Cell c : r.cells()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("pages", c.pages());
            m.put("case", c.swapCase().key());
            m.put("case_label", c.swapCase().label());
            m.put("pairing", c.shuffled() ? "shuffled" : "sequential");
            Map<String, Object> paths = new LinkedHashMap<>();
            c.paths().forEach((k, v) -> {
                Map<String, Object> p = v.toMap();
                p.put("vs_naive", c.ratio(k, "naive"));
                p.put("vs_raw_swap_in", c.ratio(k, LinuxBench.FLOOR));
                paths.put(k, p);
            });
            m.put("paths", paths);
            m.put("ratios", c.ratios());
            m.put("pages_corrupt", c.pagesCorrupt());
            results.add(m);
        }
        root.put("results", results);
        root.put("skipped", r.skipped());
        Output.printJson(out, root);
    }

    static void table(PrintWriter out, LinuxBench.Result r) {
        out.printf(Locale.ROOT, "linux-bench: median of %d run(s) per path, each on fresh guest RAM; copyless primitive %s;"
                        + " host nodes %s; swap %s%n",
                r.repeat(), r.primitive().key(), Arrays.toString(r.nodes()),
                LinuxHost.swapAreas().stream().map(LinuxHost.SwapArea::name).toList());
        if (!r.placementNote().isEmpty()) {
            out.println("note: " + r.placementNote());
        }
        if (!r.primitive().note().isEmpty()) {
            out.println("note: " + r.primitive().note());
        }
        String fmt = "  %-27s%12s%30s%9s%12s%8s%10s%10s%9s%n";
        for (LinuxBench.Cell c : r.cells()) {
            out.println();
            out.printf(Locale.ROOT, "%,d pages, %s pairing, %s:%n", c.pages(), c.shuffled() ? "shuffled" : "sequential",
                    c.swapCase().label());
            String head = String.format(Locale.ROOT, fmt, "path", "ns/page", "runs ns/page", "pswpin", "pgmajfault",
                    "maps", "/naive", "/floor", "corrupt");
            out.print(head);
            out.println("  " + "-".repeat(head.strip().length()));
            c.paths().forEach((k, v) -> {
                Map<String, Object> m = v.toMap();
                out.printf(Locale.ROOT, fmt, k, String.format(Locale.ROOT, "%,.1f", (double) m.get("ns_per_page")),
                        m.get("ns_per_page_runs").toString().replace(" ", ""), m.get("pswpin"), m.get("pgmajfault"),
                        m.get("mappings_after"), String.format(Locale.ROOT, "%.3f", c.ratio(k, "naive")),
                        String.format(Locale.ROOT, "%.3f", c.ratio(k, LinuxBench.FLOOR)), m.get("pages_corrupt"));
            });
        }
        for (String s : r.skipped()) {
            out.println();
            out.println("skipped: " + s);
        }
        out.println();
        out.println("copyless = migrate-before-map (the entries moved, then B swapped in with the batch's reads in flight"
                + " together: timed); copyless-map-then-migrate times only the moves (B is swapped in later, on first touch);"
                + " raw-swap-in = MADV_WILLNEED + MADV_POPULATE_READ of the sources in place (the floor). maps: mappings"
                + " spanning guest RAM after the path. pswpin, pgmajfault: /proc/vmstat deltas (system-wide) of the timed part.");
    }
}
