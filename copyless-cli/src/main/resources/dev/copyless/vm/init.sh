#!/bin/busybox sh
# PID 1 of the copyless test VM (docs/VM.md). Mounts the kernel's file systems, loads the
# modules the initramfs carries (virtio-blk, 9p) in dependency order, mounts the run folder
# shared by the host, runs its setup.sh (mounts, swap, the command) with stdout on ttyS1 and
# stderr on ttyS2, writes the exit code to the run folder (the completion marker the host
# judges the run by) and powers off. Messages of its own go to the kernel console (ttyS0).
/bin/busybox mkdir -p /proc /sys /dev /tmp /run /sbin /usr/bin /usr/sbin
/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs -o mode=1777 tmpfs /tmp
# cgroup v2 with the memory controller: a run may evict the swap cache (memory.reclaim) in a child group
mount -t cgroup2 cgroup2 /sys/fs/cgroup && echo +memory > /sys/fs/cgroup/cgroup.subtree_control
for m in $(cat /lib/modules/load-order); do
  insmod "/lib/modules/$m.ko" || echo "copyless-vm: insmod $m failed" > /dev/console
done
mkdir -p /run/copyless
if mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 copyless /run/copyless; then
  stty -F /dev/ttyS1 -onlcr 2>/dev/null
  stty -F /dev/ttyS2 -onlcr 2>/dev/null
  sh /run/copyless/setup.sh < /dev/null > /dev/ttyS1 2> /dev/ttyS2
  echo $? > /run/copyless/exit.tmp && mv /run/copyless/exit.tmp /run/copyless/exit
else
  echo "copyless-vm: cannot mount the run folder (9p tag copyless)" > /dev/console
fi
sync
poweroff -f
