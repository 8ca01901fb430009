package dev.copyless.sweep;

/**
 * A sweep engine that is not built in, found with {@link java.util.ServiceLoader} when
 * {@code copyless sweep --engine NAME} asks for it: the {@code copyless-spark} module provides
 * {@code spark}. Keeping the engine behind this seam keeps Spark's dependencies out of the CLI's
 * default jar.
 */
public interface SweepEngineProvider {
    /** The {@code --engine} name, e.g. {@code spark}. */
    String name();

    /**
     * An engine for {@code master} (the {@code --master} value, or null for the engine's default)
     * running at most {@code threads} points at once where the engine takes a thread count (null: its default).
     */
    SweepEngine open(String master, Integer threads);
}
