package dev.copyless.host;

/**
 * Callback through which the host tells the hypervisor that a gfn's backing changed, as
 * Linux's {@code mmu_notifier} tells KVM. The hypervisor uses it to keep the exported
 * moved-page list up to date (claim 10). Called on the thread that changed the mapping,
 * after the change, with the new location word.
 */
@FunctionalInterface
public interface MmuNotifier {
    void locationChanged(int gfn, long newWord, boolean moved);
}
