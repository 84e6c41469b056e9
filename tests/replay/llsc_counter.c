// llsc_counter: eight threads add to one counter with atomic read-modify-write
// instructions, an instrumented call between two increments. On AArch64 this
// file is built with -march=armv8-a -mno-outline-atomics, so every increment is
// an inline load-exclusive/store-exclusive loop (ldaxr/stlxr), the code rr
// refuses to record (docs/replay.md, "LL/SC atomics"); the suite also runs it
// with QEMU_CPU=cortex-a53, a CPU without LSE. The final count must be exact;
// the value each thread saw at its middle increment and the finish order
// depend on the schedule, so a replay that ran another schedule prints
// something else.
#include <pthread.h>
#include <sys/auxv.h>

#include "replay_common.h"

enum { kThreads = 8, kIters = 100000 };

static unsigned long g_counter;
static unsigned g_finished;
static unsigned long g_seen[kThreads];
static int g_order[kThreads];
static pthread_barrier_t g_start;

REPLAY_FN static void* worker(void* arg) {
  int id = (int)(long)arg;
  pthread_barrier_wait(&g_start);
  for (int i = 0; i < kIters; ++i) {
    unsigned long before = __atomic_fetch_add(&g_counter, 1, __ATOMIC_SEQ_CST);
    if (i == kIters / 2) g_seen[id] = before;
    if (i % 4 == 0) work(before);  // a tick: hand-offs fall between increments
  }
  g_order[__atomic_fetch_add(&g_finished, 1, __ATOMIC_ACQ_REL)] = id;
  return NULL;
}

int main(void) {
  pthread_t t[kThreads];
#ifdef LLSC_HWCAP_ATOMICS
  // Whether the CPU has LSE: "no" under QEMU_CPU=cortex-a53, which the
  // recording keeps in the program's environment, so a replay says "no" too.
  printf("LSE atomics: %s\n", (getauxval(AT_HWCAP) & LLSC_HWCAP_ATOMICS) ? "yes" : "no");
#endif
  CHECK(pthread_barrier_init(&g_start, NULL, kThreads) == 0);
  for (long i = 0; i < kThreads; ++i) CHECK(pthread_create(&t[i], NULL, worker, (void*)i) == 0);
  for (int i = 0; i < kThreads; ++i) CHECK(pthread_join(t[i], NULL) == 0);
  unsigned long count = __atomic_load_n(&g_counter, __ATOMIC_SEQ_CST);
  printf("count: %lu of %d\n", count, kThreads * kIters);
  CHECK(count == (unsigned long)kThreads * kIters);
  printf("seen at the middle increment:");
  for (int i = 0; i < kThreads; ++i) printf(" %lu", g_seen[i]);
  printf("\nfinish order:");
  for (int i = 0; i < kThreads; ++i) printf(" %d", g_order[i]);
  printf("\nEXIT-SUCCESS\n");
  return 0;
}
