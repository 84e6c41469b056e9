// replay_syscall ITERATIONS [libc]: the syscall-heavy program of
// bench/replay_overhead.sh (docs/performance.md, "Replay overhead").
// With `libc`: ITERATIONS calls of times(2) instead, a system call libc
// makes inside its own function, which replay traps (x86-64: Syscall User
// Dispatch) rather than interposes; prints the number of calls only.
// One thread, ITERATIONS rounds of: write 8 bytes into a pipe, read them
// back, clock_gettime(CLOCK_MONOTONIC), then one call of an instrumented
// function on what was read. Three intercepted calls per round, none of which
// ever blocks (the pipe holds the 8 bytes written just before). Prints a
// checksum of the bytes read (not of the clock, so that native runs agree)
// and the number of calls made.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/times.h>
#include <time.h>
#include <unistd.h>

#define BENCH_FN __attribute__((noinline, noipa))

BENCH_FN static unsigned long mix(unsigned long sum, const unsigned char* buf, const struct timespec* ts) {
  unsigned long v;
  memcpy(&v, buf, sizeof v);
  // The clock only decides whether the bit below is 0 or 1: never, so the
  // value read is still a real input the compiler cannot drop.
  return (sum ^ v) * 31 + (ts->tv_nsec < 0);
}

int main(int argc, char** argv) {
  if (argc != 2 && !(argc == 3 && strcmp(argv[2], "libc") == 0)) {
    fprintf(stderr, "usage: replay_syscall ITERATIONS [libc]\n");
    return 2;
  }
  const long n = atol(argv[1]);
  if (argc == 3) {
    long ok = 0;
    for (long i = 0; i < n; ++i) {
      struct tms t;
      ok += times(&t) != (clock_t)-1;
    }
    printf("calls %ld of %ld\n", ok, n);
    return 0;
  }
  int p[2];
  if (n < 0 || pipe(p) != 0) {
    fprintf(stderr, "replay_syscall: bad ITERATIONS or pipe failed\n");
    return 1;
  }
  unsigned long sum = 0;
  for (long i = 0; i < n; ++i) {
    unsigned char buf[8];
    unsigned long v = (unsigned long)i * 0x9e3779b97f4a7c15ul;
    memcpy(buf, &v, sizeof buf);
    struct timespec ts;
    if (write(p[1], buf, sizeof buf) != (ssize_t)sizeof buf ||
        read(p[0], buf, sizeof buf) != (ssize_t)sizeof buf || clock_gettime(CLOCK_MONOTONIC, &ts) != 0) {
      fprintf(stderr, "replay_syscall: round %ld failed\n", i);
      return 1;
    }
    sum = mix(sum, buf, &ts);
  }
  close(p[0]);
  close(p[1]);
  printf("sum %016lx\ncalls %ld\n", sum, 3 * n);
  return 0;
}
