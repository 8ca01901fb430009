package dev.copyless.hypervisor;

import java.lang.foreign.MemorySegment;

/**
 * A vCPU's shared hypercall area (docs/ABI.md): three pages for the request block, then one
 * page for the reply. The guest encodes its staged {@link MigrationRequest} here, hands the
 * block and the reply page to the request channel, and decodes the reply back. The views of
 * the area that a call names (the request block of each length, the reply page) are made once
 * and reused, so a call allocates nothing.
 */
public final class HypercallArea {
    private final MemorySegment area = MemorySegment.ofArray(new long[HypercallAbi.SHARED_AREA / 8]);
    private final MemorySegment reply = area.asSlice(HypercallAbi.REPLY_OFFSET, HypercallAbi.REPLY_AREA);
    private final MemorySegment[] requestOfCount = new MemorySegment[HypercallAbi.MAX_ENTRIES + 1];

    /** The whole area (request pages then reply page). */
    public MemorySegment segment() {
        return area;
    }

    /** The reply page. */
    public MemorySegment reply() {
        return reply;
    }

    /** The request block of {@code count} entries: the first {@code 64 + 16 * count} bytes of the area. */
    public MemorySegment request(int count) {
        MemorySegment s = requestOfCount[count];
        if (s == null) {
            s = area.asSlice(0, HypercallAbi.requestLength(count));
            requestOfCount[count] = s;
        }
        return s;
    }

    /**
     * One attempt: encodes {@code req} with sequence number {@code seq} and the host node the
     * guest believes backs the destination vNode, submits it for VM {@code vm} (the VM of the
     * vCPU that owns this area), and decodes the reply into {@code req.status} and
     * {@code req.callStatus}.
     *
     * @return what {@link RequestChannel#submit} returned: virtual ns of an accepted call, or {@code -errno}
     */
    public long call(RequestChannel channel, int vm, long seq, MigrationRequest req, int dstHostNode) {
        HypercallAbi.encodeRequest(area, seq, req, dstHostNode);
        long r = channel.submit(vm, request(req.count), reply);
        HypercallAbi.decodeReply(reply, seq, req);
        return r;
    }
}
