// barrier: four threads meet at a pthread barrier after each of 10 phases of
// uneven work. Prints, per phase, the order the threads arrived in and which
// one got PTHREAD_BARRIER_SERIAL_THREAD.
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "replay_common.h"

#define THREADS 4
#define PHASES 10

static pthread_barrier_t g_barrier;
static atomic_int g_arrived[PHASES];
static char g_order[PHASES][THREADS + 1];
static int g_serial[PHASES];

REPLAY_FN static void* worker(void* arg) {
  int id = (int)(intptr_t)arg;
  unsigned long x = (unsigned long)id;
  for (int p = 0; p < PHASES; ++p) {
    x = work_n(x, 40 * ((id + p) % 3 + 1));
    g_order[p][atomic_fetch_add(&g_arrived[p], 1)] = (char)('a' + id);
    int rc = pthread_barrier_wait(&g_barrier);
    CHECK(rc == 0 || rc == PTHREAD_BARRIER_SERIAL_THREAD);
    if (rc == PTHREAD_BARRIER_SERIAL_THREAD) g_serial[p] = id;
  }
  return NULL;
}

int main(void) {
  pthread_t t[THREADS];
  CHECK(pthread_barrier_init(&g_barrier, NULL, THREADS) == 0);
  for (int i = 0; i < THREADS; ++i) CHECK(pthread_create(&t[i], NULL, worker, (void*)(intptr_t)i) == 0);
  for (int i = 0; i < THREADS; ++i) CHECK(pthread_join(t[i], NULL) == 0);
  for (int p = 0; p < PHASES; ++p)
    printf("phase %d: arrived %s, serial %c\n", p, g_order[p], 'a' + g_serial[p]);
  CHECK(pthread_barrier_destroy(&g_barrier) == 0);
  printf("EXIT-SUCCESS\n");
  return 0;
}
