package dev.copyless.cli;

import dev.copyless.linux.HostReclaim;
import dev.copyless.linux.RealClock;
import dev.copyless.linux.LinuxBackend;
import dev.copyless.mm.MigrationOrder;
import dev.copyless.scenario.CostProfile;
import dev.copyless.scenario.Scenario;
import dev.copyless.scenario.ScenarioException;
import dev.copyless.scenario.ScenarioParser;
import dev.copyless.scenario.ScenarioSchema;
import dev.copyless.scenario.TraceScenario;
import dev.copyless.scenario.Units;
import dev.copyless.sim.HostFactory;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Function;
import picocli.CommandLine.Option;

/**
 * Options shared by {@code run} and {@code compare}: which scenario, and the overrides a
 * user most often wants without editing YAML.
 */
final class ScenarioOptions {
    @Option(names = "--scenario", paramLabel = "FILE",
            description = "Scenario YAML (default: the embedded default; see 'copyless scenario --print-default').")
    Path scenario;

    @Option(names = "--seed", paramLabel = "N", description = "Override the scenario's seed.")
    Long seed;

    @Option(names = "--duration", paramLabel = "TIME", description = "Override the virtual duration, e.g. 500ms, 2s.")
    String duration;

    @Option(names = "--order", paramLabel = "ORDER",
            description = "Copyless migration order: migrate-before-map (claims 6-8) or map-then-migrate (claims 2-5).")
    String order;

    /** Removed: hold-back is the policy copyless-holdback. Kept hidden so that its use gets a hint, not "unknown option". */
    @Option(names = "--hold-back", negatable = true, hidden = true)
    Boolean holdBack;

    /** The one-line error for the removed {@code --[no-]hold-back}. */
    static final String HOLD_BACK_REMOVED = "--[no-]hold-back: removed; hold-back (claim 12) is a policy of its own now:"
            + " compare prints copyless (hold-back off) and copyless-holdback side by side; run takes --policy copyless-holdback";

    @Option(names = "--trace", paramLabel = "FILE",
            description = "Replay a recorded trace (copyless trace record): the first VM's tasks become one task per"
                    + " trace thread. With the embedded default scenario, the VM and host are sized to the trace.")
    Path trace;

    @Option(names = "--trace-layout", paramLabel = "LAYOUT",
            description = "vNode of each trace thread: round-robin (default) or one vNode id per thread, e.g. 0,1,1.")
    String traceLayout;

    @Option(names = "--trace-time-scale", paramLabel = "X",
            description = "Multiply the trace's compute time (0.5 ns per instruction) by X (default 1).")
    Double traceTimeScale;

    @Option(names = "--backend", paramLabel = "HOST", defaultValue = "simulated",
            description = "simulated (default: deterministic, virtual time) or linux (guest RAM in real memory, the"
                    + " kernel's swap; needs root and an active swap device).")
    Backend backend;

    @Option(names = "--host-reclaim", paramLabel = "WHO", defaultValue = "pageout",
            description = "With --backend linux, who makes the first migrations: pageout (default: this backend's kswapd,"
                    + " MADV_PAGEOUT under the scenario's node sizes) or kernel (the kernel's own kswapd, swap cache and"
                    + " readahead on nodes resized to the scenario's; only in the test VM: copyless vm -- compare --backend"
                    + " linux --host-reclaim kernel).")
    String hostReclaim;

    @Option(names = "--real-clock", paramLabel = "CLOCK", defaultValue = "measured",
            description = "With --backend linux, what each operation costs on the run's clock: measured (default: the"
                    + " time it took here) or modelled (the cost model's price for the same event, as the simulator"
                    + " charges it, so runs do the same work per second; the kernel still decides what is reclaimed and"
                    + " read; docs/FIDELITY.md).")
    String realClock;

    /** The clock of {@code --real-clock}; a one-line error for a bad value or one without {@code --backend linux}. */
    RealClock realClock() {
        return linuxOnly("--real-clock", realClock, RealClock::fromKey, RealClock.MEASURED, RealClock::key,
                " (the simulator's clock is the model's already)");
    }

    /** The reclaim of {@code --host-reclaim}; a one-line error for a bad value or one without {@code --backend linux}. */
    HostReclaim hostReclaim() {
        return linuxOnly("--host-reclaim", hostReclaim, HostReclaim::fromKey, HostReclaim.PAGEOUT, HostReclaim::key, "");
    }

    /**
     * A Linux-backend option's value: parsed by {@code parse} (its {@link IllegalArgumentException} becomes
     * the one-line error {@code FLAG: ...}), and refused unless it is the default or the backend is linux.
     */
    private <T> T linuxOnly(String flag, String text, Function<String, T> parse, T dflt,
                            Function<T, String> key, String why) {
        T v;
        try {
            v = parse.apply(text);
        } catch (IllegalArgumentException e) {
            throw new ScenarioException(flag + ": " + e.getMessage());
        }
        if (v != dflt && backend != Backend.linux) {
            throw new ScenarioException(flag + " " + key.apply(v) + ": only with --backend linux" + why);
        }
        return v;
    }

    /** The host factory for {@code s}: {@link Backend#factory} with this run's {@code --host-reclaim}. */
    HostFactory factory(Scenario s, PrintWriter err) {
        if (costProfileNote != null) {
            err.println(costProfileNote);
            costProfileNote = null;
        }
        return backend.factory(s, err, hostReclaim(), realClock());
    }

    /** Where a run's host memory lives. */
    enum Backend {
        simulated, linux;

        HostFactory factory(Scenario s, PrintWriter err) {
            return factory(s, err, HostReclaim.PAGEOUT);
        }

        /**
         * The host factory of this backend for {@code s}; for linux, checks first that swap is
         * usable here (else a one-line {@link ScenarioException}: exit code 2) and says once on
         * {@code err} how the scenario's nodes map onto this host's.
         */
        HostFactory factory(Scenario s, PrintWriter err, HostReclaim reclaim) {
            return factory(s, err, reclaim, RealClock.MEASURED);
        }

        /** {@link #factory(Scenario, PrintWriter, HostReclaim)} on the given clock. */
        HostFactory factory(Scenario s, PrintWriter err, HostReclaim reclaim, RealClock clock) {
            if (this == simulated) {
                return HostFactory.SIMULATED;
            }
            Optional<String> why = LinuxBackend.unusableReason(s, reclaim);
            if (why.isPresent()) {
                throw new ScenarioException("--backend linux: " + why.get());
            }
            if (reclaim == HostReclaim.KERNEL) {
                err.println("note: --host-reclaim kernel: each real node is given the free memory and watermarks of its scenario"
                        + " node (the rest set aside as huge pages and a locked ballast, the JVM locked), and the kernel's own kswapd, direct reclaim,"
                        + " swap cache and readahead page guest RAM out (docs/VM.md)");
            }
            for (String note : new String[] {LinuxBackend.placementNote(s), LinuxBackend.primitiveNote()}) {
                if (!note.isEmpty()) {
                    err.println(note);
                }
            }
            err.println("note: on the Linux backend the scenario's swap devices are replaced by the kernel's active swap,"
                    + " hold-back cannot stop the kernel's readahead, and " + (clock == RealClock.MEASURED
                    ? "times are measured, so runs are not repeatable"
                    : "every operation is charged the cost model's price (--real-clock modelled), while the kernel decides"
                    + " what is reclaimed and read"));
            return new LinuxBackend(reclaim, clock);
        }
    }

    @Option(names = "--cost-profile", paramLabel = "FILE",
            description = {"A cost-model profile (copyless calibrate --out FILE): its cost keys override the scenario's cost"
                    + " section, and its swap read and write latency and bandwidth replace every swap device's (docs/COST-MODEL.md)."})
    Path costProfile;

    /** What {@code --cost-profile} changed, said once on stderr by {@link #factory}. */
    private String costProfileNote;

    @Option(names = "--real-bytes",
            description = "Real-bytes mode (host.real-bytes: true): frames in off-heap memory, swap devices in temporary"
                    + " files, every data movement moves 4 KiB, and every page is verified at the end (pages_verified,"
                    + " pages_lost).")
    boolean realBytes;

    Scenario load() {
        return load(ScenarioParser.defaultScenario());
    }

    /** The scenario of {@code --scenario}, or {@code fallback} when none is given, with every override applied. */
    Scenario load(Scenario fallback) {
        if (holdBack != null) {
            throw new ScenarioException(HOLD_BACK_REMOVED);
        }
        Scenario s = scenario == null ? fallback : ScenarioParser.load(scenario);
        if (seed != null) {
            s = s.withSeed(seed);
        }
        if (duration != null) {
            long ns = Units.nanos(duration);
            if (ns <= 0 || ns > ScenarioSchema.MAX_DURATION_NS) {
                throw new ScenarioException("--duration: expected a positive duration of at most "
                        + Units.duration(ScenarioSchema.MAX_DURATION_NS) + ", like 500ms or 2s, got '" + duration + "'");
            }
            s = s.withDuration(ns);
        }
        if (order != null) {
            Scenario.Copyless c = s.copyless();
            String o;
            try {
                o = MigrationOrder.fromKey(order).key();
            } catch (IllegalArgumentException e) {
                throw new ScenarioException("--order: " + e.getMessage());
            }
            s = s.withCopyless(new Scenario.Copyless(o, c.batch()));
        }
        if (trace != null) {
            s = TraceScenario.apply(s, trace, traceLayout, traceTimeScale == null ? 1.0 : traceTimeScale,
                    scenario == null, scenario == null ? "the default scenario" : scenario.toString());
        } else if (traceLayout != null || traceTimeScale != null) {
            throw new ScenarioException((traceLayout != null ? "--trace-layout" : "--trace-time-scale")
                    + ": only with --trace FILE");
        }
        if (realBytes) {
            s = s.withRealBytes(true);
        }
        if (costProfile != null) {
            CostProfile p = CostProfile.load(costProfile);
            s = p.applyTo(s);
            costProfileNote = p.summary(costProfile.toString());
        }
        return s;
    }
}
