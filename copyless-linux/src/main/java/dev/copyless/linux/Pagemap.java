package dev.copyless.linux;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Reader of {@code /proc/self/pagemap}: one 64-bit entry per virtual page, bit 63 present,
 * bit 62 swapped, bit 61 file-page or shared-anon, bit 57 exclusively mapped; for a swapped
 * page the swap type is in bits 0-4 and the swap offset in bits 5-54 (root only: without
 * {@code CAP_SYS_ADMIN} the kernel zeroes them). {@code PM_SWAP} is also set for entries that
 * are not swap ({@link #nonSwapEntry}: a page under migration, a marker), so
 * {@link #swapped} tells them apart by the type. {@link MovedPageScanner} builds the
 * exported data object of claim 1 from these entries.
 */
public final class Pagemap implements AutoCloseable {
    public static final long PRESENT = 1L << 63;
    public static final long SWAPPED = 1L << 62;
    public static final long FILE_OR_SHARED = 1L << 61;
    public static final long EXCLUSIVE = 1L << 57;
    public static final long PFN_MASK = (1L << 55) - 1;
    /**
     * The smallest {@code MAX_SWAPFILES} of any kernel configuration (include/linux/swap.h:
     * 32 types, less 4 device-private, 3 migration, 1 hwpoison, 1 PTE-marker and, in kernels
     * that still have it, 1 swapin-error type): a type below it is a swap device's on every
     * kernel, and the special types begin at {@code MAX_SWAPFILES} or later. A host with more
     * than 22 swap areas active would have its 23rd read as a non-swap entry.
     */
    public static final int MAX_SWAPFILES_AT_LEAST = 22;

    private final FileChannel ch;
    private ByteBuffer buf = ByteBuffer.allocateDirect(8 * 512).order(ByteOrder.LITTLE_ENDIAN);

    public Pagemap() {
        try {
            ch = FileChannel.open(Path.of("/proc/self/pagemap"), StandardOpenOption.READ);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open /proc/self/pagemap", e);
        }
    }

    /** Reads the entries of {@code pages} pages from virtual address {@code addr} into {@code out}. */
    public void read(long addr, int pages, long[] out) {
        if (buf.capacity() < pages * 8) {
            buf = ByteBuffer.allocateDirect(pages * 8).order(ByteOrder.LITTLE_ENDIAN);
        }
        buf.clear().limit(pages * 8);
        long pos = (addr / Syscalls.PAGE_SIZE) * 8;
        try {
            while (buf.hasRemaining()) {
                int n = ch.read(buf, pos + buf.position());
                if (n <= 0) {
                    throw new IOException("short read of /proc/self/pagemap at " + pos);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        buf.flip();
        for (int i = 0; i < pages; i++) {
            out[i] = buf.getLong();
        }
    }

    /** The entry of one page. */
    public long entry(long addr) {
        long[] e = new long[1];
        read(addr, 1, e);
        return e[0];
    }

    public static boolean present(long e) {
        return (e & PRESENT) != 0;
    }

    /**
     * The page is out on a swap device: {@code PM_SWAP} with a swap device's type. Not a
     * {@link #nonSwapEntry non-swap entry}, which the kernel also reports with
     * {@code PM_SWAP}.
     */
    public static boolean swapped(long e) {
        return (e & SWAPPED) != 0 && swapType(e) < MAX_SWAPFILES_AT_LEAST;
    }

    /**
     * {@code non_swap_entry()}: {@code PM_SWAP} with one of the types past the swap devices'
     * ({@code swp_type >= MAX_SWAPFILES}, include/linux/swapops.h). These are a migration
     * entry of a page the kernel is moving at that moment (kcompactd, {@code move_pages}, NUMA
     * balancing; the page is present again when the move ends), a device-private, hwpoison or
     * PTE-marker entry (a uffd-wp or guard marker). fs/proc/task_mmu.c's
     * {@code pte_to_pagemap_entry} reports all of them with {@code PM_SWAP}; none is a page
     * out on swap.
     */
    public static boolean nonSwapEntry(long e) {
        return (e & SWAPPED) != 0 && swapType(e) >= MAX_SWAPFILES_AT_LEAST;
    }

    /**
     * Swap type, bits 0-4: the swap device's index in the kernel's {@code swap_info[]}, or a
     * {@link #nonSwapEntry non-swap entry}'s type. Without {@code CAP_SYS_ADMIN} the kernel
     * reports 0, and a non-swap entry then reads as swapped.
     */
    public static int swapType(long e) {
        return (int) (e & 0x1F);
    }

    /** Swap offset (slot in the device, in pages), bits 5-54. */
    public static long swapOffset(long e) {
        return (e & PFN_MASK) >>> 5;
    }

    /** Page frame number of a present page (0 without {@code CAP_SYS_ADMIN}), bits 0-54. */
    public static long pfn(long e) {
        return e & PFN_MASK;
    }

    @Override
    public void close() {
        try {
            ch.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
