package dev.copyless.cli;

import dev.copyless.linux.Calibration;
import dev.copyless.scenario.CostProfile;
import dev.copyless.scenario.ScenarioException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code copyless calibrate}: measures this host's swap, fault, copy, remap, {@code move_pages},
 * TLB shootdown and moved-page-list costs ({@link Calibration}) and prints them (table, or one
 * JSON object), and with {@code --out FILE} writes the cost-model profile that
 * {@code --cost-profile FILE} loads. When swap is unusable here it says so in one line, exit 2.
 */
@Command(name = "calibrate", mixinStandardHelpOptions = true,
        description = {"Measure this host's costs and write a cost-model profile for --cost-profile.",
                "Swap-in at queue depth 1 and in a batch, swap-out, first-touch fault, clear_page, 4 KiB copy, remap per page"
                        + " (UFFDIO_MOVE and mremap, contiguous and scattered, resident and swapped), move_pages, a TLB shootdown"
                        + " (munmap with and without another thread on the other CPU) and the moved-page list lookup; median,"
                        + " p10 and p90 per page. The hypercall exit is a published figure (no VMX here). Needs root and an"
                        + " active swap device; runs in the test VM too (copyless vm -- calibrate)."})
final class CalibrateCommand implements Callable<Integer> {

    @Option(names = "--pages", paramLabel = "N", defaultValue = "4096",
            description = "Pages per batch measurement (" + Calibration.MIN_PAGES + ".." + Calibration.MAX_PAGES
                    + "; default: ${DEFAULT-VALUE}).")
    int pages;

    @Option(names = "--repeat", paramLabel = "R", defaultValue = "7",
            description = "Repetitions of each batch measurement (3..1000; default: ${DEFAULT-VALUE}).")
    int repeat;

    @Option(names = "--out", paramLabel = "FILE", description = "Write the cost-model profile (YAML) to FILE.")
    Path out;

    @Mixin
    FormatOption format;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        Calibration.checkArguments(pages, repeat);
        if (out != null) {
            Path parent = out.toAbsolutePath().getParent();
            if (parent == null || !Files.isDirectory(parent)) {
                throw new ScenarioException("--out " + out + ": the folder " + parent + " does not exist");
            }
            if (Files.isDirectory(out)) {
                throw new ScenarioException("--out " + out + ": is a folder; give a file name");
            }
        }
        Calibration.Result r = Calibration.run(pages, repeat);
        PrintWriter o = spec.commandLine().getOut();
        if (format.json()) {
            Output.printJson(o, json(r));
        } else {
            table(o, r);
        }
        o.flush();
        if (out != null) {
            write(out, r.profile());
            spec.commandLine().getErr().println("wrote the cost profile " + out + " (load it with --cost-profile " + out + ")");
        }
        return 0;
    }

    static void write(Path file, CostProfile p) {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            Files.writeString(tmp, p.toYaml(), StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new ScenarioException("--out " + file + ": cannot write it (" + e.getMessage() + ")");
        }
    }

    static Map<String, Object> json(Calibration.Result r) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("date", r.date());
        root.put("kernel", r.kernel());
        root.put("cpu", r.cpu());
        root.put("cpus", r.cpus());
        root.put("nodes", Arrays.stream(r.nodes()).boxed().toList());
        root.put("pages", r.pages());
        root.put("repeat", r.repeat());
        Map<String, Object> m = new LinkedHashMap<>();
        for (Calibration.Figure f : r.figures()) {
            Map<String, Object> v = new LinkedHashMap<>();
            v.put("what", f.what());
            if (f.measured()) {
                v.put("median_ns", round(f.median()));
                v.put("p10_ns", round(f.p10()));
                v.put("p90_ns", round(f.p90()));
                v.put("samples", f.samples());
            } else if (!Double.isNaN(f.median())) {
                v.put("value_ns", round(f.median()));
            }
            if (!f.note().isEmpty()) {
                v.put("note", f.note());
            }
            m.put(f.key(), v);
        }
        root.put("measurements", m);
        Map<String, Object> prof = new LinkedHashMap<>();
        prof.put("cost", r.profile().cost());
        prof.put("source", r.profile().source());
        Map<String, Object> swap = new LinkedHashMap<>();
        swap.put("read_latency_ns", r.profile().swapReadNs());
        swap.put("write_latency_ns", r.profile().swapWriteNs());
        swap.put("bandwidth_bytes_per_second", r.profile().swapBytesPerSecond());
        swap.put("source", r.profile().swapSource());
        prof.put("swap", swap);
        root.put("profile", prof);
        return root;
    }

    private static double round(double v) {
        return Math.round(v * 10) / 10.0;
    }

    static void table(PrintWriter o, Calibration.Result r) {
        o.printf(Locale.ROOT, "copyless calibrate %s: Linux %s, %s, %d CPUs, nodes %s, %,d pages x %d%n", r.date(), r.kernel(),
                r.cpu(), r.cpus(), Arrays.toString(r.nodes()), r.pages(), r.repeat());
        o.printf(Locale.ROOT, "%-38s %12s %12s %12s %9s  %s%n", "measurement (ns per page)", "median", "p10", "p90", "samples",
                "what");
        for (Calibration.Figure f : r.figures()) {
            if (f.measured()) {
                o.printf(Locale.ROOT, "%-38s %,12.0f %,12.0f %,12.0f %,9d  %s%s%n", f.key(), f.median(), f.p10(), f.p90(),
                        f.samples(), f.what(), f.note().isEmpty() ? "" : " [" + f.note() + "]");
            } else if (!Double.isNaN(f.median())) {
                o.printf(Locale.ROOT, "%-38s %,12.0f %12s %12s %9s  %s [%s]%n", f.key(), f.median(), "-", "-", "-", f.what(),
                        f.note());
            } else {
                o.printf(Locale.ROOT, "%-38s %12s %12s %12s %9s  %s [not measured: %s]%n", f.key(), "-", "-", "-", "-", f.what(),
                        f.note());
            }
        }
        o.println();
        o.println("profile (--cost-profile):");
        r.profile().cost().forEach((k, v) -> o.printf(Locale.ROOT, "  cost.%-22s %,10d ns   <- %s%n", k, v,
                r.profile().source().get(k)));
        o.printf(Locale.ROOT, "  swap read-latency %,d ns, write-latency %,d ns, bandwidth %,d B/s   <- %s%n",
                r.profile().swapReadNs(), r.profile().swapWriteNs(), r.profile().swapBytesPerSecond(), r.profile().swapSource());
    }
}
