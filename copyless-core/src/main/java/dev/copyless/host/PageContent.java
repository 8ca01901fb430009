package dev.copyless.host;

/**
 * The known content of a guest page in real-bytes mode: a 64-bit token naming the page's
 * first population (VM, gfn, version), expanded into 4 KiB by a cheap mixing function, with
 * the token itself in the first 8 bytes. Reading any 4 KiB back tells whose data it is (the
 * embedded token) and whether all of it is intact (every other word must be the mix of the
 * token and its index). Token 0 is never issued: it means "no valid content".
 *
 * <pre>
 *  63 62 61      52 51                              20 19           0
 * +--+--+----------+----------------------------------+--------------+
 * |0 |1 |    vm    |   gfn of the first population     |   version    |
 * +--+--+----------+----------------------------------+--------------+
 * </pre>
 */
public final class PageContent {
    private PageContent() {}

    /** Bytes per page. */
    public static final int PAGE = 4096;
    /** 64-bit words per page. */
    public static final int WORDS = PAGE / Long.BYTES;
    /** Not a valid content (a frame or slot that does not hold a whole stamped page). */
    public static final long NONE = 0L;

    private static final long MARK = 1L << 62;

    /** The token of {@code vm}'s page first populated as {@code gfn}, population number {@code version}. */
    public static long token(int vm, int gfn, long version) {
        return MARK | ((vm & 0x3FFL) << 52) | ((gfn & 0xFFFF_FFFFL) << 20) | (version & 0xF_FFFFL);
    }

    public static int vm(long token) {
        return (int) ((token >>> 52) & 0x3FF);
    }

    public static int gfn(long token) {
        return (int) ((token >>> 20) & 0xFFFF_FFFFL);
    }

    public static int version(long token) {
        return (int) (token & 0xF_FFFFL);
    }

    /** Whether a word can be a token at all (the marker bits). */
    public static boolean isToken(long word) {
        return (word & (3L << 62)) == MARK;
    }

    /** Word {@code i} (1..511) of the page of {@code token} (SplitMix64 finaliser of token and index). */
    public static long word(long token, int i) {
        long z = token + 0x9E3779B97F4A7C15L * i;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** A readable description of a token, for lost-page reports. */
    public static String describe(long token) {
        return token == NONE ? "no valid page" : "vm " + vm(token) + " gfn " + gfn(token) + " v" + version(token);
    }
}
