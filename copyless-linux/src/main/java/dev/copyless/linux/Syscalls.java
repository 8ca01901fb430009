package dev.copyless.linux;

import dev.copyless.mm.Errno;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * FFM ({@code java.lang.foreign}) bindings of the memory-management system calls the Linux
 * backend needs: {@code mmap}, {@code munmap}, {@code madvise}, {@code mremap}, {@code ioctl},
 * {@code close} (glibc wrappers) and {@code mbind}, {@code get_mempolicy}, {@code move_pages},
 * {@code userfaultfd} (no glibc wrapper without libnuma, or in glibc 2.36: called through
 * {@code syscall(2)} with the x86-64 numbers). No JNI, no C. {@link Userfaultfd} builds
 * {@code UFFDIO_MOVE} on {@link #userfaultfd} and {@link #ioctl}.
 *
 * <p>Every call captures {@code errno} ({@link Linker.Option#captureCallState}) and a failure
 * throws {@link SyscallException} naming the call and the errno. Addresses are plain
 * {@code long}s. Constants carry the kernel's names verbatim.
 *
 * <p>This class is plumbing; the claims are implemented on top of it by {@link GuestRam}
 * (vNode pinning with {@code MPOL_BIND}), {@link MovedPageScanner} (the exported data object
 * of claim 1) and {@link MigrationPaths} (claims 1-8 with {@code UFFDIO_MOVE}, or {@code mremap} on kernels before 6.8).
 */
public final class Syscalls {
    private Syscalls() {}

    public static final long PAGE_SIZE = 4096;

    // mmap(2)
    public static final int PROT_NONE = 0;
    public static final int PROT_READ = 1;
    public static final int PROT_WRITE = 2;
    public static final int MAP_PRIVATE = 0x02;
    public static final int MAP_FIXED = 0x10;
    public static final int MAP_ANONYMOUS = 0x20;
    public static final int MAP_NORESERVE = 0x4000;
    public static final int MAP_FIXED_NOREPLACE = 0x100000;

    // madvise(2)
    public static final int MADV_WILLNEED = 3;
    public static final int MADV_DONTNEED = 4;
    public static final int MADV_NOHUGEPAGE = 15;
    public static final int MADV_COLD = 20;
    public static final int MADV_PAGEOUT = 21;
    public static final int MADV_POPULATE_READ = 22;
    public static final int MADV_POPULATE_WRITE = 23;
    /** {@code MADV_GUARD_INSTALL} (Linux 6.13): the range faults fatally; each page becomes a guard PTE marker. */
    public static final int MADV_GUARD_INSTALL = 102;
    /** {@code MADV_GUARD_REMOVE} (Linux 6.13): the guard markers go; the range is empty again. */
    public static final int MADV_GUARD_REMOVE = 103;

    // mremap(2)
    public static final int MREMAP_MAYMOVE = 1;
    public static final int MREMAP_FIXED = 2;
    public static final int MREMAP_DONTUNMAP = 4;

    // set_mempolicy(2) / mbind(2) / get_mempolicy(2) / move_pages(2)
    public static final int MPOL_DEFAULT = 0;
    public static final int MPOL_PREFERRED = 1;
    public static final int MPOL_BIND = 2;
    public static final int MPOL_INTERLEAVE = 3;
    public static final int MPOL_LOCAL = 4;
    public static final int MPOL_MF_STRICT = 1;
    public static final int MPOL_MF_MOVE = 2;
    public static final int MPOL_MF_MOVE_ALL = 4;
    public static final int MPOL_F_NODE = 1;
    public static final int MPOL_F_ADDR = 2;

    /** x86-64 system call numbers. */
    public static final long SYS_mbind = 237;
    public static final long SYS_set_mempolicy = 238;
    public static final long SYS_get_mempolicy = 239;
    public static final long SYS_move_pages = 279;
    public static final long SYS_sched_setaffinity = 203;
    public static final long SYS_userfaultfd = 323;
    public static final long SYS_pidfd_open = 434;
    public static final long SYS_process_madvise = 440;

    /** {@code IOV_MAX}: the most iovecs one {@code process_madvise} call takes. */
    public static final int IOV_MAX = 1024;

    // open(2) flags, as userfaultfd(2) takes them
    public static final int O_NONBLOCK = 0x800;
    public static final int O_CLOEXEC = 0x80000;

    /** Bits in a node mask (one {@code unsigned long}); the kernel wants {@code maxnode} = bits + 1. */
    private static final int MASK_BITS = 64;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final Linker.Option ERRNO = Linker.Option.captureCallState("errno");
    private static final MemoryLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO_VH =
            CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final ThreadLocal<MemorySegment> STATE =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CAPTURE));

    private static final ValueLayout.OfLong L = ValueLayout.JAVA_LONG;
    private static final ValueLayout.OfInt I = ValueLayout.JAVA_INT;

    private static final MethodHandle MMAP = handle("mmap", FunctionDescriptor.of(L, L, L, I, I, I, L));
    private static final MethodHandle MUNMAP = handle("munmap", FunctionDescriptor.of(I, L, L));
    private static final MethodHandle MADVISE = handle("madvise", FunctionDescriptor.of(I, L, L, I));
    private static final MethodHandle MREMAP = handle("mremap", FunctionDescriptor.of(L, L, L, L, I, L),
            Linker.Option.firstVariadicArg(4));
    private static final MethodHandle IOCTL = handle("ioctl", FunctionDescriptor.of(I, I, L, L),
            Linker.Option.firstVariadicArg(2));
    private static final MethodHandle CLOSE = handle("close", FunctionDescriptor.of(I, I));
    private static final MethodHandle SYSCALL6 = handle("syscall", FunctionDescriptor.of(L, L, L, L, L, L, L, L),
            Linker.Option.firstVariadicArg(1));

    @SuppressWarnings("restricted") // native access is the point of this class (--enable-native-access=ALL-UNNAMED)
    private static MethodHandle handle(String name, FunctionDescriptor fd, Linker.Option... extra) {
        Linker.Option[] opts = new Linker.Option[extra.length + 1];
        opts[0] = ERRNO;
        System.arraycopy(extra, 0, opts, 1, extra.length);
        MemorySegment sym = LIBC.find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError("libc has no symbol " + name));
        return LINKER.downcallHandle(sym, fd, opts);
    }

    private static int errno(MemorySegment state) {
        return (int) ERRNO_VH.get(state, 0L);
    }

    private static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }

    /** {@code mmap(addr, len, prot, flags, -1, 0)} for anonymous memory; returns the address. */
    public static long mmapAnonymous(long addr, long len, int prot, int flags) {
        MemorySegment st = STATE.get();
        long r;
        try {
            r = (long) MMAP.invokeExact(st, addr, len, prot, flags | MAP_ANONYMOUS, -1, 0L);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        if (r == -1L) {
            throw new SyscallException("mmap", hex(addr) + ", " + len + ", prot " + prot + ", flags " + hex(flags), errno(st));
        }
        return r;
    }

    public static void munmap(long addr, long len) {
        MemorySegment st = STATE.get();
        int r;
        try {
            r = (int) MUNMAP.invokeExact(st, addr, len);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        if (r != 0) {
            throw new SyscallException("munmap", hex(addr) + ", " + len, errno(st));
        }
    }

    /** {@code madvise(addr, len, advice)}; see {@link #adviceName}. */
    public static void madvise(long addr, long len, int advice) {
        MemorySegment st = STATE.get();
        int r;
        try {
            r = (int) MADVISE.invokeExact(st, addr, len, advice);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        if (r != 0) {
            throw new SyscallException("madvise", hex(addr) + ", " + len + ", " + adviceName(advice), errno(st));
        }
    }

    /** {@code mremap(old, oldLen, newLen, flags, newAddr)}; returns the new address. */
    public static long mremap(long oldAddr, long oldLen, long newLen, int flags, long newAddr) {
        MemorySegment st = STATE.get();
        long r;
        try {
            r = (long) MREMAP.invokeExact(st, oldAddr, oldLen, newLen, flags, newAddr);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        if (r == -1L) {
            throw new SyscallException("mremap", hex(oldAddr) + ", " + oldLen + ", " + newLen + ", "
                    + mremapFlags(flags) + ", " + hex(newAddr), errno(st));
        }
        return r;
    }

    /**
     * {@code ioctl(fd, request, arg)} with a pointer (or integer) argument.
     *
     * @return 0 when the call returned 0 or more, else the errno (a positive number): the
     *     caller names the request and reads what the kernel wrote back (e.g. the {@code move}
     *     field of a partial {@code UFFDIO_MOVE})
     */
    public static int ioctl(int fd, long request, long arg) {
        MemorySegment st = STATE.get();
        int r;
        try {
            r = (int) IOCTL.invokeExact(st, fd, request, arg);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        return r < 0 ? errno(st) : 0;
    }

    /** {@code close(fd)}. */
    public static void close(int fd) {
        MemorySegment st = STATE.get();
        int r;
        try {
            r = (int) CLOSE.invokeExact(st, fd);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        if (r != 0) {
            throw new SyscallException("close", Integer.toString(fd), errno(st));
        }
    }

    /**
     * {@code userfaultfd(flags)} (x86-64 system call 323): a new userfaultfd, not yet
     * initialised ({@code UFFDIO_API} comes next). {@code EPERM}: unprivileged userfaultfd is
     * off ({@code vm.unprivileged_userfaultfd = 0}) and the process lacks {@code CAP_SYS_PTRACE};
     * {@code ENOSYS}: a kernel built without {@code CONFIG_USERFAULTFD}.
     */
    public static int userfaultfd(int flags) {
        MemorySegment st = STATE.get();
        long r;
        try {
            r = (long) SYSCALL6.invokeExact(st, SYS_userfaultfd, (long) flags, 0L, 0L, 0L, 0L, 0L);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        if (r == -1L) {
            int e = errno(st);
            throw new SyscallException("userfaultfd", openFlags(flags), e, switch (e) {
                case Errno.EPERM -> "unprivileged userfaultfd is disabled (vm.unprivileged_userfaultfd = 0) and this process"
                        + " lacks CAP_SYS_PTRACE; run as root";
                case Errno.ENOSYS -> "this kernel has no userfaultfd (CONFIG_USERFAULTFD)";
                case Errno.EINVAL -> "unsupported flags";
                case 24, 23 -> "too many open files";
                default -> "";
            });
        }
        return (int) r;
    }

    private static volatile int selfPidfd = -1;

    /** A pidfd of this process ({@code pidfd_open(getpid(), 0)}, x86-64 system call 434), opened once and kept. */
    private static int selfPidfd() {
        int fd = selfPidfd;
        if (fd < 0) {
            synchronized (Syscalls.class) {
                fd = selfPidfd;
                if (fd < 0) {
                    fd = (int) syscall("pidfd_open", "self", SYS_pidfd_open, ProcessHandle.current().pid(), 0, 0, 0, 0, 0);
                    selfPidfd = fd;
                }
            }
        }
        return fd;
    }

    /**
     * {@code process_madvise(pidfd_self, iov, count, advice, 0)} (Linux 5.10, x86-64 system call
     * 440): one advice over {@code count} ranges of this process, taken in the given order, in
     * one call ({@code count <= IOV_MAX}). Ranges need not be sorted or adjacent.
     *
     * @return the bytes advised: all of them, or fewer when the kernel stopped at a range
     *     (the caller goes on from there)
     * @throws SyscallException when nothing was advised ({@code ENOSYS}: a kernel before 5.10;
     *     {@code EINVAL}: an advice it does not take here; {@code EPERM}: not allowed)
     */
    public static long processMadviseSelf(long[] addrs, long[] lens, int from, int count, int advice) {
        if (count < 1 || count > IOV_MAX) {
            throw new IllegalArgumentException("count " + count);
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment iov = a.allocate(16L * count, 8);
            for (int i = 0; i < count; i++) {
                iov.set(L, 16L * i, addrs[from + i]);
                iov.set(L, 16L * i + 8, lens[from + i]);
            }
            return syscall("process_madvise", count + " ranges, " + adviceName(advice), SYS_process_madvise, selfPidfd(),
                    iov.address(), count, advice, 0, 0);
        }
    }

    private static String openFlags(int flags) {
        StringBuilder b = new StringBuilder();
        if ((flags & O_CLOEXEC) != 0) {
            b.append("O_CLOEXEC");
        }
        if ((flags & O_NONBLOCK) != 0) {
            b.append(b.isEmpty() ? "" : "|").append("O_NONBLOCK");
        }
        return b.isEmpty() ? "0" : b.toString();
    }

    private static long syscall(String name, String args, long nr, long a, long b, long c, long d, long e, long f) {
        MemorySegment st = STATE.get();
        long r;
        try {
            r = (long) SYSCALL6.invokeExact(st, nr, a, b, c, d, e, f);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        if (r == -1L) {
            throw new SyscallException(name, args, errno(st));
        }
        return r;
    }

    /**
     * {@code sched_setaffinity(0, 8, &mask)}: the calling thread may run only on the CPUs of
     * {@code cpuMask} (bit n = CPU n; the first 64 CPUs).
     */
    public static void schedSetaffinity(long cpuMask) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment mask = a.allocate(L);
            mask.set(L, 0, cpuMask);
            syscall("sched_setaffinity", "0, 8, 0x" + Long.toHexString(cpuMask), SYS_sched_setaffinity, 0, 8,
                    mask.address(), 0, 0, 0);
        }
    }

    /** {@code mbind(addr, len, mode, {node}, maxnode, flags)}: a policy on one node ({@code MPOL_BIND} etc.). */
    public static void mbind(long addr, long len, int mode, int node, int flags) {
        if (node < 0 || node >= MASK_BITS) {
            throw new SyscallException("mbind", "node " + node, Errno.EINVAL);
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment mask = a.allocate(L);
            mask.set(L, 0, 1L << node);
            syscall("mbind", hex(addr) + ", " + len + ", " + policyName(mode) + ", node " + node + ", flags " + flags,
                    SYS_mbind, addr, len, mode, mask.address(), MASK_BITS + 1, flags);
        }
    }

    /** {@code get_mempolicy(&mode, mask, maxnode, addr, MPOL_F_ADDR)}: the policy mode of the VMA at addr. */
    public static int policyModeAt(long addr) {
        return (int) mempolicyAt(addr)[0];
    }

    /** The node mask (bit i = node i) of the VMA policy at addr ({@code get_mempolicy} with {@code MPOL_F_ADDR}). */
    public static long policyNodesAt(long addr) {
        return mempolicyAt(addr)[1];
    }

    /** One {@code get_mempolicy(&mode, mask, maxnode, addr, MPOL_F_ADDR)}: {mode, first word of the node mask}. */
    private static long[] mempolicyAt(long addr) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment mode = a.allocate(I);
            MemorySegment mask = a.allocate(L, 2);
            syscall("get_mempolicy", "MPOL_F_ADDR, " + hex(addr), SYS_get_mempolicy,
                    mode.address(), mask.address(), 2 * MASK_BITS + 1, addr, MPOL_F_ADDR, 0);
            return new long[] {mode.get(I, 0), mask.get(L, 0)};
        }
    }

    /** {@code get_mempolicy(&node, NULL, 0, addr, MPOL_F_NODE | MPOL_F_ADDR)}: the node of the page at addr (faults it in). */
    public static int nodeOfPageAt(long addr) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment node = a.allocate(I);
            syscall("get_mempolicy", "MPOL_F_NODE|MPOL_F_ADDR, " + hex(addr), SYS_get_mempolicy,
                    node.address(), 0, 0, addr, MPOL_F_NODE | MPOL_F_ADDR, 0);
            return node.get(I, 0);
        }
    }

    /**
     * {@code move_pages(0, count, pages, NULL, status, 0)}: query without moving or faulting.
     * {@code status[i]} gets the node of page i, or {@code -errno} ({@code -ENOENT}: not
     * present, e.g. swapped or never touched).
     */
    public static void movePagesQuery(long[] addrs, int count, int[] status) {
        movePages(addrs, count, null, status, 0);
    }

    /**
     * {@code move_pages(0, count, pages, nodes, status, MPOL_MF_MOVE)}: moves present pages to
     * {@code nodes[i]}; {@code status[i]} gets the node or {@code -errno}.
     *
     * @return the number of pages not migrated (the kernel's return value)
     */
    public static long movePages(long[] addrs, int count, int[] nodes, int[] status, int flags) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment pages = a.allocate(L, Math.max(1, count));
            for (int i = 0; i < count; i++) {
                pages.setAtIndex(L, i, addrs[i]);
            }
            MemorySegment nodeSeg = MemorySegment.NULL;
            if (nodes != null) {
                nodeSeg = a.allocate(I, Math.max(1, count));
                for (int i = 0; i < count; i++) {
                    nodeSeg.setAtIndex(I, i, nodes[i]);
                }
            }
            MemorySegment st = a.allocate(I, Math.max(1, count));
            long r = syscall("move_pages", count + " pages" + (nodes == null ? ", query" : ", flags " + flags),
                    SYS_move_pages, 0, count, pages.address(), nodeSeg.address(), st.address(), flags);
            for (int i = 0; i < count; i++) {
                status[i] = st.getAtIndex(I, i);
            }
            return r;
        }
    }

    /** A view of native memory at an address (for reading and writing guest RAM). */
    @SuppressWarnings("restricted")
    public static MemorySegment segment(long addr, long len) {
        return MemorySegment.ofAddress(addr).reinterpret(len);
    }

    public static String adviceName(int advice) {
        return switch (advice) {
            case MADV_WILLNEED -> "MADV_WILLNEED";
            case MADV_DONTNEED -> "MADV_DONTNEED";
            case MADV_NOHUGEPAGE -> "MADV_NOHUGEPAGE";
            case MADV_COLD -> "MADV_COLD";
            case MADV_PAGEOUT -> "MADV_PAGEOUT";
            case MADV_POPULATE_READ -> "MADV_POPULATE_READ";
            case MADV_POPULATE_WRITE -> "MADV_POPULATE_WRITE";
            case MADV_GUARD_INSTALL -> "MADV_GUARD_INSTALL";
            case MADV_GUARD_REMOVE -> "MADV_GUARD_REMOVE";
            default -> "advice " + advice;
        };
    }

    public static String policyName(int mode) {
        return switch (mode) {
            case MPOL_DEFAULT -> "MPOL_DEFAULT";
            case MPOL_PREFERRED -> "MPOL_PREFERRED";
            case MPOL_BIND -> "MPOL_BIND";
            case MPOL_INTERLEAVE -> "MPOL_INTERLEAVE";
            case MPOL_LOCAL -> "MPOL_LOCAL";
            default -> "mode " + mode;
        };
    }

    private static String mremapFlags(int flags) {
        StringBuilder b = new StringBuilder();
        if ((flags & MREMAP_MAYMOVE) != 0) {
            b.append("MREMAP_MAYMOVE");
        }
        if ((flags & MREMAP_FIXED) != 0) {
            b.append(b.isEmpty() ? "" : "|").append("MREMAP_FIXED");
        }
        if ((flags & MREMAP_DONTUNMAP) != 0) {
            b.append(b.isEmpty() ? "" : "|").append("MREMAP_DONTUNMAP");
        }
        return b.isEmpty() ? "0" : b.toString();
    }

    /** x86-64 {@code mincore}. */
    public static final long SYS_mincore = 27;

    /**
     * {@code mincore(addr, len, vec)}: bit 0 of {@code out[i]} is set when page i is in memory.
     * For an anonymous page whose PTE is a swap entry that means it is still in the swap cache
     * (its data has not left memory). {@code out} must hold at least {@code len / 4096} bytes.
     */
    public static void mincore(long addr, long len, byte[] out) {
        int pages = (int) ((len + PAGE_SIZE - 1) / PAGE_SIZE);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment vec = a.allocate(Math.max(1, pages));
            syscall("mincore", hex(addr) + ", " + len, SYS_mincore, addr, len, vec.address(), 0, 0, 0);
            MemorySegment.copy(vec, ValueLayout.JAVA_BYTE, 0, out, 0, pages);
        }
    }

    /** x86-64 {@code mlockall} and {@code munlockall}; {@code mlockall} flags. */
    public static final long SYS_mlockall = 151;
    public static final long SYS_munlockall = 152;
    public static final int MCL_CURRENT = 1;
    public static final int MCL_FUTURE = 2;
    public static final int MCL_ONFAULT = 4;

    /** {@code mlockall(flags)}: locks the process's mappings in memory ({@link #MCL_CURRENT}: those that exist now). */
    public static void mlockall(int flags) {
        syscall("mlockall", String.valueOf(flags), SYS_mlockall, flags, 0, 0, 0, 0, 0);
    }

    /** x86-64 {@code mlock}. */
    public static final long SYS_mlock = 149;

    /**
     * {@code mlock(addr, len)}: faults the range in (a private writable mapping gets its own
     * pages, from the VMA's memory policy) and keeps it out of reclaim.
     */
    public static void mlock(long addr, long len) {
        syscall("mlock", hex(addr) + ", " + len, SYS_mlock, addr, len, 0, 0, 0, 0);
    }

    /** x86-64 {@code munlock}. */
    public static final long SYS_munlock = 150;

    /** {@code munlock(addr, len)}: the range may be reclaimed again (clears {@code VM_LOCKED} an {@code MCL_FUTURE} set). */
    public static void munlock(long addr, long len) {
        syscall("munlock", hex(addr) + ", " + len, SYS_munlock, addr, len, 0, 0, 0, 0);
    }

    /** {@code munlockall()}. */
    public static void munlockall() {
        syscall("munlockall", "", SYS_munlockall, 0, 0, 0, 0, 0, 0);
    }

    /** x86-64 {@code getrusage}; {@code RUSAGE_THREAD}; the offset of {@code ru_majflt} in {@code struct rusage}. */
    public static final long SYS_getrusage = 98;
    public static final int RUSAGE_THREAD = 1;
    private static final long RU_MAJFLT_OFFSET = 2 * 16 + 5 * 8; // two struct timeval, then maxrss..minflt

    private static final ThreadLocal<MemorySegment> RUSAGE =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(144, 8));

    /**
     * {@code getrusage(RUSAGE_THREAD)}'s {@code ru_majflt}: the major faults of the calling
     * thread, those the kernel accounted {@code VM_FAULT_MAJOR} (a swap-in that read the device;
     * also those started by {@code MADV_POPULATE_READ}, which fault in the caller's context).
     */
    public static long threadMajorFaults() {
        MemorySegment ru = RUSAGE.get();
        syscall("getrusage", "RUSAGE_THREAD", SYS_getrusage, RUSAGE_THREAD, ru.address(), 0, 0, 0, 0);
        return ru.get(L, RU_MAJFLT_OFFSET);
    }
}
