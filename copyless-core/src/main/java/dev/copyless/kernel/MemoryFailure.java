package dev.copyless.kernel;

import dev.copyless.metrics.Counter;
import dev.copyless.mm.PageState;
import java.util.HashMap;
import java.util.Map;

/**
 * Pages the host lost, as {@code mm/memory-failure.c} and the poisoned swap entry
 * ({@code PTE_MARKER_POISONED}) treat them: a swapped page whose slot cannot be read back gets
 * a poisoned entry (no frame, no slot; a guest access is {@code VM_FAULT_HWPOISON}), is counted
 * ({@code pages_poisoned}) and keeps the reason of its loss for the end-of-run verification.
 * Nothing ever presents other data as a lost page's.
 */
final class MemoryFailure {
    private final Kernel k;
    /** Why each poisoned gfn ({@code vm << 32 | gfn}) was lost. */
    private final Map<Long, String> reasons = new HashMap<>();

    MemoryFailure(Kernel k) {
        this.k = k;
    }

    /** Swapped gfn {@code word} could not be read ({@link PageIo} result {@code io}): frees its slot, poisons it. */
    void poison(int vm, int gfn, long word, int io) {
        int dev = PageState.nodeOrDevice(word);
        int slot = PageState.id(word);
        k.swaps[dev].free(slot);
        k.vm(vm).set(gfn, PageState.poisoned(k.vm(vm).pinnedNode(gfn)));
        k.stat.inc(Counter.PAGES_POISONED);
        reasons.put(key(vm, gfn), (io == PageIo.IO_BAD_CHECKSUM ? "CRC32C mismatch (torn write)" : "swap read EIO")
                + " reading swap slot " + k.swaps[dev].name() + ":" + slot + " at " + k.engine.now() + " ns");
    }

    /** A poisoned gfn was overwritten or discarded: its loss is no longer its data's. */
    void forget(int vm, int gfn) {
        reasons.remove(key(vm, gfn));
    }

    /** Why a poisoned gfn was lost. */
    String reason(int vm, int gfn) {
        return reasons.getOrDefault(key(vm, gfn), "poisoned");
    }

    private static long key(int vm, int gfn) {
        return (long) vm << 32 | (gfn & 0xFFFF_FFFFL);
    }
}
