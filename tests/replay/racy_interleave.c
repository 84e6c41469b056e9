// racy_interleave: four threads, released together, each append their id to
// a shared log at every step (the slot is taken with an atomic fetch-add, the
// steps are instrumented work in between, with a sched_yield every fourth
// step). Prints the log: the interleaving itself, different natively from run
// to run.
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>

#include "replay_common.h"

#define THREADS 4
#define STEPS 40

static char g_log[THREADS * STEPS + 1];
static atomic_int g_pos;
static pthread_barrier_t g_start;

REPLAY_FN static void append(int id) { g_log[atomic_fetch_add(&g_pos, 1)] = (char)('a' + id); }

REPLAY_FN static void* worker(void* arg) {
  int id = (int)(intptr_t)arg;
  unsigned long x = (unsigned long)id;
  pthread_barrier_wait(&g_start);
  for (int s = 0; s < STEPS; ++s) {
    x = work_n(x, 50 + 10 * id);
    append(id);
    if (s % 4 == 3) sched_yield();  // natively: a thread waiting for this CPU runs
  }
  return NULL;
}

int main(void) {
  pthread_t t[THREADS];
  CHECK(pthread_barrier_init(&g_start, NULL, THREADS) == 0);
  for (int i = 0; i < THREADS; ++i) CHECK(pthread_create(&t[i], NULL, worker, (void*)(intptr_t)i) == 0);
  for (int i = 0; i < THREADS; ++i) CHECK(pthread_join(t[i], NULL) == 0);
  printf("log: %s\n", g_log);
  int switches = 0;
  for (int i = 1; i < THREADS * STEPS; ++i) switches += g_log[i] != g_log[i - 1];
  printf("switches: %d\n", switches);
  printf("EXIT-SUCCESS\n");
  return 0;
}
