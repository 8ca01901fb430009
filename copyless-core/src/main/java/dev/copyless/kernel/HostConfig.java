package dev.copyless.kernel;

import dev.copyless.mm.Promotion;

/**
 * Host mm tunables of a simulated host.
 *
 * @param reclaimBatch    pages one reclaim pass takes ({@code SWAP_CLUSTER_MAX}, 32)
 * @param pageCluster     swap readahead window is {@code 1 << pageCluster} slots
 *                        ({@code vm.page-cluster}, default 3; VMA readahead caps it at 2^5); 0 disables readahead
 * @param demotionTarget  per node, the node its cold pages are demoted to, or -1
 *                        ({@code /sys/kernel/mm/numa/demotion_enabled} and the tier order)
 * @param promotion       how a demoted page comes back to its pinned node: not at all (stock for QEMU's
 *                        {@code MPOL_BIND}), by {@code numa_balancing=2}'s sampled, rate-limited hinting
 *                        faults, or on its first touch ({@link Promotion})
 * @param demotionInterval period of the proactive demotion agent in ns (0: demotion only in reclaim)
 * @param demotionBatch   pages the demotion agent scans per node per period
 * @param vmaReadahead    swap readahead by neighbouring gfns of the faulting VMA ({@code swap_vma_readahead},
 *                        Linux's default for non-rotational swap, {@code /sys/kernel/mm/swap/vma_ra_enabled});
 *                        false: by neighbouring slots ({@code swap_cluster_readahead})
 * @param linkBytesPerSecond bandwidth of each direction of each link between two nodes ({@code host.link-bandwidth},
 *                        default UPI's 20.8 GB/s: {@link Interconnect})
 */
public record HostConfig(int reclaimBatch, int pageCluster, int[] demotionTarget, Promotion promotion,
                         long demotionInterval, int demotionBatch, boolean vmaReadahead, long linkBytesPerSecond) {
    public HostConfig {
        demotionTarget = demotionTarget.clone();
        if (promotion == null) {
            throw new IllegalArgumentException("promotion is required (Promotion.OFF for none)");
        }
        if (linkBytesPerSecond <= 0) {
            throw new IllegalArgumentException("link bandwidth must be positive, got " + linkBytesPerSecond);
        }
    }

    /** A configuration with the default link bandwidth (UPI, 20.8 GB/s per direction). */
    public HostConfig(int reclaimBatch, int pageCluster, int[] demotionTarget, Promotion promotion,
                      long demotionInterval, int demotionBatch, boolean vmaReadahead) {
        this(reclaimBatch, pageCluster, demotionTarget, promotion, demotionInterval, demotionBatch, vmaReadahead,
                Interconnect.UPI_BYTES_PER_SECOND);
    }

    /** A configuration with VMA-based readahead, Linux's default. */
    public HostConfig(int reclaimBatch, int pageCluster, int[] demotionTarget, Promotion promotion,
                      long demotionInterval, int demotionBatch) {
        this(reclaimBatch, pageCluster, demotionTarget, promotion, demotionInterval, demotionBatch, true);
    }

    public boolean demotionEnabled() {
        for (int t : demotionTarget) {
            if (t >= 0) {
                return true;
            }
        }
        return false;
    }
}
