package dev.copyless.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.copyless.scenario.Scenario;
import dev.copyless.scenario.ScenarioException;
import dev.copyless.scenario.ScenarioParser;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The estimate a run is checked against before it starts ({@link MemoryEstimate}): it grows with
 * the pages the scenario declares, and a run that does not fit is refused in one line with the
 * figure and what to do; runs that fit only fewer at a time are run fewer at a time.
 */
class MemoryEstimateTest {
    private static final long GIB = 1L << 30;
    private static final Path TMP = Path.of("/tmp");

    private static Scenario withVnode0(String memory) {
        String text = ScenarioParser.defaultScenarioText().replace("{id: 0, memory: 96MiB, host-node: 0, vcpus: 2}",
                "{id: 0, memory: " + memory + ", host-node: 0, vcpus: 2}");
        return ScenarioParser.parse(text, "s.yaml");
    }

    @Test
    void theHeapNeedGrowsByTheArraysPerGuestPage() {
        MemoryEstimate small = MemoryEstimate.of(withVnode0("96MiB"));
        MemoryEstimate big = MemoryEstimate.of(withVnode0("2000GiB"));
        long moreGfns = big.gfns() - small.gfns();
        assertThat(moreGfns).isEqualTo((2000L * GIB - 96L * (1 << 20)) / 4096);
        assertThat(big.heapBytes() - small.heapBytes()).as("11 B per gfn, nothing else grows")
                .isEqualTo(moreGfns * MemoryEstimate.PER_GFN);
        assertThat(MemoryEstimate.PER_GFN + MemoryEstimate.PER_FRAME).as("a guest page and its host frame: issue 13's 16 B")
                .isLessThanOrEqualTo(16);
        assertThat(big.heapBytes()).isGreaterThan(5 * GIB);
        assertThat(small.offHeapBytes()).as("no real bytes").isZero();
        assertThat(MemoryEstimate.of(withVnode0("96MiB").withRealBytes(true)).offHeapBytes())
                .as("real bytes: 4 KiB per host frame").isEqualTo(small.frames() * 4096);
    }

    @Test
    void aRunThatDoesNotFitTheHeapIsRefusedWithTheFigureAndTheFix() {
        MemoryEstimate big = MemoryEstimate.of(withVnode0("2000GiB"));
        MemoryEstimate.Limits fourGib = new MemoryEstimate.Limits(4 * GIB, 4 * GIB, 20 * GIB, 24 * GIB, 100 * GIB, TMP);
        assertThatThrownBy(() -> big.runsThatFit(3, fourGib, "big.yaml")).isInstanceOf(ScenarioException.class)
                .hasMessageStartingWith("big.yaml: a run needs about 5.")
                .hasMessageContaining("of Java heap (524,312,576 guest pages")
                .hasMessageContaining("this JVM can use 4.0 GiB more: give the JVM more with JAVA_TOOL_OPTIONS=-Xmx");
        MemoryEstimate.Limits smallMachine = new MemoryEstimate.Limits(4 * GIB, 4 * GIB, 4 * GIB, 4 * GIB, 100 * GIB, TMP);
        assertThatThrownBy(() -> big.runsThatFit(1, smallMachine, "big.yaml"))
                .hasMessageContaining("more than this machine's 4.0 GiB of memory: make the scenario smaller");
    }

    @Test
    void runsThatFitOnlyFewerAtATimeRunFewerAtATime() {
        MemoryEstimate e = MemoryEstimate.of(withVnode0("96MiB"));
        long h = e.heapBytes();
        assertThat(e.runsThatFit(3, new MemoryEstimate.Limits(10 * h, 10 * h, -1, -1, -1, TMP), "s")).isEqualTo(3);
        assertThat(e.runsThatFit(3, new MemoryEstimate.Limits(2 * h + 1, 10 * h, -1, -1, -1, TMP), "s")).isEqualTo(2);
        assertThat(e.runsThatFit(3, new MemoryEstimate.Limits(h, 10 * h, -1, -1, -1, TMP), "s")).isEqualTo(1);
    }

    @Test
    void realBytesAreCheckedAgainstFreeMemoryAndFreeDisk() {
        MemoryEstimate frames = MemoryEstimate.of(ScenarioParser.parse(ScenarioParser.defaultScenarioText()
                .replace("{id: 0, memory: 40MiB}", "{id: 0, memory: 1TiB}"), "rb.yaml").withRealBytes(true));
        MemoryEstimate.Limits l = new MemoryEstimate.Limits(6 * GIB, 6 * GIB, 20 * GIB, 24 * GIB, 100 * GIB, TMP);
        assertThatThrownBy(() -> frames.runsThatFit(1, l, "rb.yaml")).hasMessage("rb.yaml: in real-bytes mode a run holds"
                + " its host frames in memory: 1.0 TiB for 268,445,696 frames, and this machine has 20.0 GiB available:"
                + " make the host nodes smaller, or run without real bytes");
        MemoryEstimate swap = MemoryEstimate.of(ScenarioParser.parse(ScenarioParser.defaultScenarioText()
                .replace("size: 512MiB", "size: 200GiB"), "sw.yaml").withRealBytes(true));
        assertThatThrownBy(() -> swap.runsThatFit(1, l, "sw.yaml"))
                .hasMessageContaining("a run backs its swap with files that may grow to 200 GiB").hasMessageContaining(
                        "in /tmp, which has 100 GiB free");
    }
}
