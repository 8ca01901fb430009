package dev.copyless.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.copyless.hypervisor.HypercallAbi;
import dev.copyless.hypervisor.HypercallConfig;
import dev.copyless.hypervisor.RequestChannel;
import dev.copyless.metrics.Counter;
import dev.copyless.mm.Errno;
import dev.copyless.mm.MigrationOrder;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/**
 * A request the request channel held back past its guest's timeout (docs/ABI.md, "Request
 * channel") can never be carried out afterwards, whatever the guest sends next: it is released
 * only by a later request that leaves the VM's consumed number at or above its own, so the
 * hypervisor can only refuse it as a replay. Neither a malformed block (it consumes nothing)
 * nor a well-formed block with a lower number releases it; were it released by either, it would
 * be carried out after its guest had seen {@code -ETIMEDOUT} and copied the page.
 */
class HeldRequestTest {
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** A one-entry block of VM 0 with sequence number {@code seq}: {@code src} to {@code dst} on vNode 1. */
    private static MemorySegment block(HypercallWorld w, long seq, int src, int dst) {
        MemorySegment b = MemorySegment.ofArray(new byte[(int) HypercallAbi.requestLength(1)]);
        HypercallAbi.encodeRequest(b, seq, 1, HypercallWorld.vnodeNodes()[0][1], MigrationOrder.MIGRATE_BEFORE_MAP,
                new int[] {src}, new int[] {dst}, 1);
        return b;
    }

    /** The first {@code n} moved gfns of VM 0's vNode 0. */
    private static int[] movedGfns(HypercallWorld w, int n) {
        int[] out = new int[n];
        int k = 0;
        for (int g = w.vm(0).vnodeStart(0); k < n; g++) {
            if (w.hv().movedPageList(0).isMoved(g)) {
                out[k++] = g;
            }
        }
        return out;
    }

    @Test
    void aHeldRequestIsReleasedOnlyOnceTheVmsFenceCoversIt() {
        HypercallWorld w = HypercallWorld.builder().config(HypercallConfig.DEFAULT.withFaults(7, 0, 0, 1.0)).build();
        RequestChannel ch = w.hv().channel();
        int[] moved = movedGfns(w, 3);
        int d = w.vm(0).vnodeStart(1);
        long heldSrc = w.host().locate(0, moved[0]);
        long heldDst = w.host().locate(0, d);
        assertThat(ch.submit(0, block(w, 10, moved[0], d), HypercallWorld.reply())).isEqualTo(-Errno.ETIMEDOUT);
        assertThat(ch.holding(0)).isTrue();

        MemorySegment malformed = block(w, 11, moved[1], d + 1);
        malformed.set(U32, HypercallAbi.REQ_MAGIC, 0);
        assertThat(ch.submit(0, malformed, HypercallWorld.reply())).isEqualTo(-Errno.EBADMSG);
        assertThat(ch.holding(0)).as("a block that consumed nothing does not release it").isTrue();

        assertThat(ch.submit(0, block(w, 5, moved[1], d + 1), HypercallWorld.reply())).isPositive();
        assertThat(w.hv().lastSequence(0)).isEqualTo(5);
        assertThat(ch.holding(0)).as("a lower number does not cover it").isTrue();

        assertThat(ch.submit(0, block(w, 12, moved[2], d + 2), HypercallWorld.reply())).isPositive();
        assertThat(ch.holding(0)).isFalse();
        assertThat(w.stat().get(Counter.HYPERCALL_REPLAYS_REFUSED)).as("the held request, refused").isEqualTo(1);
        assertThat(w.stat().get(Counter.HYPERCALLS)).as("the lower and the newer block only").isEqualTo(2);
        assertThat(w.host().locate(0, moved[0])).as("the held request's source never moved").isEqualTo(heldSrc);
        assertThat(w.host().locate(0, d)).as("nor its destination").isEqualTo(heldDst);
        w.checkInvariants();
    }
}
