package dev.copyless.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.copyless.input.BoundedInput;
import dev.copyless.linux.Calibration;
import dev.copyless.linux.HostReclaim;
import dev.copyless.linux.RealClock;
import dev.copyless.linux.LinuxHost;
import dev.copyless.metrics.RunResult;
import dev.copyless.scenario.CostProfile;
import dev.copyless.scenario.Scenario;
import dev.copyless.scenario.ScenarioException;
import dev.copyless.scenario.ScenarioParser;
import dev.copyless.sim.HostFactory;
import dev.copyless.vm.VmAssets;
import dev.copyless.vm.VmException;
import dev.copyless.vm.VmSpec;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
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
 * {@code copyless fidelity [--scenario F] [--profile FILE] [--format json]}: holds the simulator
 * to the real kernel. In one boot of the two-node test VM ({@link VmCommand#boot}) it calibrates
 * the VM's costs ({@link Calibration}, unless {@code --profile} gives a profile) and runs the
 * scenario under {@code none}, {@code naive} and {@code copyless} on the Linux backend with the
 * kernel's own reclaim ({@link HostReclaim#KERNEL}), {@code --real-runs} times, on the modelled
 * clock ({@link RealClock#MODELLED}: each operation charged the profile's price, as the simulator
 * charges it, so both sides do the same work per second and differ only by what the kernel
 * decides); then it runs the same scenario, with the same profile applied and the same seed, in
 * the simulator, and prints per policy each metric of {@link Fidelity#METRICS} as simulated, the
 * real runs' mean and range, and simulated/real (docs/FIDELITY.md).
 *
 * <p>The part inside the VM is this command with the hidden {@code --in-vm}: it prints one JSON
 * object (the profile it used and the Linux backend's per-policy results), which {@code --keep-real}
 * saves and {@code --real} reads back instead of booting.
 */
@Command(name = "fidelity", mixinStandardHelpOptions = true,
        description = {"Hold the simulator to the real kernel: simulated/real ratio of each counter, per policy.",
                "Boots the two-node test VM once (copyless vm): calibrates the VM's costs (copyless calibrate) and runs the"
                        + " scenario under none, naive and copyless on the Linux backend with the kernel's own reclaim"
                        + " (--host-reclaim kernel); then runs the same scenario in the simulator with that cost profile"
                        + " (its swap timing is the VM's virtio disk) and the same seed, and prints simulated, real and"
                        + " simulated/real for pswpin, pswpout, pgmajfault, numa_pages_migrated, balanced_moved_pages,"
                        + " moved_page_data_movements and source_node_swapins (docs/FIDELITY.md). Takes a few minutes.",
                "Example: copyless fidelity --format json"})
final class FidelityCommand implements Callable<Integer> {
    /** The embedded fidelity scenario: busy balancing on two 24 MiB nodes, sized for the VM under TCG. */
    static final String SCENARIO_RESOURCE = "/dev/copyless/cli/fidelity-scenario.yaml";

    /** The VM: the shape docs/VM.md measured (2 x 1 GiB nodes, one vCPU each, a 1 GiB virtio swap disk). */
    static final VmSpec VM = VmSpec.of(2, "1G", 2, "1G", 20);

    /** Calibration inside the VM: small, Java under TCG is slow. */
    static final int CALIBRATE_PAGES = 128;
    static final int CALIBRATE_REPEAT = 3;

    /** Marks the in-VM part's JSON, so that {@code --real} refuses another file. */
    static final String KIND = "copyless-fidelity-real";

    /** The multi-gen LRU's switch in the VM's kernel. */
    static final Path LRU_GEN = Path.of("/sys/kernel/mm/lru_gen/enabled");

    /** The VM kernel's multi-gen LRU: {@code on} (any feature bit set), {@code off}, or {@code absent}. */
    private static String lruGenNow() {
        try {
            String v = Files.readString(LRU_GEN).strip();
            return v.equals("0x0000") || v.equals("n") ? "off" : "on";
        } catch (IOException e) {
            return "absent";
        }
    }

    /** The most real runs per policy. */
    static final int MAX_REAL_RUNS = 10;

    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = "--scenario", paramLabel = "FILE",
            description = "Scenario YAML (default: the embedded fidelity scenario, two 24 MiB nodes under busy balancing for 1 s;"
                    + " keep it small: Java in the VM is slow).")
    Path scenario;

    @Option(names = "--profile", paramLabel = "FILE",
            description = "A cost profile (copyless calibrate --out FILE, best measured in the VM: copyless vm -- calibrate)"
                    + " to use on both sides instead of calibrating in the VM.")
    Path profile;

    @Option(names = "--keep-real", paramLabel = "FILE",
            description = "Also write the VM's output (the profile it used and the Linux backend's results) to FILE.")
    Path keepReal;

    @Option(names = "--real", paramLabel = "FILE",
            description = "Do not boot: read the VM's output from FILE (written by --keep-real) and run the simulator side only.")
    Path real;

    @Option(names = "--timeout", paramLabel = "TIME", defaultValue = "30min",
            description = "Stop the VM after this long, e.g. 10min, 90s (default: ${DEFAULT-VALUE}).")
    String timeout;

    @Option(names = "--real-runs", paramLabel = "N", defaultValue = "3",
            description = "Real runs of each policy in the VM (default: ${DEFAULT-VALUE}): the ratio is to their mean, and"
                    + " their range is printed; 1 to 10.")
    int realRuns;

    @Option(names = "--lru-gen", paramLabel = "on|off",
            description = "The VM kernel's multi-gen LRU (/sys/kernel/mm/lru_gen/enabled) for the real runs: on (Debian's"
                    + " default, used when not given) or off (the two-list active/inactive reclaim).")
    String lruGen;

    @Option(names = "--in-vm", hidden = true, description = "The part that runs inside the test VM.")
    boolean inVm;

    @Option(names = "--scenario-text", hidden = true, description = "In the VM: the scenario YAML, base64.")
    String scenarioText;

    @Option(names = "--profile-text", hidden = true, description = "In the VM: the cost profile YAML, base64.")
    String profileText;

    @Mixin
    FormatOption format;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        try {
            return run();
        } catch (VmFailure e) {
            PrintWriter err = spec.commandLine().getErr();
            err.println(CopylessCommand.ERROR + CopylessCommand.oneLine(e.getMessage()));
            err.flush();
            return 1;
        }
    }

    private int run() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (inVm) {
            return inVm(out, err);
        }
        Duration limit = limit(timeout);
        if (real != null && keepReal != null) {
            throw new ScenarioException("--keep-real: only when the VM runs; with --real FILE nothing new is measured");
        }
        if (real != null && profile != null) {
            throw new ScenarioException("--profile: the profile comes from the --real file (the one the VM used); drop --profile");
        }
        if (keepReal != null) {
            checkWritable(keepReal, "--keep-real");
        }
        if (lruGen != null && !lruGen.equals("on") && !lruGen.equals("off")) {
            throw new ScenarioException("--lru-gen: expected on or off, got '" + lruGen + "'");
        }
        if (realRuns < 1 || realRuns > MAX_REAL_RUNS) {
            throw new ScenarioException("--real-runs: expected 1 to " + MAX_REAL_RUNS + ", got " + realRuns);
        }
        String scenarioYaml = scenario == null ? ScenarioParser.resourceText(SCENARIO_RESOURCE)
                : BoundedInput.readText(scenario, BoundedInput.YAML_LIMIT, "scenario", "give a scenario YAML file");
        String source = scenario == null ? "embedded fidelity scenario" : scenario.toString();
        Scenario s = ScenarioParser.parse(scenarioYaml, source, scenario == null ? null : scenario.toAbsolutePath().getParent());
        if (s.host().nodes().size() > VM.nodes()) {
            throw new ScenarioException(source + ": has " + s.host().nodes().size() + " host nodes, but the test VM has "
                    + VM.nodes() + "; give a scenario with at most " + VM.nodes());
        }
        String profileYaml = null;
        if (profile != null) {
            profileYaml = BoundedInput.readText(profile, BoundedInput.YAML_LIMIT, "cost profile",
                    "give the file copyless calibrate --out wrote");
            CostProfile.parse(profileYaml, profile.toString()).applyTo(s); // refuse a bad profile before booting
        }
        String realJson;
        if (real != null) {
            realJson = BoundedInput.readText(real, BoundedInput.YAML_LIMIT * 8, "fidelity output",
                    "give the file copyless fidelity --keep-real wrote");
        } else {
            realJson = boot(scenarioYaml, profileYaml, realRuns, lruGen, limit, err);
            if (keepReal != null) {
                write(keepReal, realJson);
            }
        }
        JsonNode vm = parseReal(realJson, real == null ? "the VM's output" : real.toString());
        CostProfile used = CostProfile.parse(vm.get("profile").asText(), "the cost profile of the VM's run");
        Scenario applied = Fidelity.asTheModelledClockSees(used.applyTo(s));
        err.println("simulating " + applied.name() + " under " + String.join(", ", Fidelity.POLICIES)
                + " with the VM's cost profile (" + used.host() + ")");
        err.flush();
        Map<String, RunResult> sim = Runner.run(applied, Fidelity.POLICIES, Progress.on(err, false), HostFactory.SIMULATED,
                Fidelity.POLICIES.size());
        Map<String, Object> policies;
        try {
            policies = Fidelity.policies(sim, Fidelity.realRuns(vm));
        } catch (IllegalArgumentException e) {
            throw new ScenarioException("the VM's output: " + e.getMessage());
        }
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("scenario", scenarioInfo(applied, source, used, vm, sim));
        root.put("policies", policies);
        if (format.json()) {
            Output.printJson(out, root);
        } else {
            table(out, applied, source, used, vm, sim);
        }
        out.flush();
        return 0;
    }

    /** Boots the VM once with the in-VM part and returns its JSON; a failed run is a one-line error, exit 1. */
    private static String boot(String scenarioYaml, String profileYaml, int runs, String lruGen, Duration limit,
                               PrintWriter err) {
        List<String> command = guestCommand(scenarioYaml, profileYaml);
        command.add("--real-runs");
        command.add(String.valueOf(runs));
        if (lruGen != null) {
            command.add("--lru-gen");
            command.add(lruGen);
        }
        StringWriter captured = new StringWriter();
        int code;
        try {
            code = VmCommand.boot(VM, limit, VmAssets.defaultCache(), command, captured, err);
        } catch (VmException e) {
            throw e.exitCode() == VmException.USAGE ? new ScenarioException("copyless fidelity needs the test VM: "
                    + e.getMessage()) : new VmFailure("the test VM: " + e.getMessage());
        }
        if (code != 0) {
            throw new VmFailure("the run inside the VM failed (exit code " + code + "; its message is above)");
        }
        return captured.toString();
    }

    /** {@code --timeout} as a duration; a bad one is a one-line user error (exit 2). */
    static Duration limit(String text) {
        try {
            return VmCommand.parseTimeout(text);
        } catch (VmException e) {
            throw new ScenarioException(e.getMessage());
        }
    }

    /** The guest's command line: this command's in-VM part, with the scenario and profile passed inline. */
    static List<String> guestCommand(String scenarioYaml, String profileYaml) {
        List<String> c = new ArrayList<>(List.of("fidelity", "--in-vm", "--scenario-text", b64(scenarioYaml)));
        if (profileYaml != null) {
            c.add("--profile-text");
            c.add(b64(profileYaml));
        }
        return c;
    }

    private static String b64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    private static String unb64(String text, String what) {
        try {
            return new String(Base64.getDecoder().decode(text), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new ScenarioException(what + ": not base64");
        }
    }

    /**
     * Inside the VM: calibrate (unless a profile was passed), apply the profile to the scenario,
     * and run the three policies {@code --real-runs} times on the Linux backend with the kernel's
     * reclaim on the modelled clock ({@link RealClock#MODELLED}: every operation charged the
     * profile's price, as the simulator charges it, not the time it took under TCG, which varies
     * from run to run and would change the work a second holds); print one JSON object with every
     * run ({@code runs}) and the first run also as {@code policies}.
     */
    private int inVm(PrintWriter out, PrintWriter err) {
        if (!LinuxHost.isTestVm()) {
            throw new ScenarioException("--in-vm: only inside the copyless test VM; run copyless fidelity, which boots it");
        }
        if (scenarioText == null) {
            throw new ScenarioException("--in-vm: give --scenario-text");
        }
        Scenario s = ScenarioParser.parse(unb64(scenarioText, "--scenario-text"), "fidelity scenario", null);
        String profileYaml;
        String calibratedIn;
        if (profileText != null) {
            profileYaml = unb64(profileText, "--profile-text");
            calibratedIn = "given";
        } else {
            err.println("calibrating the VM (" + CALIBRATE_PAGES + " pages x " + CALIBRATE_REPEAT + ")");
            err.flush();
            profileYaml = Calibration.run(CALIBRATE_PAGES, CALIBRATE_REPEAT).profile().toYaml();
            calibratedIn = "the test VM";
        }
        s = CostProfile.parse(profileYaml, "the cost profile").applyTo(s); // the prices of the modelled clock
        if (lruGen != null) { // the test VM is ours: its kernel's reclaim is chosen for the whole boot
            try {
                Files.writeString(LRU_GEN, lruGen.equals("on") ? "y" : "n");
            } catch (IOException e) {
                throw new ScenarioException("--lru-gen " + lruGen + ": cannot write " + LRU_GEN + " (" + e.getMessage()
                        + "): a kernel without CONFIG_LRU_GEN");
            }
        }
        HostFactory host = ScenarioOptions.Backend.linux.factory(s, err, HostReclaim.KERNEL, RealClock.MODELLED);
        List<Map<String, Object>> runs = new ArrayList<>();
        for (int i = 0; i < realRuns; i++) {
            err.println("real run " + (i + 1) + " of " + realRuns);
            err.flush();
            Map<String, RunResult> r = Runner.run(s, Fidelity.POLICIES, Progress.on(err, false), host, 1);
            Map<String, Object> pol = new LinkedHashMap<>();
            r.forEach((k, v) -> pol.put(k, v.metrics()));
            runs.add(pol);
        }
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("kind", KIND);
        root.put("kernel", System.getProperty("os.version"));
        root.put("nodes", LinuxHost.onlineNodes().length);
        root.put("profile_from", calibratedIn);
        root.put("profile", profileYaml);
        root.put("clock", RealClock.MODELLED.key());
        root.put("lru_gen", lruGenNow());
        root.put("policies", runs.get(0));
        root.put("runs", runs);
        Output.printJson(out, root);
        return 0;
    }

    /** The in-VM part's JSON from what the guest printed (the first line that opens an object on). */
    static JsonNode parseReal(String text, String where) {
        int i = text.startsWith("{") ? 0 : text.indexOf("\n{");
        JsonNode n;
        try {
            n = i < 0 ? null : JSON.readTree(text.substring(i == 0 ? 0 : i + 1));
        } catch (IOException e) {
            n = null;
        }
        if (n == null || !n.isObject() || !KIND.equals(n.path("kind").asText()) || !n.path("profile").isTextual()
                || !n.path("policies").isObject()) {
            throw new ScenarioException(where + ": not the output of copyless fidelity's run in the VM (give the file"
                    + " --keep-real wrote)");
        }
        return n;
    }

    static Map<String, Object> scenarioInfo(Scenario s, String source, CostProfile used, JsonNode vm,
                                            Map<String, RunResult> sim) {
        Map<String, Object> m = Output.scenarioInfo(s, source, "simulated vs linux --host-reclaim kernel (test VM)");
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("kernel", vm.path("kernel").asText());
        v.put("nodes", vm.path("nodes").asInt());
        v.put("node_memory_mib", VM.nodeMemMiB());
        v.put("swap", "virtio-blk " + VM.swapMiB() + " MiB");
        v.put("accelerator", "QEMU TCG");
        m.put("vm", v);
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("host", used.host());
        p.put("from", vm.path("profile_from").asText());
        p.put("cost", used.cost());
        p.put("swap_read_latency_ns", used.swapReadNs());
        p.put("swap_write_latency_ns", used.swapWriteNs());
        p.put("swap_bandwidth_bytes_per_second", used.swapBytesPerSecond());
        m.put("cost_profile", p);
        Map<String, Object> pairs = new LinkedHashMap<>();
        for (Fidelity.Metric x : Fidelity.METRICS) {
            pairs.put(x.name(), x.realKey());
        }
        m.put("real_counters", pairs);
        for (Fidelity.Context c : Fidelity.CONTEXT) {
            Map<String, Object> per = new LinkedHashMap<>();
            for (String pol : Fidelity.POLICIES) {
                long[] real = Fidelity.contextValues(Fidelity.realRuns(vm), pol, c);
                if (real != null) {
                    per.put(pol, Fidelity.entry(c.simulated().applyAsLong(sim.get(pol)), real));
                }
            }
            if (!per.isEmpty()) {
                m.put(c.name(), per);
            }
        }
        double[] slow = Fidelity.slowdown(Fidelity.realRuns(vm));
        if (slow != null) {
            m.put("real_slowdown", Map.of("min", Math.round(slow[0] * 10) / 10.0, "max", Math.round(slow[1] * 10) / 10.0));
        }
        m.put("real_clock", vm.path("clock").asText("measured"));
        m.put("lru_gen", vm.path("lru_gen").asText("unknown"));
        m.put("real_runs", Fidelity.realRuns(vm).size());
        return m;
    }

    static void table(PrintWriter o, Scenario s, String source, CostProfile used, JsonNode vm, Map<String, RunResult> sim) {
        o.printf(Locale.ROOT, "fidelity: scenario '%s' (%s), seed %d, %d ms; simulated vs the Linux backend with the kernel's"
                + " reclaim in the test VM (Linux %s, %d nodes, QEMU TCG)%n", s.name(), source, s.seed(), s.durationNs() / 1_000_000,
                vm.path("kernel").asText(), vm.path("nodes").asInt());
        o.printf(Locale.ROOT, "cost profile (%s): %s; swap read %,d ns, write %,d ns, %,d B/s%n%n",
                vm.path("profile_from").asText(), used.host(), used.swapReadNs(), used.swapWriteNs(), used.swapBytesPerSecond());
        List<JsonNode> runs = Fidelity.realRuns(vm);
        o.printf(Locale.ROOT, "real side: %d run%s per policy on the %s clock, multi-gen LRU %s; real = their mean,"
                + " [min-max]%n%n", runs.size(), runs.size() == 1 ? "" : "s", vm.path("clock").asText("measured"),
                vm.path("lru_gen").asText("unknown"));
        o.printf(Locale.ROOT, "%-10s %-26s %12s %12s %19s %8s  %s%n", "policy", "metric", "simulated", "real",
                "real range", "ratio", "real counter");
        for (String p : Fidelity.POLICIES) {
            for (Fidelity.Metric x : Fidelity.METRICS) {
                long sv = x.simulated().applyAsLong(sim.get(p));
                long[] rv = Fidelity.realValues(runs, p, x.realKey());
                double mean = Fidelity.mean(rv);
                boolean flag = Fidelity.TARGETED.contains(x.name()) && !Fidelity.withinTarget(sv, mean);
                o.printf(Locale.ROOT, "%-10s %-26s %,12d %,12.0f %19s %8s%s %s%n", p, x.name(), sv, mean, range(rv),
                        Fidelity.ratioText(sv, mean), flag ? "*" : " ", x.realKey());
            }
            for (Fidelity.Context c : Fidelity.CONTEXT) {
                long[] real = Fidelity.contextValues(runs, p, c);
                if (real != null) {
                    o.printf(Locale.ROOT, "%-10s %-26s %,12d %,12.0f %19s%n", p, "(" + c.name() + ")",
                            c.simulated().applyAsLong(sim.get(p)), Fidelity.mean(real), range(real));
                }
            }
            o.println();
        }
        double[] slow = Fidelity.slowdown(runs);
        if (slow != null) {
            o.printf(Locale.ROOT, "the real runs took %.1f to %.1f s of wall time per second of run time (wall_time_ns /"
                    + " virtual_time_ns): the kernel's reclaim ran on the wall clock%n", slow[0], slow[1]);
        }
        o.printf(Locale.ROOT, "* outside the %.2f-%.2f target of issue 11 (pswpin, pswpout, numa_pages_migrated);"
                + " docs/FIDELITY.md says why%n", Fidelity.LOW, Fidelity.HIGH);
    }

    /** {@code [min-max]} of the real runs' values. */
    private static String range(long[] v) {
        long min = Long.MAX_VALUE;
        long max = Long.MIN_VALUE;
        for (long x : v) {
            min = Math.min(min, x);
            max = Math.max(max, x);
        }
        return String.format(Locale.ROOT, "[%,d-%,d]", min, max);
    }

    private static void checkWritable(Path file, String flag) {
        Path parent = file.toAbsolutePath().getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            throw new ScenarioException(flag + " " + file + ": the folder " + parent + " does not exist");
        }
        if (Files.isDirectory(file)) {
            throw new ScenarioException(flag + " " + file + ": is a folder; give a file name");
        }
    }

    private static void write(Path file, String text) {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            Files.writeString(tmp, text, StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new ScenarioException("--keep-real " + file + ": cannot write it (" + e.getMessage() + ")");
        }
    }

    /** A VM that failed to boot or a run in it that failed: one line, exit code 1 (not the user's mistake). */
    static final class VmFailure extends RuntimeException {
        VmFailure(String message) {
            super(message);
        }
    }
}
