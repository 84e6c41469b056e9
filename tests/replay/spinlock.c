// spinlock [ITERS]: four threads increment a counter ITERS times each (3000 by
// default) under pthread_spin_lock (and pthread_spin_trylock on every eighth
// step). Prints the count (always exact) and how often the lock changed
// hands, which is the interleaving. bench/replay_liveness.sh times it with
// more iterations.
#include <pthread.h>
#include <stdint.h>

#include "replay_common.h"

#define THREADS 4
static long g_iters = 3000;

static pthread_spinlock_t g_lock;
static long g_counter;
static int g_last = -1, g_handovers, g_busy;

REPLAY_FN static long bump(long v) { return v + 1; }

REPLAY_FN static void* worker(void* arg) {
  int id = (int)(intptr_t)arg;
  unsigned long x = 1;
  for (long i = 0; i < g_iters; ++i) {
    if (i % 8 == 0) {
      int rc;
      while ((rc = pthread_spin_trylock(&g_lock)) == EBUSY) {
        ++g_busy;  // racy on purpose: only ever printed, replay must repeat it
        x = work(x);
      }
      CHECK(rc == 0);
    } else {
      CHECK(pthread_spin_lock(&g_lock) == 0);
    }
    g_counter = bump(g_counter);
    if (id != g_last) {
      ++g_handovers;
      g_last = id;
    }
    CHECK(pthread_spin_unlock(&g_lock) == 0);
    x = work(x);
  }
  return NULL;
}

int main(int argc, char** argv) {
  if (argc > 1) g_iters = atol(argv[1]);
  CHECK(g_iters >= 1 && g_iters <= 100000000);
  CHECK(pthread_spin_init(&g_lock, PTHREAD_PROCESS_PRIVATE) == 0);
  pthread_t t[THREADS];
  for (int i = 0; i < THREADS; ++i) CHECK(pthread_create(&t[i], NULL, worker, (void*)(intptr_t)i) == 0);
  for (int i = 0; i < THREADS; ++i) CHECK(pthread_join(t[i], NULL) == 0);
  printf("count: %ld (expected %ld)\n", g_counter, THREADS * g_iters);
  printf("handovers: %d, trylock busy: %d\n", g_handovers, g_busy);
  CHECK(g_counter == THREADS * g_iters);
  CHECK(pthread_spin_destroy(&g_lock) == 0);
  printf("EXIT-SUCCESS\n");
  return 0;
}
