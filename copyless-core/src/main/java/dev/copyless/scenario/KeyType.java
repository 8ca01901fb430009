package dev.copyless.scenario;

import java.math.BigDecimal;
import java.util.List;

/**
 * What a scenario key holds and which values it allows: the type part of a
 * {@link ScenarioSchema.Key}. {@link Section} checks a value against it; the docs table shows
 * {@link #doc()} and {@link #rule()}.
 */
public sealed interface KeyType {
    /** The type's name in the docs. */
    String doc();

    /** The values allowed, for the docs ("" when any value of the type is). */
    default String rule() {
        return "";
    }

    /** Free text. */
    public record Text() implements KeyType {
        @Override
        public String doc() {
            return "string";
        }
    }

    /** One of a fixed set of words. */
    public record Choice(List<String> values) implements KeyType {
        public Choice {
            values = List.copyOf(values);
        }

        @Override
        public String doc() {
            return "choice";
        }

        @Override
        public String rule() {
            return "`" + String.join("`, `", values) + "`";
        }
    }

    /** An integer in {@code min..max}. */
    public record Int(long min, long max) implements KeyType {
        @Override
        public String doc() {
            return "integer";
        }

        @Override
        public String rule() {
            if (min == Long.MIN_VALUE && max == Long.MAX_VALUE) {
                return "any";
            }
            return max == Long.MAX_VALUE || max == Integer.MAX_VALUE ? "at least " + min : min + ".." + max;
        }
    }

    /** A number in {@code min..max}. */
    public record Decimal(double min, double max) implements KeyType {
        @Override
        public String doc() {
            return "number";
        }

        @Override
        public String rule() {
            return plain(min) + ".." + plain(max);
        }
    }

    /** {@code true} or {@code false}. */
    public record Bool() implements KeyType {
        @Override
        public String doc() {
            return "boolean";
        }
    }

    /** A size ({@link Units#pages}), rounded down to whole 4 KiB pages, in {@code minPages..maxPages}. */
    public record Size(long minPages, long maxPages) implements KeyType {
        @Override
        public String doc() {
            return "size";
        }

        @Override
        public String rule() {
            String r = "at least " + minPages + (minPages == 1 ? " page" : " pages");
            return maxPages == Long.MAX_VALUE ? r : r + ", " + limit();
        }

        /** The upper bound in words: "below 8TiB" for the largest int page count, else "at most 2TiB". */
        public String limit() {
            return maxPages == Integer.MAX_VALUE ? "below 8TiB" : "at most " + Units.size(maxPages);
        }
    }

    /** A strictly positive duration ({@link Units#nanos}) of at most {@code maxNs}. */
    public record Duration(long maxNs) implements KeyType {
        @Override
        public String doc() {
            return "duration";
        }

        @Override
        public String rule() {
            return maxNs == Long.MAX_VALUE ? "above 0" : "above 0, at most " + Units.duration(maxNs);
        }
    }

    /**
     * A data rate in bytes per second: a number with a decimal unit per second ("20.8GB/s",
     * "3GB/s", "500MB/s"; B, KB, MB, GB, TB are powers of 1000, KiB, MiB, GiB powers of 1024) or a
     * bare number of bytes per second; above 0.
     */
    public record Rate() implements KeyType {
        @Override
        public String doc() {
            return "rate";
        }

        @Override
        public String rule() {
            return "above 0, like 20.8GB/s";
        }
    }

    /** A watermark: a size, or a percentage of the node's memory below 100%. */
    public record Watermark() implements KeyType {
        @Override
        public String doc() {
            return "size or %";
        }

        @Override
        public String rule() {
            return "below 100%";
        }
    }

    /** The id of an item of a list: its position, 0, 1, ... */
    public record Index() implements KeyType {
        @Override
        public String doc() {
            return "integer";
        }

        @Override
        public String rule() {
            return "its position in the list";
        }
    }

    /** The id of a node, checked by the parser against the nodes that exist ({@code of}). */
    public record NodeId(String of) implements KeyType {
        @Override
        public String doc() {
            return "integer";
        }

        @Override
        public String rule() {
            return of;
        }
    }

    /** A mapping of further keys. */
    public record Mapping() implements KeyType {
        @Override
        public String doc() {
            return "mapping";
        }
    }

    /** A list of mappings, at most {@code max} of them ({@code noun} in errors). */
    public record Items(int max, String noun) implements KeyType {
        @Override
        public String doc() {
            return "list";
        }

        @Override
        public String rule() {
            return max == Integer.MAX_VALUE ? "" : "at most " + max + " " + noun;
        }
    }

    /** A mapping of node id to node id. */
    public record NodeMap() implements KeyType {
        @Override
        public String doc() {
            return "node: node";
        }

        @Override
        public String rule() {
            return "another node";
        }
    }

    /** An ACPI SLIT: one row per host node. */
    public record Slit() implements KeyType {
        @Override
        public String doc() {
            return "table";
        }

        @Override
        public String rule() {
            return "n x n; 10 on the diagonal, 11..254 elsewhere";
        }
    }

    /** 0.5 -> "0.5", 1.0 -> "1", 1e-6 -> "0.000001". */
    private static String plain(double d) {
        return BigDecimal.valueOf(d).stripTrailingZeros().toPlainString();
    }
}
