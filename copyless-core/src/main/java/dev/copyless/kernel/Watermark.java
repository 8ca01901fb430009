package dev.copyless.kernel;

/**
 * Per-node free-memory watermarks, as {@code WMARK_MIN}, {@code WMARK_LOW},
 * {@code WMARK_HIGH} in {@code mm/page_alloc.c}: below LOW an allocation wakes kswapd, which
 * reclaims until HIGH; an allocation that would go below MIN reclaims directly.
 */
public enum Watermark {
    MIN, LOW, HIGH
}
