package dev.copyless.report;

import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * The report's HTML toolkit: builds one self-contained page (inline CSS, charts embedded as
 * base64 {@code data:} URIs, no external resource of any kind, so it opens offline from
 * {@code file://}), with a tiny inline script that records script errors and
 * {@code console.error} calls into {@code <pre id="console-errors">} and sets
 * {@code body[data-rendered="true"]} once every image has decoded, for headless checks.
 * Also holds the number formats used in the report's prose and tables.
 */
final class Html {
    private static final String CSS = """
            :root { color-scheme: light; }
            body { margin: 0; background: #f3f4f6; color: #1f2328;
              font: 16px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", "Liberation Sans", sans-serif; }
            main { max-width: 1180px; margin: 0 auto; padding: 28px 36px 40px; background: #fff;
              box-shadow: 0 0 0 1px #e5e7eb; }
            h1 { font-size: 28px; margin: 0 0 4px; }
            h2 { font-size: 21px; margin: 34px 0 12px; padding-bottom: 6px; border-bottom: 1px solid #e5e7eb; }
            p.sub { color: #57606a; margin: 0 0 8px; }
            ul.headline { padding-left: 22px; margin: 8px 0 4px; }
            ul.headline li { margin: 5px 0; }
            .p-copyless { color: #0072B2; font-weight: 600; }
            .p-copyless-holdback { color: #2a7fb0; font-weight: 600; }
            .p-naive { color: #D55E00; font-weight: 600; }
            .p-none { color: #6b6b6b; font-weight: 600; }
            .good { color: #0a7a3f; font-weight: 600; }
            .bad { color: #b42318; font-weight: 600; }
            table { border-collapse: collapse; font-size: 14px; font-variant-numeric: tabular-nums; margin: 6px 0; }
            th, td { padding: 5px 14px; border-bottom: 1px solid #eaecef; text-align: right; white-space: nowrap; }
            th:first-child, td:first-child { text-align: left; }
            thead th { background: #f6f8fa; border-bottom: 2px solid #d0d7de; white-space: normal; vertical-align: bottom; }
            td code, li code, p code { font-size: 13.5px; }
            code { font-family: ui-monospace, "DejaVu Sans Mono", monospace; background: #f6f8fa; padding: 0 3px;
              border-radius: 3px; }
            table.kv td { text-align: left; }
            figure { margin: 22px 0 34px; }
            figure img { display: block; width: 100%; height: auto; border: 1px solid #e5e7eb; border-radius: 6px; }
            figcaption { color: #3d444d; font-size: 14.5px; margin-top: 8px; max-width: 1000px; }
            figcaption b { color: #1f2328; }
            .note { background: #fff8e6; border-left: 4px solid #E69F00; padding: 10px 14px; margin: 14px 0; }
            footer { color: #6e7781; font-size: 13px; margin-top: 36px; border-top: 1px solid #e5e7eb;
              padding-top: 10px; }
            #console-errors { color: #b42318; background: #fff0f0; padding: 8px; white-space: pre-wrap; }
            #console-errors:empty { display: none; }
            """;

    /** Records errors and the images' state; runs before anything else on the page. */
    private static final String CHECK_SCRIPT = """
            (function () {
              var errors = [];
              function record(m) {
                errors.push(String(m));
                var pre = document.getElementById('console-errors');
                if (pre) { pre.textContent = errors.join('\\n'); }
              }
              window.addEventListener('error', function (e) {
                if (e && e.message) { record('error: ' + e.message); }
                else if (e && e.target && e.target !== window) {
                  record('failed to load: ' + (e.target.currentSrc || e.target.src || e.target.href || e.target.tagName));
                } else { record('error'); }
              }, true);
              window.addEventListener('unhandledrejection', function (e) { record('unhandled rejection: ' + e.reason); });
              var original = console.error;
              console.error = function () {
                record('console.error: ' + Array.prototype.join.call(arguments, ' '));
                return original.apply(console, arguments);
              };
              window.addEventListener('load', function () {
                var images = document.images, ok = true;
                for (var i = 0; i < images.length; i++) {
                  if (!(images[i].complete && images[i].naturalWidth > 0)) {
                    ok = false;
                    record('image not rendered: ' + (images[i].alt || i));
                  }
                }
                document.getElementById('console-errors').textContent = errors.join('\\n');
                document.body.dataset.images = String(images.length);
                document.body.dataset.rendered = ok && errors.length === 0 ? 'true' : 'false';
              });
            })();
            """;

    private final StringBuilder b = new StringBuilder(1 << 16);

    Html(String title) {
        b.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                .append("<title>").append(esc(title)).append("</title>\n")
                .append("<style>\n").append(CSS).append("</style>\n")
                .append("<script>\n").append(CHECK_SCRIPT).append("</script>\n")
                .append("</head>\n<body>\n<main>\n");
    }

    /** Appends raw HTML (the caller escapes any text in it). */
    Html raw(String html) {
        b.append(html).append('\n');
        return this;
    }

    Html h1(String text) {
        return raw("<h1>" + esc(text) + "</h1>");
    }

    Html h2(String text, String id) {
        return raw("<h2 id=\"" + esc(id) + "\">" + esc(text) + "</h2>");
    }

    Html p(String html) {
        return raw("<p>" + html + "</p>");
    }

    Html note(String html) {
        return raw("<p class=\"note\">" + html + "</p>");
    }

    Html list(List<String> itemsHtml) {
        b.append("<ul class=\"headline\">\n");
        for (String i : itemsHtml) {
            b.append("<li>").append(i).append("</li>\n");
        }
        b.append("</ul>\n");
        return this;
    }

    /** A chart embedded as a data URI, with its caption; the PNG also lives next to the page as {@code file}. */
    Html figure(String file, byte[] png, String alt, String captionHtml) {
        b.append("<figure id=\"fig-").append(esc(file.replace(".png", ""))).append("\">\n")
                .append("<img alt=\"").append(esc(alt)).append("\" src=\"data:image/png;base64,")
                .append(Base64.getEncoder().encodeToString(png)).append("\">\n")
                .append("<figcaption>").append(captionHtml).append(" <span class=\"sub\">(<code>")
                .append(esc(file)).append("</code>)</span></figcaption>\n</figure>\n");
        return this;
    }

    /** A table: header cells and rows of already-escaped cell HTML. */
    Html table(String cssClass, List<String> header, List<List<String>> rows) {
        b.append("<table").append(cssClass == null ? "" : " class=\"" + cssClass + "\"").append(">\n");
        if (header != null) {
            b.append("<thead><tr>");
            for (String h : header) {
                b.append("<th>").append(h).append("</th>");
            }
            b.append("</tr></thead>\n");
        }
        b.append("<tbody>\n");
        for (List<String> r : rows) {
            b.append("<tr>");
            for (String c : r) {
                b.append("<td>").append(c).append("</td>");
            }
            b.append("</tr>\n");
        }
        b.append("</tbody></table>\n");
        return this;
    }

    /** Closes the page: footer, the error sink, and the document. */
    String finish(String footerHtml) {
        b.append("<footer>").append(footerHtml).append("</footer>\n")
                .append("<pre id=\"console-errors\"></pre>\n</main>\n</body>\n</html>\n");
        return b.toString();
    }

    /** HTML-escapes text for element content and attribute values. */
    static String esc(Object text) {
        String s = String.valueOf(text);
        StringBuilder o = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> o.append("&amp;");
                case '<' -> o.append("&lt;");
                case '>' -> o.append("&gt;");
                case '"' -> o.append("&quot;");
                case '\'' -> o.append("&#39;");
                default -> o.append(c);
            }
        }
        return o.toString();
    }

    /** A policy name in its chart colour. */
    static String policy(String p) {
        return "<span class=\"p-" + esc(p) + "\">" + esc(p) + "</span>";
    }

    /** 12,345 for integral values, else up to 4 significant decimals. */
    static String count(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return String.format(Locale.ROOT, "%,d", (long) v);
        }
        return String.format(Locale.ROOT, "%,.4f", v).replaceAll("0+$", "").replaceAll("\\.$", "");
    }

    static String fixed2(double v) {
        return String.format(Locale.ROOT, "%.2f", v);
    }

    /** Bytes in B, KiB, MiB or GiB with one decimal. */
    static String bytes(double v) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        int u = 0;
        while (Math.abs(v) >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return u == 0 ? String.format(Locale.ROOT, "%,.0f B", v) : String.format(Locale.ROOT, "%,.1f %s", v, units[u]);
    }

    /** A duration in nanoseconds as ns, µs, ms or s. */
    static String nanos(double ns) {
        double a = Math.abs(ns);
        if (a < 1_000) {
            return String.format(Locale.ROOT, "%,.0f ns", ns);
        }
        if (a < 1_000_000) {
            return String.format(Locale.ROOT, "%,.1f µs", ns / 1e3);
        }
        if (a < 1_000_000_000) {
            return String.format(Locale.ROOT, "%,.1f ms", ns / 1e6).replace(".0 ms", " ms");
        }
        return String.format(Locale.ROOT, "%,.2f s", ns / 1e9).replace(".00 s", " s");
    }

    /** copyless/naive as a ratio cell: "0.393", "-" for 0/0, "n/a" when only the divisor is 0. */
    static String ratio(double a, double b) {
        if (b == 0) {
            return a == 0 ? "–" : "n/a";
        }
        return String.format(Locale.ROOT, "%.3f", a / b);
    }

    /** "(61% fewer)", "(12% more)" or "(same)" for a ratio of copyless to naive; lowerWord/higherWord name the direction. */
    static String change(double ratio, String lowerWord, String higherWord) {
        if (Double.isNaN(ratio) || Double.isInfinite(ratio)) {
            return "";
        }
        long pct = Math.round(Math.abs(1 - ratio) * 100);
        if (pct == 0) {
            return " (about the same)";
        }
        return ratio < 1 ? " (<span class=\"good\">" + pct + "% " + lowerWord + "</span>)"
                : " (<span class=\"bad\">" + pct + "% " + higherWord + "</span>)";
    }
}
