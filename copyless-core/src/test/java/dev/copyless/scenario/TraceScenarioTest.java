package dev.copyless.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.copyless.balancer.BalancingPolicy;
import dev.copyless.metrics.Counter;
import dev.copyless.metrics.RunResult;
import dev.copyless.mm.MigrationOrder;
import dev.copyless.scenario.Scenario;
import dev.copyless.scenario.ScenarioException;
import dev.copyless.scenario.ScenarioParser;
import dev.copyless.scenario.TraceScenario;
import dev.copyless.sim.Simulation;
import dev.copyless.trace.TraceFormatTest;
import dev.copyless.trace.TraceInfo;
import dev.copyless.trace.TraceWorkload;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Traces in scenarios: {@code pattern: trace} tasks (keys, relative paths, footprint from the
 * trace header, errors naming the key), {@link TraceScenario} for {@code --trace} (one task per
 * thread, layouts, sizing the default scenario to the trace), and simulations that replay one.
 */
class TraceScenarioTest {
    @TempDir
    Path dir;
    Path trace;
    TraceInfo info;

    /** Two threads over 300 pages: a hot loop over 40 pages and a sweep, 150k accesses. */
    @BeforeEach
    void record() {
        trace = dir.resolve("two.cltrace");
        List<TraceFormatTest.Rec> recs = new ArrayList<>();
        for (int i = 0; i < 150_000; i++) {
            boolean second = (i / 1000) % 3 == 2;
            long vpn = second ? 0x7000 + (i % 300) : 0x4000 + (i * 7 % 40);
            recs.add(new TraceFormatTest.Rec(second ? 2 : 1, vpn, 1 + i % 5));
        }
        info = TraceFormatTest.write(trace, recs);
    }

    String yaml(String task) {
        return """
                host:
                  nodes: [{id: 0, memory: 1MiB}, {id: 1, memory: 1MiB}]
                  swap: [{name: s, size: 16MiB}]
                vms:
                  - name: vm0
                    vnodes: [{id: 0, memory: 4MiB, host-node: 0}, {id: 1, memory: 4MiB, host-node: 1}]
                    tasks:
                      - %s
                """.formatted(task);
    }

    Scenario load(String task) throws IOException {
        Path f = dir.resolve("s.yaml");
        Files.writeString(f, yaml(task));
        return ScenarioParser.load(f);
    }

    @Test
    void aTraceTaskTakesItsFootprintFromTheTraceAndResolvesRelativePaths() throws IOException {
        Scenario s = load("{name: a, vnode: 1, pattern: trace, trace: two.cltrace, trace-thread: 1, trace-time-scale: 2,"
                + " ns-per-instruction: 0.25}");
        Scenario.Task t = s.vms().get(0).tasks().get(0);
        assertThat(t.pattern()).isEqualTo("trace");
        assertThat(t.trace()).isEqualTo(trace.toAbsolutePath().normalize().toString());
        assertThat(t.pages()).isEqualTo(info.pages()).isEqualTo(340);
        assertThat(t.traceThread()).isEqualTo(1);
        assertThat(t.traceTimeScale()).isEqualTo(2.0);
        assertThat(t.nsPerInstruction()).isEqualTo(0.25);
        Scenario big = load("{name: a, pattern: trace, trace: " + trace + ", footprint: 2MiB}");
        assertThat(big.vms().get(0).tasks().get(0).pages()).isEqualTo(512);
        assertThat(big.vms().get(0).tasks().get(0).nsPerInstruction()).isEqualTo(TraceWorkload.DEFAULT_NS_PER_INSTRUCTION);
    }

    @Test
    void traceTaskMistakesNameTheKey() throws IOException {
        assertThatThrownBy(() -> load("{name: a, pattern: trace, trace: two.cltrace, footprint: 1MiB}"))
                .isInstanceOf(ScenarioException.class)
                .hasMessageContaining("vms[0].tasks[0].footprint: expected at least the trace's footprint");
        assertThatThrownBy(() -> load("{name: a, pattern: trace}"))
                .hasMessageContaining("vms[0].tasks[0].trace: expected a trace file");
        assertThatThrownBy(() -> load("{name: a, pattern: trace, trace: nope.cltrace}"))
                .hasMessageContaining("vms[0].tasks[0].trace").hasMessageContaining("no such file");
        assertThatThrownBy(() -> load("{name: a, pattern: trace, trace: two.cltrace, trace-thread: 2}"))
                .hasMessageContaining("vms[0].tasks[0].trace-thread: expected a thread of the trace (0..1)");
        assertThatThrownBy(() -> load("{name: a, pattern: trace, trace: two.cltrace, think: 1us}"))
                .hasMessageContaining("vms[0].tasks[0].think: expected no think with pattern: trace");
        assertThatThrownBy(() -> load("{name: a, footprint: 1MiB, trace: two.cltrace}"))
                .hasMessageContaining("vms[0].tasks[0].trace: expected only with pattern: trace");
        assertThatThrownBy(() -> load("{name: a, pattern: trace, trace: two.cltrace, trace-time-scale: 0}"))
                .hasMessageContaining("vms[0].tasks[0].trace-time-scale");
        byte[] b = Files.readAllBytes(trace);
        b[200] ^= 1;
        Files.write(dir.resolve("bad.cltrace"), b);
        assertThatThrownBy(() -> load("{name: a, pattern: trace, trace: bad.cltrace}"))
                .hasMessageContaining("vms[0].tasks[0].trace").hasMessageContaining("checksum mismatch");
    }

    @Test
    void aScenarioReplaysATraceDeterministically() throws IOException {
        Scenario s = load("{name: a, vnode: 0, pattern: trace, trace: two.cltrace, shared-region: p}\n"
                + "      - {name: b, vnode: 1, pattern: trace, trace: two.cltrace, trace-thread: 1, shared-region: p}")
                .withDuration(200_000_000L);
        assertThat(s.workloadPages()).isEqualTo(info.pages());
        BalancingPolicy p = BalancingPolicy.of("copyless-holdback", MigrationOrder.MIGRATE_BEFORE_MAP, 16);
        RunResult a = new Simulation(s, p).checkInvariantsAfterEachEvent(true).run();
        RunResult b = new Simulation(s, p).checkInvariantsAfterEachEvent(false).run();
        assertThat(a.metrics()).isEqualTo(b.metrics());
        assertThat(a.counter(Counter.GUEST_ACCESSES)).isGreaterThan(100_000);
    }

    @Test
    void traceFlagMakesOneTaskPerThreadAndSizesTheDefaultScenario() {
        Scenario d = ScenarioParser.defaultScenario();
        Scenario s = TraceScenario.apply(d, trace, null, 1.5, true, "the default scenario");
        Scenario.Vm vm = s.vms().get(0);
        assertThat(vm.tasks()).extracting(Scenario.Task::name).containsExactly("two.t0", "two.t1");
        assertThat(vm.tasks()).extracting(Scenario.Task::vnode).containsExactly(0, 1);
        assertThat(vm.tasks()).extracting(Scenario.Task::traceThread).containsExactly(0, 1);
        assertThat(vm.tasks()).allSatisfy(t -> {
            assertThat(t.pattern()).isEqualTo("trace");
            assertThat(t.pages()).isEqualTo(info.pages());
            assertThat(t.traceTimeScale()).isEqualTo(1.5);
            assertThat(t.sharedRegion()).isEqualTo("trace:" + trace.toAbsolutePath().normalize());
        });
        assertThat(s.workloadPages()).isEqualTo(info.pages());
        assertThat(vm.vnodes()).extracting(Scenario.Vnode::pages).containsExactly(info.pages(), info.pages());
        double defaultRatio = (double) d.workloadPages() / d.hostPages();
        assertThat((double) s.workloadPages() / s.hostPages()).isCloseTo(defaultRatio, within(0.02));
        assertThat(s.name()).isEqualTo("default+two.cltrace");
        assertThat(s.seed()).isEqualTo(d.seed());

        Scenario explicit = TraceScenario.apply(d, trace, "1,1", 1.0, true, "the default scenario");
        assertThat(explicit.vms().get(0).tasks()).extracting(Scenario.Task::vnode).containsExactly(1, 1);
    }

    @Test
    void traceFlagMistakesAreOneLineErrors() throws IOException {
        Scenario d = ScenarioParser.defaultScenario();
        assertThatThrownBy(() -> TraceScenario.apply(d, trace, "0", 1, true, "x"))
                .hasMessage("--trace-layout: expected round-robin or one vNode id per trace thread (2 threads, e.g. 0,1),"
                        + " got '0'");
        assertThatThrownBy(() -> TraceScenario.apply(d, trace, "0,7", 1, true, "x"))
                .hasMessage("--trace-layout: '7' is not a vNode of VM 'vm0' (expected 0..1)");
        assertThatThrownBy(() -> TraceScenario.apply(d, trace, null, 0, true, "x"))
                .hasMessageContaining("--trace-time-scale");
        assertThatThrownBy(() -> TraceScenario.apply(d, dir.resolve("none.cltrace"), null, 1, true, "x"))
                .hasMessageContaining("no such file");
        // a user's scenario is taken as it is: the VM must hold the trace
        Path f = dir.resolve("small.yaml");
        Files.writeString(f, yaml("{name: a, footprint: 64KiB}").replace("memory: 4MiB", "memory: 512KiB"));
        Scenario small = ScenarioParser.load(f);
        assertThatThrownBy(() -> TraceScenario.apply(small, trace, null, 1, false, f.toString()))
                .hasMessage("--trace: the trace's footprint (1360KiB) does not fit in VM 'vm0' of " + f
                        + " (1MiB of vNode memory); give its vNodes at least 1360KiB in total");
    }
}
