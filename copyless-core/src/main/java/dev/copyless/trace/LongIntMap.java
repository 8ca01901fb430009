package dev.copyless.trace;

import java.util.Arrays;

/**
 * An open-addressing hash map from non-negative {@code long} keys to {@code int} values with
 * no boxing: the trace writer's virtual page number to compact page index table, and the
 * reader's duplicate check of the page table. Linear probing, power-of-two capacity, load
 * factor at most 1/2.
 */
final class LongIntMap {
    static final int ABSENT = -1;
    private long[] keys; // key + 1; 0 = empty slot
    private int[] values;
    private int size;

    LongIntMap(int expected) {
        int cap = Integer.highestOneBit(Math.max(16, expected * 2 - 1)) << 1;
        keys = new long[cap];
        values = new int[cap];
    }

    int size() {
        return size;
    }

    /** The value of {@code key}, or {@link #ABSENT}. */
    int get(long key) {
        long k = key + 1;
        int mask = keys.length - 1;
        for (int i = hash(k) & mask; ; i = (i + 1) & mask) {
            long s = keys[i];
            if (s == k) {
                return values[i];
            }
            if (s == 0) {
                return ABSENT;
            }
        }
    }

    /** The value of {@code key}; if absent, maps it to {@code value} and returns {@link #ABSENT}. */
    int putIfAbsent(long key, int value) {
        long k = key + 1;
        int mask = keys.length - 1;
        int i = hash(k) & mask;
        for (; ; i = (i + 1) & mask) {
            long s = keys[i];
            if (s == k) {
                return values[i];
            }
            if (s == 0) {
                break;
            }
        }
        keys[i] = k;
        values[i] = value;
        if (++size * 2 > keys.length) {
            grow();
        }
        return ABSENT;
    }

    private void grow() {
        long[] ok = keys;
        int[] ov = values;
        keys = new long[ok.length * 2];
        values = new int[ok.length * 2];
        int mask = keys.length - 1;
        for (int j = 0; j < ok.length; j++) {
            if (ok[j] != 0) {
                int i = hash(ok[j]) & mask;
                while (keys[i] != 0) {
                    i = (i + 1) & mask;
                }
                keys[i] = ok[j];
                values[i] = ov[j];
            }
        }
    }

    private static int hash(long k) {
        long z = k * 0x9E3779B97F4A7C15L;
        return (int) (z ^ (z >>> 32));
    }

    void clear() {
        Arrays.fill(keys, 0);
        size = 0;
    }
}
