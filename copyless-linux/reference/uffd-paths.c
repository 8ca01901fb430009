// From the project's shared reference (../shared/reference/uffd-paths.c), unchanged below this line; run by run-beside-reference.sh.
// Reference for the Linux copyless mechanism, in C. N anonymous pages written and swapped out, then moved to
// N destination pages (pairing: 0 sequential, 1 shuffled) by one of: 0 naive (fault the source in, memcpy),
// 1 uffd (UFFDIO_MOVE of the swap entries, MADV_WILLNEED over the destinations, MADV_POPULATE_READ),
// 2 floor (MADV_WILLNEED + MADV_POPULATE_READ of the sources in place). arg4=1: device reads (source pages
// dropped from the swap cache first). Prints: mode pages ns/page pswpin bad. Needs an active swap device and Linux >= 6.8.
// Build and run: gcc -O2 -o uffd-paths uffd-paths.c && for m in 0 1 2; do ./uffd-paths 4096 $m 1 1; done
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <errno.h>
#include <unistd.h>
#include <time.h>
#include <sys/mman.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <linux/userfaultfd.h>
#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif
#define MADV_POPULATE_READ_ 22
#define MADV_POPULATE_WRITE_ 23
struct uffdio_move_ { unsigned long long dst, src, len, mode; long long move; };
#define UFFDIO_MOVE_ _IOWR(UFFDIO, 0x05, struct uffdio_move_)
#define UFFD_FEATURE_MOVE_ (1 << 10)
static long vm(const char *k) {
  FILE *f = fopen("/proc/vmstat", "r"); char n[64]; long v, r = -1;
  while (fscanf(f, "%63s %ld", n, &v) == 2) if (!strcmp(n, k)) { r = v; break; }
  fclose(f); return r;
}
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }
int main(int argc, char **argv) {
  size_t n = argc > 1 ? strtoul(argv[1], 0, 10) : 4096, p = 4096, sz = n * p;
  int mode = argc > 2 ? atoi(argv[2]) : 1, shuffled = argc > 3 ? atoi(argv[3]) : 1, dev = argc > 4 ? atoi(argv[4]) : 1;
  char *ram = mmap(0, 2 * sz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), *src = ram, *dst = ram + sz;
  madvise(ram, 2 * sz, MADV_NOHUGEPAGE);
  for (size_t i = 0; i < n; i++) memset(src + i * p, (int)(i * 7 + 1), p);
  size_t *perm = malloc(n * sizeof *perm); for (size_t i = 0; i < n; i++) perm[i] = i;
  if (shuffled) { srand(1); for (size_t i = n - 1; i > 0; i--) { size_t j = rand() % (i + 1), t = perm[i]; perm[i] = perm[j]; perm[j] = t; } }
  int uffd = -1;
  if (mode == 1) {
    uffd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
    struct uffdio_api api = { .api = UFFD_API, .features = UFFD_FEATURE_MOVE_ };
    struct uffdio_register reg = { .range = { (unsigned long)ram, 2 * sz }, .mode = UFFDIO_REGISTER_MODE_WP };
    if (uffd < 0 || ioctl(uffd, UFFDIO_API, &api) || ioctl(uffd, UFFDIO_REGISTER, &reg)) { perror("userfaultfd"); return 2; }
  } else if (mode == 0) madvise(dst, sz, MADV_POPULATE_WRITE_);
  if (madvise(src, sz, MADV_PAGEOUT)) { perror("MADV_PAGEOUT"); return 2; }
  if (dev) { madvise(src, sz, MADV_POPULATE_READ_); madvise(src, sz, MADV_PAGEOUT); }
  long in0 = vm("pswpin"); double t0 = now();
  if (mode == 0) for (size_t i = 0; i < n; i++) memcpy(dst + perm[i] * p, src + i * p, p);
  else if (mode == 1) {
    for (size_t i = 0; i < n; i++) {
      struct uffdio_move_ mv = { (unsigned long)(dst + perm[i] * p), (unsigned long)(src + i * p), p, 0, 0 };
      if (ioctl(uffd, UFFDIO_MOVE_, &mv)) { fprintf(stderr, "UFFDIO_MOVE: %s\n", strerror(errno)); return 2; }
    }
    madvise(dst, sz, MADV_WILLNEED); madvise(dst, sz, MADV_POPULATE_READ_);
  } else { madvise(src, sz, MADV_WILLNEED); madvise(src, sz, MADV_POPULATE_READ_); }
  double t1 = now(); size_t bad = 0;
  for (size_t i = 0; i < n; i++) { char *q = mode == 2 ? src + i * p : dst + perm[i] * p;
    if (q[0] != (char)(i * 7 + 1) || q[p - 1] != (char)(i * 7 + 1)) bad++; }
  printf("%d %zu %.1f %ld %zu\n", mode, n, (t1 - t0) * 1e9 / n, vm("pswpin") - in0, bad);
  return bad ? 1 : 0;
}
