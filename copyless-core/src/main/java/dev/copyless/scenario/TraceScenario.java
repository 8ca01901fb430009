package dev.copyless.scenario;

import dev.copyless.trace.TraceFiles;
import dev.copyless.trace.TraceFormat;
import dev.copyless.trace.TraceInfo;
import dev.copyless.trace.TraceReader;
import dev.copyless.trace.TraceWorkload;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code run --trace FILE} and {@code compare --trace FILE}: a scenario whose first VM runs a
 * recorded trace instead of its own tasks. Pure: (scenario, trace, layout, time scale) ->
 * scenario; every refusal is a {@link ScenarioException} naming the flag and what to change.
 *
 * <ul>
 *   <li>The first VM's tasks are replaced by one {@code pattern: trace} task per trace thread,
 *       all in one shared region (the threads of one process share its address space), so the
 *       VM's workload is the trace's footprint.</li>
 *   <li>Layout: thread i starts on vNode {@code i mod vNodes} ({@code round-robin}, the default)
 *       or on the i-th vNode id of an explicit list such as {@code 0,1,1}.</li>
 *   <li>Sizing, only for the embedded default scenario (when the user gave no scenario): the
 *       first VM's vNodes are scaled by trace footprint / the VM's old workload (the default's
 *       96 MiB vNodes for 96 MiB of tasks become one footprint each), and the host's nodes are scaled, keeping their
 *       proportions and watermark fractions, so that the workload exceeds host memory by the
 *       default's ratio (96 MiB on 80 MiB, 1.2): otherwise nothing would swap and there would
 *       be nothing for copyless to save. Swap grows to the workload if it was smaller. A scenario
 *       the user gave is taken as it is and must fit the trace.</li>
 * </ul>
 */
public final class TraceScenario {
    private TraceScenario() {}

    /** The default layout. */
    public static final String ROUND_ROBIN = "round-robin";
    /** Smallest host node the parser accepts, in pages. */
    private static final int MIN_NODE_PAGES = 16;

    /**
     * @param layout    {@code round-robin} (or null) or a comma list of vNode ids, one per thread
     * @param timeScale multiplies the trace's compute time (> 0)
     * @param fitHost   size the first VM and the host to the trace (the embedded default scenario)
     * @param source    names the scenario in errors
     */
    public static Scenario apply(Scenario s, Path file, String layout, double timeScale, boolean fitHost,
                                 String source) {
        if (!(timeScale > 0) || Double.isInfinite(timeScale)) {
            throw new ScenarioException("--trace-time-scale: expected a number > 0, got " + timeScale);
        }
        Path abs = file.toAbsolutePath().normalize();
        TraceInfo info = TraceReader.open(TraceFiles.resolve(abs));
        Scenario.Vm vm = s.vms().get(0);
        int[] vnodes = layout(layout, info.threads().size(), vm);
        String stem = abs.getFileName().toString();
        if (stem.endsWith(TraceFormat.EXTENSION)) {
            stem = stem.substring(0, stem.length() - TraceFormat.EXTENSION.length());
        }
        String region = "trace:" + abs;
        List<Scenario.Task> tasks = new ArrayList<>();
        for (int i = 0; i < vnodes.length; i++) {
            tasks.add(new Scenario.Task(stem + ".t" + i, vnodes[i], info.pages(), "trace", 0.25, 0.9, 1.0,
                    200_000_000L, region, abs.toString(), i, 0, timeScale, TraceWorkload.DEFAULT_NS_PER_INSTRUCTION,
                    info.storeFraction()));
        }
        List<Scenario.Vnode> vn = vm.vnodes();
        if (fitHost) {
            List<Scenario.Vnode> grown = new ArrayList<>();
            double f = (double) info.pages() / Math.max(1, vm.workloadPages());
            for (Scenario.Vnode v : vn) {
                grown.add(new Scenario.Vnode(v.id(), (int) Math.max(1, Math.ceil(v.pages() * f)), v.hostNode(),
                        v.vcpus()));
            }
            vn = grown;
        }
        Scenario.Vm traced = new Scenario.Vm(vm.name(), vn, tasks);
        List<Scenario.Vm> vms = new ArrayList<>(s.vms());
        vms.set(0, traced);
        Scenario out = new Scenario(s.name() + "+" + abs.getFileName(), s.seed(), s.durationNs(), s.host(), vms,
                s.scheduler(), s.balancer(), s.copyless(), s.cost(), s.timeBuckets(), s.faults(), s.hypercall());
        if (fitHost) {
            double ratio = (double) s.workloadPages() / s.hostPages();
            out = withHost(out, scaledHost(out, out.workloadPages() / ratio));
        }
        if (traced.pages() < traced.workloadPages()) {
            throw new ScenarioException("--trace: the trace's footprint (" + Units.size(info.pages()) + ") does not fit in"
                    + " VM '" + vm.name() + "' of " + source + " (" + Units.size(traced.pages())
                    + " of vNode memory); give its vNodes at least " + Units.size(info.pages()) + " in total");
        }
        if (out.workloadPages() > out.hostPages() + out.swapPages()) {
            throw new ScenarioException("--trace: the workload (" + Units.size(out.workloadPages())
                    + ") exceeds the host's memory plus swap (" + Units.size(out.hostPages()) + " + "
                    + Units.size(out.swapPages()) + ") of " + source + "; add swap (host.swap) or memory");
        }
        return out;
    }

    private static int[] layout(String layout, int threads, Scenario.Vm vm) {
        int nv = vm.vnodes().size();
        int[] out = new int[threads];
        if (layout == null || layout.isBlank() || layout.trim().equals(ROUND_ROBIN)) {
            for (int i = 0; i < threads; i++) {
                out[i] = i % nv;
            }
            return out;
        }
        String[] parts = layout.split(",", -1);
        if (parts.length != threads) {
            throw new ScenarioException("--trace-layout: expected round-robin or one vNode id per trace thread ("
                    + threads + (threads == 1 ? " thread" : " threads") + ", e.g. " + example(threads, nv) + "), got '"
                    + layout + "'");
        }
        for (int i = 0; i < threads; i++) {
            int v;
            try {
                v = Integer.parseInt(parts[i].trim());
            } catch (NumberFormatException e) {
                v = -1;
            }
            if (v < 0 || v >= nv) {
                throw new ScenarioException("--trace-layout: '" + parts[i].trim() + "' is not a vNode of VM '"
                        + vm.name() + "' (expected 0.." + (nv - 1) + ")");
            }
            out[i] = v;
        }
        return out;
    }

    private static String example(int threads, int nv) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < threads; i++) {
            b.append(i == 0 ? "" : ",").append(i % nv);
        }
        return b.toString();
    }

    /** The host with nodes scaled to {@code targetPages} in total (proportions and watermark fractions kept) and enough swap. */
    private static Scenario.Host scaledHost(Scenario s, double targetPages) {
        Scenario.Host h = s.host();
        long hostPages = s.hostPages();
        List<Scenario.Node> nodes = new ArrayList<>();
        for (Scenario.Node n : h.nodes()) {
            int pages = (int) Math.max(MIN_NODE_PAGES, Math.round(targetPages * n.pages() / hostPages));
            double f = (double) pages / n.pages();
            int min = (int) Math.floor(n.wmarkMin() * f);
            int low = Math.max(min, (int) Math.floor(n.wmarkLow() * f));
            int high = Math.min(pages - 1, Math.max(low, (int) Math.ceil(n.wmarkHigh() * f)));
            nodes.add(new Scenario.Node(n.id(), pages, Math.min(min, high), Math.min(low, high), high));
        }
        long workload = s.workloadPages();
        long swap = s.swapPages();
        List<Scenario.Swap> swaps = h.swap();
        if (swap < workload && !swaps.isEmpty()) {
            swaps = new ArrayList<>();
            for (Scenario.Swap w : h.swap()) {
                long slots = (long) Math.ceil((double) w.slots() * workload / Math.max(1, swap));
                swaps.add(new Scenario.Swap(w.name(), w.profile(), (int) Math.min(Integer.MAX_VALUE, slots), w.readNs(),
                        w.writeNs(), w.bytesPerSecond(), w.queueDepth(), w.node()));
            }
        }
        return new Scenario.Host(nodes, h.distance(), swaps, h.reclaimBatch(), h.pageCluster(), h.demotionTarget(),
                h.demotionIntervalNs(), h.demotionBatch(), h.promotion(), h.realBytes(),
                h.vmaReadahead(), h.linkBytesPerSecond());
    }

    private static Scenario withHost(Scenario s, Scenario.Host h) {
        return new Scenario(s.name(), s.seed(), s.durationNs(), h, s.vms(), s.scheduler(), s.balancer(), s.copyless(),
                s.cost(), s.timeBuckets(), s.faults(), s.hypercall());
    }
}
