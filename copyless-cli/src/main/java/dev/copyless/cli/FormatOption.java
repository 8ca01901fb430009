package dev.copyless.cli;

import picocli.CommandLine.Option;

/** The {@code --format table|json} option of every command that prints results (a picocli mixin). */
final class FormatOption {
    /** Output formats. */
    enum Format { table, json }

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "table",
            description = "table or json (default: ${DEFAULT-VALUE}).")
    Format format;

    boolean json() {
        return format == Format.json;
    }
}
