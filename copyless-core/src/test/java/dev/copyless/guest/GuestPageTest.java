package dev.copyless.guest;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class GuestPageTest {
    private static Task task(int id) {
        return new Task(id, "t" + id, 0, null, 0, 2, 0);
    }

    @Test
    void lastCpupidRoundTripsAtTheFieldLimits() {
        for (int pid : new int[] {0, 1, 127, 128, 254}) {
            for (int vnode : new int[] {0, 1, 64, GuestPage.MAX_VNODES - 1}) {
                int cpupid = pid << 8 | vnode;
                short w = GuestPage.withCpupid(GuestPage.RESET, cpupid);
                assertThat(GuestPage.allocated(w)).isTrue();
                assertThat(GuestPage.lastCpupid(w)).as("pid %d vNode %d", pid, vnode).isEqualTo(cpupid);
                assertThat(Task.cpupidVnode(GuestPage.lastCpupid(w))).isEqualTo(vnode);
            }
        }
    }

    @Test
    void pid255IsTheUnsetValueAsInLinux() {
        assertThat(GuestPage.lastCpupid(GuestPage.RESET)).isEqualTo(GuestVm.NO_CPUPID);
        assertThat(GuestPage.lastCpupid(GuestPage.withCpupid(GuestPage.RESET, 255 << 8 | 3))).isEqualTo(GuestVm.NO_CPUPID);
        short w = GuestPage.withCpupid(GuestPage.RESET, 7 << 8 | 1);
        assertThat(GuestPage.lastCpupid(GuestPage.withCpupid(w, GuestVm.NO_CPUPID))).isEqualTo(GuestVm.NO_CPUPID);
    }

    @Test
    void theCpupidFieldLeavesTheAllocationBitAlone() {
        assertThat(GuestPage.allocated(GuestPage.FREE)).isFalse();
        short free = GuestPage.withCpupid(GuestPage.FREE, 254 << 8 | GuestPage.MAX_VNODES - 1);
        assertThat(GuestPage.allocated(free)).isFalse();
        assertThat(GuestPage.allocated(GuestPage.withCpupid(GuestPage.RESET, 0))).isTrue();
    }

    @Test
    void tasksMatchOnTheLowEightBitsOfTheirIdAsCpupidMatchPidDoes() {
        Task t3 = task(3);
        Task t259 = task(259);
        short w = GuestPage.withCpupid(GuestPage.RESET, t3.cpupid(1));
        int last = GuestPage.lastCpupid(w);
        assertThat(t3.cpupidMatchPid(last)).isTrue();
        assertThat(t259.cpupidMatchPid(last)).as("259 & 0xff == 3").isTrue();
        assertThat(task(4).cpupidMatchPid(last)).isFalse();
        assertThat(t259.cpupidMatchPid(GuestPage.lastCpupid(GuestPage.withCpupid(GuestPage.RESET, t259.cpupid(0)))))
                .isTrue();
    }
}
