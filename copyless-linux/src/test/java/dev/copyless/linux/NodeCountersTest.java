package dev.copyless.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The per-node counter readers: {@link NodeVmstat} parsing and deltas, {@link NodeRoom}'s meminfo, {@link HostReclaim} keys. */
class NodeCountersTest {

    @Test
    void vmstatAndNumastatLines() {
        var m = NodeVmstat.parse("nr_anon_pages 1016\nnuma_hit 28447\nbad line here\nother_node x\n");
        assertThat(m).containsEntry("nr_anon_pages", 1016L).containsEntry("numa_hit", 28447L).hasSize(2);
    }

    @Test
    void deltasPerNodeAndKey() {
        long[][] before = new long[2][NodeVmstat.KEYS.size()];
        long[][] after = new long[2][NodeVmstat.KEYS.size()];
        int hit = NodeVmstat.KEYS.indexOf("numa_hit");
        before[0][hit] = 100;
        after[0][hit] = 130;
        before[1][hit] = 5;
        after[1][hit] = 1029;
        NodeVmstat.Snapshot d = new NodeVmstat.Snapshot(new int[] {0, 1}, after).minus(new NodeVmstat.Snapshot(new int[] {0, 1}, before));
        assertThat(d.get(0, "numa_hit")).isEqualTo(30);
        assertThat(d.get(1, "numa_hit")).isEqualTo(1024);
        assertThat(d.get(2, "numa_hit")).as("a node not kept").isZero();
        assertThat(d.get(1, "no_such_counter")).isZero();
        assertThat(d.toMap().get("1")).containsEntry("numa_hit", 1024L);
        assertThat(d.toMap().keySet()).containsExactly("0", "1");
    }

    @Test
    void thisHostsNodesAreRead() {
        NodeVmstat.Snapshot s = NodeVmstat.snapshot();
        assertThat(s.nodes()).isEqualTo(LinuxHost.onlineNodes());
        assertThat(s.get(s.nodes()[0], "numa_hit")).as("every running system has allocated pages").isPositive();
    }

    @Test
    void othersOnANodeAreSlabFileCacheAndLockedMemoryLessTheSwapCacheAndTheBallast() {
        String meminfo = """
                Node 0 MemFree:            4000 kB
                Node 0 FilePages:         20000 kB
                Node 0 SwapCached:         8000 kB
                Node 0 Mlocked:          400000 kB
                Node 0 Slab:               4000 kB
                """;
        // (4000 + 20000 - 8000 + 400000) / 4 = 104000 pages, of which the ballast's 1000 are the room's own
        assertThat(NodeRoom.othersPages(meminfo, 1000)).isEqualTo(103_000);
        assertThat(NodeRoom.othersPages(meminfo, 0)).isEqualTo(104_000);
        assertThat(NodeRoom.othersPages(meminfo.replace("Mlocked", "Unevictable"), 0)).as("a field missing").isEqualTo(-1);
    }

    @Test
    void memFreeOfANode() {
        String meminfo = "Node 1 MemTotal:        1048576 kB\nNode 1 MemFree:          987654 kB\nNode 1 MemUsed:  1 kB\n";
        assertThat(NodeRoom.meminfoKib(meminfo, "MemFree")).isEqualTo(987654);
        assertThat(NodeRoom.meminfoKib(meminfo, "MemTotal")).isEqualTo(1048576);
        assertThatThrownBy(() -> NodeRoom.meminfoKib(meminfo, "HugePages_Total")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theRoomLeavesOutWhatLowmemReserveKeepsFromAMovableAllocation() {
        String zoneinfo = """
                Node 0, zone      DMA
                  pages free     3000
                        min      16
                        protection: (0, 980, 980, 980, 980)
                  pagesets
                    cpu: 0
                              count:    0
                Node 0, zone    DMA32
                  pages free     5000
                        min      50
                        protection: (0, 0, 0, 0, 0)
                  pagesets
                    cpu: 0
                              count:    100
                    cpu: 1
                              count:    20
                Node 0, zone   Normal
                  pages free     0
                        protection: (0, 0, 0, 0, 0)
                Node 0, zone  Movable
                  pages free     0
                        protection: (0, 0, 0, 0, 0)
                Node 1, zone    DMA32
                  pages free     600
                        protection: (0, 0, 256, 256, 256)
                Node 1, zone   Normal
                  pages free     0
                        protection: (0, 0, 0, 0, 0)
                Node 1, zone  Movable
                  pages free     5500
                        protection: (0, 0, 0, 0, 0)
                  pagesets
                    cpu: 1
                              count:    44
                """;
        // node 0: DMA's 3,000 less its 980 of reserve, DMA32's 5,000 and its lists' 120
        assertThat(NodeRoom.usableFreePages(zoneinfo, 0)).containsExactly(2020 + 5120, 980);
        // node 1: DMA32's 600 less 256 kept from a movable allocation, Movable's 5,500 and 44 on a list
        assertThat(NodeRoom.usableFreePages(zoneinfo, 1)).containsExactly(344 + 5544, 256);
        assertThat(NodeRoom.usableFreePages(zoneinfo, 2)).containsExactly(0, 0);
    }

    @Test
    void watermarksOfANodeSummedOverItsZones() {
        String zoneinfo = """
                Node 0, zone      DMA
                  pages free     3840
                        boost    0
                        min      16
                        low      20
                        high     24
                        spanned  4095
                        managed  3840
                Node 0, zone    DMA32
                  pages free     200000
                        min      100
                        low      125
                        high     150
                        managed  250000
                        nr_free_pages 200000
                Node 1, zone    DMA32
                  pages free     9000
                        min      51
                        low      102
                        high     153
                        managed  257000
                  pagesets
                    cpu: 0
                              count:    700
                              high:     1000
                    cpu: 1
                              count:    12
                """;
        assertThat(NodeRoom.zoneinfo(zoneinfo, 0)).containsExactly(116, 145, 174, 253840, 0);
        assertThat(NodeRoom.zoneinfo(zoneinfo, 1)).containsExactly(51, 102, 153, 257000, 712);
        assertThat(NodeRoom.zoneinfo(zoneinfo, 2)).containsExactly(0, 0, 0, 0, 0);
    }

    @Test
    void reclaimKeys() {
        assertThat(HostReclaim.fromKey("kernel")).isEqualTo(HostReclaim.KERNEL);
        assertThat(HostReclaim.fromKey("pageout")).isEqualTo(HostReclaim.PAGEOUT);
        assertThatThrownBy(() -> HostReclaim.fromKey("kswapd")).hasMessageContaining("[pageout, kernel]");
    }

    @Test
    void kernelReclaimIsRefusedOutsideTheTestVm() {
        org.junit.jupiter.api.Assumptions.assumeFalse(LinuxHost.isTestVm(), "this is the copyless test VM");
        assertThat(NodeRoom.unusableReason()).hasValueSatisfying(r -> assertThat(r).contains("only in the copyless test VM"));
    }
}
