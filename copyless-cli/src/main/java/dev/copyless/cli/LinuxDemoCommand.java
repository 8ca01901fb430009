package dev.copyless.cli;

import dev.copyless.linux.LinuxDemo;
import dev.copyless.linux.LinuxHost;
import dev.copyless.mm.MigrationOrder;
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
 * {@code copyless linux-demo}: the balancing-migration paths (naive, linux-move one page and
 * 512 pages per {@code move_pages} call, copyless) on this machine's real memory and swap
 * ({@link LinuxDemo}), side by side, or one JSON object {@code {"pages": N, "nodes": [...],
 * "primitive": "uffdio-move", "paths": {"naive": {...}, ...}}}; each path carries
 * {@code mappings_before} and {@code mappings_after}. When the process cannot use swap it says
 * so in one line with what to do, exit code 2.
 */
@Command(name = "linux-demo", mixinStandardHelpOptions = true,
        description = {"Migrate swapped pages several ways on this host's real memory and swap.",
                "Maps guest RAM (two vNodes bound with MPOL_BIND), pages N source pages out (MADV_PAGEOUT), and"
                        + " migrates them to free pages of the other vNode: naive (read and copy), linux-move-per-page"
                        + " and linux-move (fault in + move_pages, 1 or 512 pages per call) and copyless (UFFDIO_MOVE"
                        + " moves the swap entries, no data read, guest RAM stays one mapping; then MADV_WILLNEED +"
                        + " MADV_POPULATE_READ; mremap on kernels before 6.8). Verifies every page and counts guest RAM's"
                        + " mappings before and after. Needs root and an active swap device."})
final class LinuxDemoCommand implements Callable<Integer> {

    @Option(names = "--pages", paramLabel = "N", defaultValue = "4096",
            description = "Pages migrated by each path (default: ${DEFAULT-VALUE}).")
    int pages;

    @Option(names = "--order", paramLabel = "ORDER", defaultValue = "migrate-before-map",
            description = "The copyless path's order: migrate-before-map (populate B at once) or map-then-migrate"
                    + " (B swapped in on first touch, here the verification) (default: ${DEFAULT-VALUE}).")
    String order;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the source-to-destination pairing (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--sequential", description = "Pair source gfn i with destination gfn N + i (copyless moves the batch"
            + " in one call) instead of a seeded shuffle (one call per page).")
    boolean sequential;

    @Option(names = "--check-placement", description = {"Then hold the result to claim 1 on a host with two nodes (the test VM:"
            + " copyless vm -- linux-demo --check-placement): every page verified and on the destination node, copyless with"
            + " no swap-in on the source node and no byte copied across, naive and linux-move with one of each per page;"
            + " exit code 1 and one line per problem otherwise."})
    boolean checkPlacement;

    @Mixin
    FormatOption format;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        MigrationOrder o;
        try {
            o = MigrationOrder.fromKey(order);
        } catch (IllegalArgumentException e) {
            throw new ScenarioException("--order: " + e.getMessage());
        }
        if (checkPlacement && LinuxHost.onlineNodes().length < 2) {
            throw new ScenarioException("--check-placement needs a host with two NUMA nodes and this one has one; run it in the"
                    + " test VM: copyless vm -- linux-demo --check-placement");
        }
        LinuxDemo.Result r = LinuxDemo.run(pages, o, seed, !sequential);
        PrintWriter out = spec.commandLine().getOut();
        if (format.json()) {
            json(out, r);
        } else {
            table(out, r);
        }
        if (checkPlacement) {
            PrintWriter err = spec.commandLine().getErr();
            List<String> problems = LinuxDemo.placementProblems(r);
            for (String p : problems) {
                err.println("copyless linux-demo: placement check failed: " + p);
            }
            if (problems.isEmpty()) {
                err.printf(Locale.ROOT, "placement check: ok (%,d pages per path, node %d -> node %d: copyless put every page on the"
                        + " destination node with no swap-in on the source node; naive and linux-move swapped each in on the"
                        + " source node and copied it across)%n", r.pages(), r.sourceNode(), r.destinationNode());
            }
            err.flush();
            return problems.isEmpty() ? 0 : 1;
        }
        return 0;
    }

    static void json(PrintWriter out, LinuxDemo.Result r) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("pages", r.pages());
        root.put("nodes", Arrays.stream(r.nodes()).boxed().toList());
        root.put("source_node", r.sourceNode());
        root.put("destination_node", r.destinationNode());
        root.put("copyless_order", r.order().key());
        root.put("pairing", r.shuffled() ? "shuffled" : "sequential");
        root.put("primitive", r.primitive().key());
        if (!r.placementNote().isEmpty()) {
            root.put("note", r.placementNote());
        }
        if (!r.primitive().note().isEmpty()) {
            root.put("primitive_note", r.primitive().note());
        }
        Map<String, Object> paths = new LinkedHashMap<>();
        r.paths().forEach((k, v) -> paths.put(k, v.toJson()));
        root.put("paths", paths);
        Output.printJson(out, root);
    }

    static void table(PrintWriter out, LinuxDemo.Result r) {
        out.printf(Locale.ROOT, "linux-demo: %,d pages per path, vNode 0 (node %d) -> vNode 1 (node %d); host nodes %s;"
                        + " copyless order %s, primitive %s; %s pairing; swap %s%n",
                r.pages(), r.sourceNode(), r.destinationNode(), Arrays.toString(r.nodes()), r.order().key(), r.primitive().key(),
                r.shuffled() ? "shuffled" : "sequential", LinuxHost.swapAreas().stream().map(LinuxHost.SwapArea::name).toList());
        if (!r.placementNote().isEmpty()) {
            out.println("note: " + r.placementNote());
        }
        if (!r.primitive().note().isEmpty()) {
            out.println("note: " + r.primitive().note());
        }
        out.println();
        List<String> cols = new ArrayList<>(r.paths().keySet());
        StringBuilder head = new StringBuilder(String.format(Locale.ROOT, "%-28s", "metric"));
        for (String c : cols) {
            head.append(String.format(Locale.ROOT, "%21s", c));
        }
        head.append(String.format(Locale.ROOT, "%16s", "copyless/naive"));
        out.println(head);
        out.println("-".repeat(head.length()));
        for (String key : r.paths().get(cols.get(0)).toMap().keySet()) {
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-28s", key));
            for (String c : cols) {
                line.append(String.format(Locale.ROOT, "%21s",
                        Output.fmt(((Number) r.paths().get(c).toMap().get(key)).doubleValue())));
            }
            double cl = ((Number) r.paths().get("copyless").toMap().get(key)).doubleValue();
            double nv = ((Number) r.paths().get("naive").toMap().get(key)).doubleValue();
            line.append(String.format(Locale.ROOT, "%16s", Output.ratio(cl, nv)));
            out.println(line);
        }
        out.println();
        out.println("pswpin, pswpout, pgmajfault: /proc/vmstat deltas (system-wide); process_majflt: this process only;"
                + " mappings: /proc/self/maps entries spanning guest RAM before and after the migration.");
        if (r.paths().values().iterator().next().placement() != null) {
            out.println("pages_on_destination_node, source_node_swapins: each page's node read back (move_pages query);"
                    + " cross_node_bytes_copied: our copies between nodes and the kernel's page migrations (pgmigrate_success).");
            out.println();
            out.println("page allocations per node over each path (numa_hit delta of /sys/devices/system/node/nodeN/numastat,"
                    + " system-wide):");
            for (LinuxDemo.PathResult p : r.paths().values()) {
                StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "  %-22s", p.path()));
                for (int node : p.placement().nodeDelta().nodes()) {
                    line.append(String.format(Locale.ROOT, "  node %d %+,8d", node, p.placement().nodeDelta().get(node, "numa_hit")));
                }
                out.println(line);
            }
        }
    }
}
