package dev.copyless.scenario;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parsing and printing of sizes (binary units, 4 KiB pages) and durations (ns..s). */
public final class Units {
    private Units() {}

    public static final long PAGE = 4096;
    private static final Pattern SIZE = Pattern.compile("\\s*(\\d+(?:\\.\\d+)?)\\s*([a-zA-Z]*)\\s*");

    /** Pages in a size string, or -1 if it is not one. Bytes are rounded down to whole pages. */
    public static long pages(String text) {
        Matcher m = SIZE.matcher(text);
        if (!m.matches()) {
            return -1;
        }
        double n = Double.parseDouble(m.group(1));
        String u = m.group(2).toLowerCase(Locale.ROOT);
        double bytes;
        switch (u) {
            case "", "b" -> bytes = n;
            case "k", "kb", "kib" -> bytes = n * 1024;
            case "m", "mb", "mib" -> bytes = n * 1024 * 1024;
            case "g", "gb", "gib" -> bytes = n * 1024L * 1024 * 1024;
            case "t", "tb", "tib" -> bytes = n * 1024L * 1024 * 1024 * 1024;
            case "page", "pages" -> bytes = n * PAGE;
            default -> {
                return -1;
            }
        }
        return (long) (bytes / PAGE);
    }

    /** Pages in a size or in a percentage ("1%") of {@code ofPages}; -1 if it is neither. */
    public static long pagesOrPercent(String text, long ofPages) {
        String t = text.trim();
        if (t.endsWith("%")) {
            try {
                double pct = Double.parseDouble(t.substring(0, t.length() - 1).trim());
                return pct >= 0 && pct < 100 ? (long) Math.ceil(ofPages * pct / 100.0) : -1;
            } catch (NumberFormatException e) {
                return -1;
            }
        }
        return pages(t);
    }

    private static final Pattern RATE = Pattern.compile("\\s*(\\d+(?:\\.\\d+)?)\\s*(?:([a-zA-Z]+)/s)?\\s*");

    /**
     * Bytes per second in a rate string ("20.8GB/s", "500MB/s", "1GiB/s", or a bare number of
     * bytes per second), or -1 if it is not one. Decimal units (kB, MB, GB, TB) are powers of 1000,
     * binary ones (KiB, MiB, GiB, TiB) powers of 1024, as storage and link vendors write them.
     */
    public static long bytesPerSecond(String text) {
        Matcher m = RATE.matcher(text);
        if (!m.matches()) {
            return -1;
        }
        double n = Double.parseDouble(m.group(1));
        String u = m.group(2) == null ? "b" : m.group(2).toLowerCase(Locale.ROOT);
        double scale = switch (u) {
            case "b" -> 1;
            case "kb" -> 1e3;
            case "mb" -> 1e6;
            case "gb" -> 1e9;
            case "tb" -> 1e12;
            case "kib" -> 1024.0;
            case "mib" -> 1024.0 * 1024;
            case "gib" -> 1024.0 * 1024 * 1024;
            case "tib" -> 1024.0 * 1024 * 1024 * 1024;
            default -> -1;
        };
        if (scale < 0 || n * scale >= Long.MAX_VALUE) {
            return -1;
        }
        return Math.round(n * scale);
    }

    /** Nanoseconds in a duration string, or -1 if it is not one. */
    public static long nanos(String text) {
        Matcher m = SIZE.matcher(text);
        if (!m.matches()) {
            return -1;
        }
        double n = Double.parseDouble(m.group(1));
        return switch (m.group(2).toLowerCase(Locale.ROOT)) {
            case "", "ns" -> (long) n;
            case "us" -> (long) (n * 1_000);
            case "ms" -> (long) (n * 1_000_000);
            case "s" -> (long) (n * 1_000_000_000);
            default -> -1;
        };
    }

    /** The shortest exact spelling of a duration in ns, as {@link #nanos} reads it: 1000000000 -> "1s". */
    public static String duration(long ns) {
        String[] units = {"s", "ms", "us"};
        long[] scale = {1_000_000_000L, 1_000_000L, 1_000L};
        for (int i = 0; i < units.length; i++) {
            if (ns % scale[i] == 0) {
                return ns / scale[i] + units[i];
            }
        }
        return ns + "ns";
    }

    /** "40 MiB" style rendering of a page count. */
    public static String size(long pages) {
        long bytes = pages * PAGE;
        if (bytes % (1L << 30) == 0) {
            return bytes / (1L << 30) + "GiB";
        }
        if (bytes % (1L << 20) == 0) {
            return bytes / (1L << 20) + "MiB";
        }
        return bytes / 1024 + "KiB";
    }
}
