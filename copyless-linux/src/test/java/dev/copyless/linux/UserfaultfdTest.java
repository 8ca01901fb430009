package dev.copyless.linux;

import static dev.copyless.linux.Syscalls.PAGE_SIZE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.copyless.mm.Errno;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * {@code UFFDIO_MOVE} through {@link Userfaultfd} on real memory (no swap needed): what moves,
 * the partial move, and every refusal named with its errno and what it means. Skipped, with
 * the reason, where this kernel or process has no {@code UFFDIO_MOVE}.
 */
class UserfaultfdTest {
    private static final ValueLayout.OfLong L = ValueLayout.JAVA_LONG;

    @Test
    void theProbeFindsMoveOnLinux68AndLaterAsRoot() {
        String[] v = System.getProperty("os.version").split("[.-]");
        int major = Integer.parseInt(v[0]);
        int minor = Integer.parseInt(v[1]);
        Assumptions.assumeTrue(major > 6 || (major == 6 && minor >= 8), "skipped: kernel before 6.8");
        Assumptions.assumeTrue(LinuxHost.isRoot(), "skipped: not root (unprivileged userfaultfd may be off)");
        assertThat(Userfaultfd.moveUnavailableReason()).isEmpty();
        assertThat(Userfaultfd.availableFeatures() & Userfaultfd.UFFD_FEATURE_MOVE).isNotZero();
        assertThat(MovePrimitive.detect()).isEqualTo(MovePrimitive.UFFDIO_MOVE);
        assertThat(MovePrimitive.UFFDIO_MOVE.note()).isEmpty();
        assertThat(MovePrimitive.UFFDIO_MOVE.maxScatteredPages(1 << 20)).isEqualTo(1 << 20);
    }

    @Test
    void theIoctlNumbersAreTheKernels() {
        // _IOWR(0xAA, nr, size) from include/uapi/linux/userfaultfd.h
        assertThat(Userfaultfd.UFFDIO_API).isEqualTo(0xC018AA3FL);
        assertThat(Userfaultfd.UFFDIO_REGISTER).isEqualTo(0xC020AA00L);
        assertThat(Userfaultfd.UFFDIO_MOVE).isEqualTo(0xC028AA05L);
        // UFFD_FEATURE_MOVE is (1<<16); (1<<10), which this code once used, is UFFD_FEATURE_MINOR_SHMEM (Linux 5.14),
        // which made a 5.14-6.7 kernel look as if it had UFFDIO_MOVE
        assertThat(Userfaultfd.UFFD_FEATURE_MOVE).isEqualTo(0x10000L);
    }

    @Test
    void movesPagesAndNamesEveryRefusal() {
        SwapAvailable.assumeUffdioMove();
        int pages = 16;
        long base = Syscalls.mmapAnonymous(0, pages * PAGE_SIZE, Syscalls.PROT_READ | Syscalls.PROT_WRITE,
                Syscalls.MAP_PRIVATE);
        long other = Syscalls.mmapAnonymous(0, PAGE_SIZE, Syscalls.PROT_READ | Syscalls.PROT_WRITE, Syscalls.MAP_PRIVATE);
        MemorySegment m = Syscalls.segment(base, pages * PAGE_SIZE);
        try (Userfaultfd u = Userfaultfd.openForMove()) {
            Syscalls.madvise(base, pages * PAGE_SIZE, Syscalls.MADV_NOHUGEPAGE);
            u.registerWriteProtect(base, pages * PAGE_SIZE);
            for (int p = 0; p < 3; p++) {
                m.set(L, p * PAGE_SIZE, 100 + p); // sources 0, 1, 2
            }
            m.set(L, 6 * PAGE_SIZE, 666); // a populated page in the way

            // a partial move: 4 and 5 move, 6 is populated, the kernel stops there and says how much moved
            long moved = u.move(base + 4 * PAGE_SIZE, base, 3 * PAGE_SIZE, 0);
            assertThat(moved).isEqualTo(2 * PAGE_SIZE);
            assertThat(m.get(L, 4 * PAGE_SIZE)).isEqualTo(100);
            assertThat(m.get(L, 5 * PAGE_SIZE)).isEqualTo(101);
            assertThat(m.get(L, 0)).as("a moved source reads zero").isZero();
            // the rest: the populated destination is refused, by name
            assertThatThrownBy(() -> u.move(base + 6 * PAGE_SIZE, base + 2 * PAGE_SIZE, PAGE_SIZE, 0))
                    .isInstanceOfSatisfying(SyscallException.class, e -> {
                        assertThat(e.errnoName()).isEqualTo("EEXIST");
                        assertThat(e.getMessage()).contains("UFFDIO_MOVE").contains("already populated");
                    });
            assertThat(m.get(L, 2 * PAGE_SIZE)).as("a refused move leaves the source").isEqualTo(102);
            assertThat(m.get(L, 6 * PAGE_SIZE)).isEqualTo(666);

            // an empty source: ENOENT, or skipped with UFFDIO_MOVE_MODE_ALLOW_SRC_HOLES
            assertThatThrownBy(() -> u.move(base + 8 * PAGE_SIZE, base + 9 * PAGE_SIZE, PAGE_SIZE, 0))
                    .isInstanceOfSatisfying(SyscallException.class, e -> {
                        assertThat(e.errnoName()).isEqualTo("ENOENT");
                        assertThat(e.getMessage()).contains("source page is empty");
                    });
            assertThat(u.move(base + 8 * PAGE_SIZE, base + 9 * PAGE_SIZE, PAGE_SIZE,
                    Userfaultfd.UFFDIO_MOVE_MODE_ALLOW_SRC_HOLES)).isEqualTo(PAGE_SIZE);

            // not page-aligned; and a destination outside the registered range
            assertThatThrownBy(() -> u.move(base + 8 * PAGE_SIZE + 8, base + 2 * PAGE_SIZE, PAGE_SIZE, 0))
                    .isInstanceOfSatisfying(SyscallException.class, e -> {
                        assertThat(e.errnoName()).isEqualTo("EINVAL");
                        assertThat(e.getMessage()).contains("page-aligned");
                    });
            assertThatThrownBy(() -> u.move(other, base + 2 * PAGE_SIZE, PAGE_SIZE, 0))
                    .isInstanceOfSatisfying(SyscallException.class, e -> assertThat(e.errnoName()).isIn("EINVAL", "ENOENT"));
            assertThat(m.get(L, 2 * PAGE_SIZE)).isEqualTo(102);
            u.close();
            assertThatThrownBy(() -> u.move(base + 8 * PAGE_SIZE, base + 2 * PAGE_SIZE, PAGE_SIZE, 0))
                    .isInstanceOf(IllegalStateException.class);
        } finally {
            Syscalls.munmap(base, pages * PAGE_SIZE);
            Syscalls.munmap(other, PAGE_SIZE);
        }
    }

    @Test
    void everyErrnoOfTheMoveHasAMeaning() {
        for (int e : new int[] {Errno.EEXIST, Errno.ENOENT, Errno.EBUSY, Errno.EAGAIN, Errno.EINVAL, Errno.ENOMEM,
                Errno.EFAULT, Errno.ESRCH, Errno.ENOTTY}) {
            assertThat(Userfaultfd.moveErrnoMeaning(e)).as(Errno.name(e)).isNotBlank();
        }
        assertThat(new SyscallException("ioctl", "UFFDIO_MOVE", Errno.EBUSY, Userfaultfd.moveErrnoMeaning(Errno.EBUSY))
                .getMessage()).isEqualTo("ioctl(UFFDIO_MOVE): EBUSY (errno 16): " + Userfaultfd.moveErrnoMeaning(Errno.EBUSY));
    }

    @Test
    void userfaultfdWithUnknownFlagsIsRefusedByName() {
        assertThatThrownBy(() -> Syscalls.userfaultfd(0x40000000))
                .isInstanceOfSatisfying(SyscallException.class, e -> {
                    assertThat(e.syscall()).isEqualTo("userfaultfd");
                    assertThat(e.errnoName()).isIn("EINVAL", "EPERM");
                });
    }
}
