package dev.copyless.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.copyless.cli.CopylessCommand;
import dev.copyless.metrics.Counter;
import dev.copyless.testkit.Scenarios;
import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The report feature end to end: {@code compare/run --report DIR} writes results.json,
 * results.csv, valid PNG charts and a self-contained report.html that renders in headless
 * Chromium with no console error (screenshot saved to target/report-screenshot.png); a bad DIR
 * is a one-line error with exit code 2; the sweep report draws one chart per parameter.
 */
class ReportTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final byte[] PNG_MAGIC = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    private static final String NO_CHROMIUM = "headless rendering check skipped: " + HeadlessChromium.BINARY
            + " is absent (install Debian's 'chromium' package; .ci/run does)";

    /** Exit code and output of one command line. */
    record Result(int code, String out, String err) {}

    static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = CopylessCommand.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Result(code, out.toString(), err.toString());
    }

    static Path target() {
        return Path.of(System.getProperty("basedir", System.getProperty("user.dir"))).resolve("target");
    }

    @Test
    void compareReportHasResultsChartsAndAPageThatRendersOfflineWithoutErrors(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("report");
        Path busy = Files.writeString(tmp.resolve("busy.yaml"), Scenarios.busyDefaultYaml()); // balances within 600 ms
        Result r = run("compare", "--scenario", busy.toString(), "--duration", "600ms", "--report", dir.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("copyless/naive");
        assertThat(r.err().strip().lines().toList()).containsExactly("report: " + dir.resolve("report.html"));

        JsonNode json = JSON.readTree(dir.resolve("results.json").toFile());
        assertThat(json.get("scenario").get("name").asText()).isEqualTo("default");
        assertThat(json.get("policies").fieldNames()).toIterable().containsExactly("none", "naive", "copyless", "copyless-holdback");
        assertThat(json.get("policies").get("copyless").get("counters_over_time").get("t_ms").size()).isPositive();

        List<String> csv = Files.readAllLines(dir.resolve("results.csv"));
        assertThat(csv).hasSize(5);
        List<String> header = Arrays.asList(csv.getFirst().split(","));
        assertThat(header.getFirst()).isEqualTo("policy");
        for (Counter c : Counter.values()) {
            assertThat(header).contains(c.metricName());
        }
        assertThat(header).contains("data_movements_per_balanced_moved_page", "remote_access_fraction",
                "guest_access_latency_ns.mean", "balancing_migration_latency_ns.p99");
        assertThat(csv.subList(1, 5)).extracting(l -> l.split(",", -1)[0])
                .containsExactly("none", "naive", "copyless", "copyless-holdback");
        for (String row : csv.subList(1, 5)) {
            assertThat(row.split(",", -1)).hasSize(header.size());
        }
        int col = header.indexOf("moved_page_data_movements");
        assertThat(Long.parseLong(csv.get(3).split(",")[col]))
                .isEqualTo(json.get("policies").get("copyless").get("moved_page_data_movements").asLong());

        List<String> charts = List.of("remote-access-fraction.png", "data-movements.png", "swap-io.png",
                "interconnect-bytes.png", "link-utilisation.png", "migration-latency.png", "savings.png");
        for (String png : charts) {
            assertValidPng(dir.resolve(png));
        }

        String html = Files.readString(dir.resolve("report.html"));
        assertSelfContained(html, dir);
        assertThat(text(html)).contains("copyless made 1.00 data movements per balanced moved page, naive 2.00")
                .contains("What copyless saved").contains("Remote-access fraction over time")
                .contains("Balancing-migration latency").contains("Link utilisation")
                .contains("Hold-back (claim 12) is measured apart: copyless-holdback is copyless plus hold-back")
                .contains("copyless / naive").contains("copyless-holdback / naive");
        assertThat(html).contains("<img").doesNotContain("src=\"savings.png\"");

        assumeTrue(HeadlessChromium.available(), NO_CHROMIUM);
        assertRendersCleanly(dir.resolve("report.html"), charts.size());
        Path shot = target().resolve("report-screenshot.png");
        Files.createDirectories(shot.getParent());
        Files.deleteIfExists(shot);
        HeadlessChromium.Launch s = HeadlessChromium.screenshot(dir.resolve("report.html"), shot, 1280, 5600);
        assertThat(s.finished()).as("chromium --screenshot finished within %d s", HeadlessChromium.TIMEOUT_SECONDS)
                .isTrue();
        assertThat(s.consoleErrors()).isEmpty();
        BufferedImage img = assertValidPng(shot);
        assertThat(img.getWidth()).isEqualTo(1280);
    }

    @Test
    void theRenderCheckCatchesConsoleErrorsAndBrokenImages(@TempDir Path tmp) throws Exception {
        assumeTrue(HeadlessChromium.available(), NO_CHROMIUM);
        Path page = tmp.resolve("broken.html");
        String html = new Html("broken on purpose").p("a page that logs an error and has a missing image")
                .raw("<img alt=\"missing chart\" src=\"no-such-chart.png\">")
                .raw("<script>console.error('probe: console.error reached'); missingFunction();</script>")
                .finish("");
        Files.writeString(page, html);
        HeadlessChromium.Launch l = HeadlessChromium.dumpDom(page);
        assertThat(l.finished()).isTrue();
        assertThat(HeadlessChromium.bodyAttribute(l.stdout(), "data-rendered")).isEqualTo("false");
        assertThat(HeadlessChromium.consoleErrorsElement(l.stdout())).contains("probe: console.error reached")
                .contains("missingFunction").contains("missing chart");
        assertThat(l.consoleErrors()).anySatisfy(line -> assertThat(line).contains("Uncaught"));
    }

    @Test
    void runReportShowsTheOnePolicyAndANoteInsteadOfTheSavingsChart(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("nested/run-report");
        Result r = run("run", "--policy", "naive", "--duration", "400ms", "--format", "json", "--report", dir.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.err()).contains("report: " + dir.resolve("report.html"));
        JsonNode json = JSON.readTree(dir.resolve("results.json").toFile());
        assertThat(json.get("policies").fieldNames()).toIterable().containsExactly("naive");
        assertThat(JSON.readTree(r.out())).isEqualTo(json);
        assertThat(Files.readAllLines(dir.resolve("results.csv"))).hasSize(2);
        assertThat(dir.resolve("savings.png")).doesNotExist();
        for (String png : List.of("remote-access-fraction.png", "data-movements.png", "swap-io.png",
                "interconnect-bytes.png")) {
            assertValidPng(dir.resolve(png));
        }
        String html = Files.readString(dir.resolve("report.html"));
        assertSelfContained(html, dir);
        assertThat(text(html)).contains("Only one policy ran").contains("naive made")
                .doesNotContain("What copyless saved");

        assumeTrue(HeadlessChromium.available(), NO_CHROMIUM);
        int images;
        try (var files = Files.list(dir)) {
            images = (int) files.filter(p -> p.toString().endsWith(".png")).count();
        }
        assertRendersCleanly(dir.resolve("report.html"), images);
    }

    @Test
    void aReportDirThatIsAFileIsAOneLineErrorBeforeAnythingRuns(@TempDir Path tmp) throws Exception {
        Path file = Files.writeString(tmp.resolve("not-a-dir"), "x");
        for (String cmd : List.of("compare", "run")) {
            Result r = run(cmd, "--duration", "300ms", "--report", file.toString());
            assertThat(r.code()).as(r.err()).isEqualTo(2);
            assertThat(r.out()).isEmpty();
            assertThat(r.err().strip().lines()).hasSize(1);
            assertThat(r.err()).contains("copyless: error:").contains(file.toString())
                    .doesNotContain("Exception").doesNotContain("\tat ");
        }
        Path under = file.resolve("sub");
        Result r = run("compare", "--duration", "300ms", "--report", under.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains(under.toString()).doesNotContain("\tat ");
    }

    @Test
    void sweepReportDrawsTheSavingsAgainstEachSweptParameter(@TempDir Path tmp) throws Exception {
        List<Map<String, Object>> rows = new ArrayList<>();
        int point = 0;
        for (String device : List.of("nvme", "ssd", "zram")) {
            for (String interval : List.of("500ms", "100ms")) {
                for (long seed : new long[] {42, 43}) {
                    Map<String, Object> row = new LinkedHashMap<>();
                    row.put("point", point++);
                    row.put("seed", seed);
                    row.put("swap-device", device);
                    row.put("task-move-interval", interval);
                    long moved = 1000 + seed + (interval.equals("100ms") ? 3000 : 0);
                    row.put("naive.moved_page_data_movements", 2 * moved);
                    row.put("copyless.moved_page_data_movements", moved);
                    // zram: naive evicted nothing, so the ratio is undefined there (a gap in the chart)
                    row.put("naive.evictions_caused", device.equals("zram") ? 0L : moved / 2);
                    row.put("copyless.evictions_caused", 0L);
                    row.put("naive.pswpin", 5000L);
                    row.put("copyless.pswpin", device.equals("zram") ? 4500L : 3500L);
                    row.put("naive.interconnect_bytes", 4096L * moved);
                    row.put("copyless.interconnect_bytes", 4096L * moved / 3);
                    row.put("naive.guest_access_latency_ns.mean", 540.0);
                    row.put("copyless.guest_access_latency_ns.mean", 510.0);
                    rows.add(row);
                }
            }
        }
        assertThat(SweepReport.values(rows, "task-move-interval")).containsExactly("100ms", "500ms");
        assertThat(SweepReport.values(rows, "swap-device")).containsExactly("nvme", "ssd", "zram");

        Path dir = tmp.resolve("sweep");
        ReportWriter.writeSweep(dir, List.of("swap-device", "task-move-interval"), rows);
        assertValidPng(dir.resolve("sweep-swap-device.png"));
        assertValidPng(dir.resolve("sweep-task-move-interval.png"));
        assertThat(dir.resolve("results.csv")).doesNotExist();
        String html = Files.readString(dir.resolve("report.html"));
        assertThat(html.replaceAll("href=\"results\\.(csv|json)\"", "")).doesNotContain("http://")
                .doesNotContain("https://");
        assertThat(text(html)).contains("moved-page data movements: copyless needed 0.50×")
                .contains("evictions caused: copyless needed 0.00×").contains("Savings against swap-device");

        assumeTrue(HeadlessChromium.available(), NO_CHROMIUM);
        assertRendersCleanly(dir.resolve("report.html"), 2);
        Path shot = target().resolve("sweep-report-screenshot.png");
        Files.createDirectories(shot.getParent());
        assertThat(HeadlessChromium.screenshot(dir.resolve("report.html"), shot, 1280, 2400).finished()).isTrue();
        assertValidPng(shot);
    }

    // ------------------------------------------------------------------ helpers

    private static void assertRendersCleanly(Path html, int images) {
        HeadlessChromium.Launch l = HeadlessChromium.dumpDom(html);
        assertThat(l.finished()).as("chromium --dump-dom finished within %d s", HeadlessChromium.TIMEOUT_SECONDS)
                .isTrue();
        assertThat(l.stdout()).as("dumped DOM; chromium stderr:%n%s", l.stderr()).contains("</html>");
        assertThat(HeadlessChromium.consoleErrorsElement(l.stdout())).as("console errors recorded by the page")
                .isNotNull().isEmpty();
        assertThat(HeadlessChromium.bodyAttribute(l.stdout(), "data-rendered")).as("every image decoded, no error")
                .isEqualTo("true");
        assertThat(HeadlessChromium.bodyAttribute(l.stdout(), "data-images")).isEqualTo(String.valueOf(images));
        assertThat(l.consoleErrors()).as("console errors in chromium's log").isEmpty();
    }

    private static BufferedImage assertValidPng(Path png) throws Exception {
        assertThat(png).exists();
        byte[] b = Files.readAllBytes(png);
        assertThat(Arrays.copyOf(b, 8)).as("PNG signature of %s", png).isEqualTo(PNG_MAGIC);
        BufferedImage img = ImageIO.read(png.toFile());
        assertThat(img).as("decodable %s", png).isNotNull();
        assertThat(img.getWidth()).isGreaterThan(300);
        assertThat(img.getHeight()).isGreaterThan(200);
        return img;
    }

    /** No network and no external resource: every src/href is a data: URI, an anchor or a file in DIR. */
    private static void assertSelfContained(String html, Path dir) {
        assertThat(html).doesNotContain("http://").doesNotContain("https://").doesNotContainIgnoringCase("<link")
                .doesNotContainIgnoringCase("@import").doesNotContain("url(");
        Matcher m = Pattern.compile("\\b(src|href)\\s*=\\s*[\"']([^\"']*)[\"']", Pattern.CASE_INSENSITIVE)
                .matcher(html);
        int srcs = 0;
        while (m.find()) {
            String v = m.group(2);
            if (m.group(1).equalsIgnoreCase("src")) {
                assertThat(v).as("inline image").startsWith("data:image/png;base64,");
                srcs++;
            } else if (!v.startsWith("#")) {
                assertThat(v).as("href to a local file").doesNotContain(":").doesNotStartWith("/");
                assertThat(dir.resolve(v)).as("linked file").exists();
            }
        }
        assertThat(srcs).isPositive();
    }

    /** The page's text: tags dropped, entities for the few characters the report escapes decoded. */
    private static String text(String html) {
        return html.replaceAll("(?s)<script.*?</script>|<style.*?</style>", "").replaceAll("<[^>]+>", "")
                .replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"")
                .replace("&#39;", "'").replaceAll("\\s+", " ");
    }
}
