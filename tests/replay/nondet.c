// nondet: reads the instructions whose results differ between runs
// (docs/replay.md, "Nondeterministic instructions") -- the time-stamp
// counter, the CPU's identity, hardware random numbers -- prints them and
// takes branches on them that change how many instrumented calls follow, so
// a replay that got other values would print other lines and reach its next
// intercepted call with another tick count. The reads are nondet_probe's
// (AArch64: mrs in src/arch/aarch64/nondet_probe.S; x86-64: compiler
// intrinsics in nondet_x86_64.c).
#include <pthread.h>

#include "nondet_probe.h"
#include "replay_common.h"

REPLAY_FN static unsigned long branchy(unsigned long v) {
  // 1 to 8 calls, by the value's low bits.
  return work_n(v, 1 + (int)(v & 7));
}

static void* reader(void* arg) {
  unsigned long* out = arg;
  for (int i = 0; i < 4; ++i) out[i] = nd_counter();
  return NULL;
}

int main(void) {
  printf("probe: %s\n", nd_describe());
  unsigned long c0 = nd_counter();
  unsigned long sum = branchy(c0);
  unsigned long c1 = nd_counter();
  printf("counter: %lu then %lu (+%lu), frequency %lu\n", c0, c1, c1 - c0, nd_counter_frequency());
  printf("identity: %#lx, %#lx\n", nd_identity(), nd_identity2());
  for (int i = 0; i < 3; ++i) {
    unsigned long r = 0;
    int ok = nd_random(&r);
    sum += branchy(r);
    printf("random %d: ok %d value %#lx -> %s\n", i, ok, r, (r & 1) ? "odd" : "even");
  }
  unsigned long seen[4];
  pthread_t t;
  CHECK(pthread_create(&t, NULL, reader, seen) == 0);
  CHECK(pthread_join(t, NULL) == 0);
  printf("thread's counters: %lu %lu %lu %lu\n", seen[0], seen[1], seen[2], seen[3]);
  printf("sum %lu\nEXIT-SUCCESS\n", sum);
  return 0;
}
