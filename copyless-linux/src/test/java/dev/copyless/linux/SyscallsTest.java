package dev.copyless.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.copyless.mm.Errno;
import org.junit.jupiter.api.Test;

/** The FFM bindings: calls that work, and failures that carry the syscall's and errno's names. */
class SyscallsTest {
    private static final long PAGE = Syscalls.PAGE_SIZE;

    @Test
    void failuresNameTheSyscallAndTheErrno() {
        assertThatThrownBy(() -> Syscalls.munmap(12345, PAGE))
                .isInstanceOfSatisfying(SyscallException.class, e -> {
                    assertThat(e.syscall()).isEqualTo("munmap");
                    assertThat(e.errno()).isEqualTo(Errno.EINVAL);
                    assertThat(e.errnoName()).isEqualTo("EINVAL");
                    assertThat(e.getMessage()).startsWith("munmap(").contains("EINVAL (errno 22)");
                });
        long a = Syscalls.mmapAnonymous(0, PAGE, Syscalls.PROT_READ | Syscalls.PROT_WRITE, Syscalls.MAP_PRIVATE);
        try {
            assertThatThrownBy(() -> Syscalls.madvise(a, PAGE, 9999))
                    .isInstanceOf(SyscallException.class).hasMessageContaining("madvise").hasMessageContaining("EINVAL");
            // node 62 does not exist
            assertThatThrownBy(() -> Syscalls.mbind(a, PAGE, Syscalls.MPOL_BIND, 62, 0))
                    .isInstanceOfSatisfying(SyscallException.class, e -> {
                        assertThat(e.syscall()).isEqualTo("mbind");
                        assertThat(e.errnoName()).isEqualTo("EINVAL");
                        assertThat(e.getMessage()).contains("MPOL_BIND");
                    });
            // mremap of a range that is not mapped
            assertThatThrownBy(() -> Syscalls.mremap(a + (1L << 40), PAGE, PAGE,
                    Syscalls.MREMAP_MAYMOVE | Syscalls.MREMAP_FIXED, a))
                    .isInstanceOfSatisfying(SyscallException.class, e -> {
                        assertThat(e.syscall()).isEqualTo("mremap");
                        assertThat(e.errnoName()).isEqualTo("EFAULT");
                        assertThat(e.getMessage()).contains("MREMAP_MAYMOVE|MREMAP_FIXED");
                    });
            assertThatThrownBy(() -> Syscalls.movePages(new long[] {a}, 1, new int[] {62}, new int[1], Syscalls.MPOL_MF_MOVE))
                    .isInstanceOfSatisfying(SyscallException.class, e -> {
                        assertThat(e.syscall()).isEqualTo("move_pages");
                        assertThat(e.errnoName()).isIn("ENODEV", "EINVAL");
                    });
        } finally {
            Syscalls.munmap(a, PAGE);
        }
        assertThat(Errno.name(-Errno.ENOENT)).isEqualTo("ENOENT");
    }

    @Test
    void mbindAndMovePagesQueryOnRealMemory() {
        int node = LinuxHost.onlineNodes()[0];
        long a = Syscalls.mmapAnonymous(0, 4 * PAGE, Syscalls.PROT_READ | Syscalls.PROT_WRITE, Syscalls.MAP_PRIVATE);
        try {
            Syscalls.mbind(a, 4 * PAGE, Syscalls.MPOL_BIND, node, 0);
            assertThat(Syscalls.policyModeAt(a)).isEqualTo(Syscalls.MPOL_BIND);
            assertThat(Syscalls.policyNodesAt(a)).isEqualTo(1L << node);
            Syscalls.segment(a, PAGE).fill((byte) 1);
            int[] st = new int[2];
            Syscalls.movePagesQuery(new long[] {a, a + PAGE}, 2, st);
            assertThat(st[0]).isEqualTo(node);
            assertThat(st[1]).isEqualTo(-Errno.ENOENT); // never touched
            assertThat(Syscalls.nodeOfPageAt(a)).isEqualTo(node);
            // moving to the node it is on is a no-op that succeeds
            Syscalls.movePages(new long[] {a}, 1, new int[] {node}, st, Syscalls.MPOL_MF_MOVE);
            assertThat(st[0]).isEqualTo(node);
        } finally {
            Syscalls.munmap(a, 4 * PAGE);
        }
    }

    @Test
    void readersOfTheKernelsCounters() {
        ProcVmstat.Snapshot s = ProcVmstat.snapshot();
        assertThat(ProcVmstat.vmstat()).containsKeys("pswpin", "pswpout", "pgmajfault");
        assertThat(s.processMinflt()).isPositive();
        assertThat(LinuxHost.parseNodeList("0-2,4")).containsExactly(0, 1, 2, 4);
        assertThat(LinuxHost.onlineNodes()).isNotEmpty();
    }
}
