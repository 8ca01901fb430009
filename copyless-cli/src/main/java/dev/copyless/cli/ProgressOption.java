package dev.copyless.cli;

import picocli.CommandLine.Option;

/** The {@code --progress} option of every command that can run long (a picocli mixin). */
final class ProgressOption {
    @Option(names = "--progress", description = "Show progress on stderr even when stderr is not a terminal"
            + " (on a terminal it is always shown).")
    boolean progress;
}
