package dev.copyless.kernel;

import dev.copyless.host.GfnLocations;
import dev.copyless.host.PageContent;
import dev.copyless.host.Verification;
import dev.copyless.mm.PageState;
import java.util.ArrayList;
import java.util.List;

/**
 * Real-bytes mode's record of what every gfn must hold: per VM, the content token
 * ({@link PageContent}) each gfn's bytes must carry (0: unbacked), stamped at each first
 * population and handed along by every copy and migration; and the end-of-run check that
 * reads every backed gfn back against it, and both copies of a page in the swap cache (the cached
 * frame of a swapped gfn, the slot of a clean mapped one). Outside real-bytes mode it records nothing and the
 * check lists only the losses the model knows of.
 */
final class ContentShadow {
    private final PageStore store;
    /** Per VM, the token each gfn's bytes must hold; null entries outside real-bytes mode. */
    private final List<long[]> expected = new ArrayList<>();
    /** Per VM, populations so far (the version of the next token). */
    private final List<long[]> populations = new ArrayList<>();

    ContentShadow(PageStore store) {
        this.store = store;
    }

    void addVm(int gfns) {
        expected.add(store.real() ? new long[gfns] : null);
        populations.add(new long[1]);
    }

    /** A first population: real-bytes mode stamps a new known content into the frame and expects it. */
    void populate(int vm, int gfn, int node, int pfn) {
        if (store.real()) {
            long token = PageContent.token(vm, gfn, populations.get(vm)[0]++);
            store.stamp(node, pfn, token);
            expected.get(vm)[gfn] = token;
        }
    }

    /** From now on {@code gfn} must hold {@code token} (0: nothing). */
    void expect(int vm, int gfn, long token) {
        long[] e = expected.get(vm);
        if (e != null) {
            e[gfn] = token;
        }
    }

    /** The token a gfn's bytes must hold, or {@link PageContent#NONE}. */
    long expected(int vm, int gfn) {
        long[] e = expected.get(vm);
        return e == null ? PageContent.NONE : e[gfn];
    }

    /**
     * Checks every backed gfn of every VM: reads its frame or swap slot and compares the
     * content with the token it must hold. A poisoned gfn is lost (with the reason of its loss);
     * a gfn whose bytes are not its own page is lost too (with what it holds instead). In the
     * model (no bytes) nothing can be read, so no page counts as verified and only the losses the
     * model knows of are reported: poisoned gfns and swapped gfns whose slot is torn. Changes no
     * state and no counter.
     */
    Verification verifyAll(Kernel k) {
        long verified = 0;
        long backed = 0;
        List<Verification.LostPage> lost = new ArrayList<>();
        for (int vm = 0; vm < k.vmCount(); vm++) {
            GfnLocations loc = k.vm(vm);
            for (int gfn = 0; gfn < loc.gfns(); gfn++) {
                long w = loc.word(gfn);
                int kind = PageState.kind(w);
                if (kind == PageState.UNBACKED) {
                    continue;
                }
                backed++;
                String why = null;
                boolean detected = kind == PageState.POISONED
                        || kind == PageState.SWAPPED && !store.slotIntact(PageState.nodeOrDevice(w), PageState.id(w));
                if (kind == PageState.POISONED) {
                    why = k.failure.reason(vm, gfn);
                } else if (store.real()) {
                    long want = expected(vm, gfn);
                    long got = kind == PageState.RESIDENT ? store.frameToken(PageState.nodeOrDevice(w), PageState.id(w))
                            : store.slotToken(PageState.nodeOrDevice(w), PageState.id(w));
                    String copy = "";
                    if (got == want && PageState.inSwapCache(w) && (kind == PageState.SWAPPED || (w & PageState.DIRTY) == 0)) {
                        // the swap cache's other copy must hold the same data: the cached frame, or a clean page's slot
                        long other = kind == PageState.SWAPPED ? k.swap.frameOf(w) : k.swap.slotOf(w);
                        int hi = SwapState.hi(other);
                        int lo = SwapState.lo(other);
                        got = kind == PageState.SWAPPED ? store.frameToken(hi, lo) : store.slotToken(hi, lo);
                        copy = kind == PageState.SWAPPED ? " (its swap-cache frame " + hi + ":" + lo + ")"
                                : " (its swap slot " + hi + ":" + lo + ")";
                    }
                    if (got == want && want != PageContent.NONE) {
                        verified++;
                    } else {
                        why = PageState.describe(w) + copy + " holds " + PageContent.describe(got) + ", expected "
                                + PageContent.describe(want);
                    }
                } else if (kind == PageState.SWAPPED && !store.slotIntact(PageState.nodeOrDevice(w), PageState.id(w))) {
                    why = PageState.describe(w) + " is torn (CRC32C mismatch)";
                }
                if (why != null) {
                    lost.add(new Verification.LostPage(vm, gfn, why, detected));
                }
            }
        }
        return new Verification(store.real(), backed, verified, List.copyOf(lost));
    }
}
