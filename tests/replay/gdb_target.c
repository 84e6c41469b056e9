// gdb_target: reads the monotonic clock five times, each into a local of
// read_clock, and prints each reading. `ariadne replay --gdb` must stop after
// a chosen clock_gettime with the recorded reading in that local, and at the
// N-th call of read_clock (replay_checks.sh gdb); then reads the cycle
// counter once (gdb_counter_<arch>), an instruction replay diverts: --at its
// event must stop right after it, the recorded value in its register. Built
// with -g.
#include <time.h>

#include "replay_common.h"

unsigned long read_counter(void);

REPLAY_FN static long read_clock(int k) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  printf("reading %d: %ld\n", k, (long)now.tv_nsec);
  return now.tv_nsec;
}

int main(void) {
  long odd = 0;
  for (int k = 1; k <= 5; ++k) odd += read_clock(k) & 1;
  printf("odd readings: %ld\n", odd);
  printf("counter: %lu\n", read_counter());
  printf("EXIT-SUCCESS\n");
  return 0;
}
