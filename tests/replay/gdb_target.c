// gdb_target: reads the monotonic clock five times, each into a local of
// read_clock, and prints each reading. `ariadne replay --gdb` must stop after
// a chosen clock_gettime with the recorded reading in that local, and at the
// N-th call of read_clock (replay_checks.sh gdb). Built with -g.
#include <time.h>

#include "replay_common.h"

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
  printf("EXIT-SUCCESS\n");
  return 0;
}
