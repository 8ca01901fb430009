package dev.copyless.kernel;

import dev.copyless.host.PageContent;

/**
 * The default {@link PageStore}: no bytes at all, the simulated host is a model. It remembers
 * one thing per slot, and only once a torn write happened: which slots hold a torn page, so
 * that fault injection's checksum failures behave the same as with real bytes. Every other
 * method is a no-op, so the default path allocates nothing and costs one virtual call per
 * data movement.
 */
public final class ModelPageStore implements PageStore {
    /** Per device, a bitset of torn slots; null until the device's first torn write. */
    private long[][] torn = new long[0][];

    @Override
    public boolean real() {
        return false;
    }

    @Override
    public void stamp(int node, int pfn, long token) {
        // no bytes
    }

    @Override
    public void copyFrame(int fromNode, int fromPfn, int toNode, int toPfn) {
        // no bytes
    }

    @Override
    public void writeSlot(int node, int pfn, int device, int slot, int bytes) {
        if (bytes < PageContent.PAGE) {
            if (device >= torn.length) {
                torn = java.util.Arrays.copyOf(torn, device + 1);
            }
            if (torn[device] == null || torn[device].length <= slot >>> 6) {
                torn[device] = java.util.Arrays.copyOf(torn[device] == null ? new long[0] : torn[device],
                        Math.max((slot >>> 6) + 1, torn[device] == null ? 64 : torn[device].length * 2));
            }
            torn[device][slot >>> 6] |= 1L << slot;
        } else if (device < torn.length && torn[device] != null && slot >>> 6 < torn[device].length) {
            torn[device][slot >>> 6] &= ~(1L << slot);
        }
    }

    @Override
    public boolean slotIntact(int device, int slot) {
        return device >= torn.length || torn[device] == null || slot >>> 6 >= torn[device].length
                || (torn[device][slot >>> 6] & (1L << slot)) == 0;
    }

    @Override
    public boolean readSlot(int device, int slot, int node, int pfn) {
        return slotIntact(device, slot);
    }

    @Override
    public long frameToken(int node, int pfn) {
        return PageContent.NONE;
    }

    @Override
    public long slotToken(int device, int slot) {
        return PageContent.NONE;
    }

    @Override
    public long bytesCopied() {
        return 0;
    }

    @Override
    public void close() {
        // nothing held
    }
}
