package dev.copyless.kernel;

/**
 * Host mm tunables of a simulated host.
 *
 * @param reclaimBatch    pages one reclaim pass takes ({@code SWAP_CLUSTER_MAX}, 32)
 * @param pageCluster     swap readahead window is {@code 1 << pageCluster} slots
 *                        ({@code vm.page-cluster}, default 3); 0 disables readahead
 * @param demotionTarget  per node, the node its cold pages are demoted to, or -1
 *                        ({@code /sys/kernel/mm/numa/demotion_enabled} and the tier order)
 * @param promoteOnTouch  promote a demoted page back to its pinned node on its first touch
 *                        (NUMA balancing memory tiering mode, {@code numa_balancing=2})
 * @param demotionInterval period of the proactive demotion agent in ns (0: demotion only in reclaim)
 * @param demotionBatch   pages the demotion agent scans per node per period
 */
public record HostConfig(int reclaimBatch, int pageCluster, int[] demotionTarget, boolean promoteOnTouch,
                         long demotionInterval, int demotionBatch) {
    public HostConfig {
        demotionTarget = demotionTarget.clone();
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
