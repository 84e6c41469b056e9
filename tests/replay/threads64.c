// threads64: 64 threads alive at once, each doing a little instrumented work
// and adding its result to a checksum under a mutex. Prints the checksum
// (fixed) and the order of the first 16 threads to finish (the interleaving).
#include <pthread.h>
#include <stdint.h>

#include "replay_common.h"

#define THREADS 64

static pthread_barrier_t g_start;
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned long g_checksum;
static int g_finished[THREADS], g_nfinished;

REPLAY_FN static void* worker(void* arg) {
  int id = (int)(intptr_t)arg;
  pthread_barrier_wait(&g_start);  // all 64 exist before any works
  unsigned long x = work_n((unsigned long)id, 100 + id % 7 * 20);
  CHECK(pthread_mutex_lock(&g_lock) == 0);
  g_checksum += x;
  g_finished[g_nfinished++] = id;
  CHECK(pthread_mutex_unlock(&g_lock) == 0);
  return NULL;
}

int main(void) {
  pthread_t t[THREADS];
  CHECK(pthread_barrier_init(&g_start, NULL, THREADS) == 0);
  for (int i = 0; i < THREADS; ++i) CHECK(pthread_create(&t[i], NULL, worker, (void*)(intptr_t)i) == 0);
  for (int i = 0; i < THREADS; ++i) CHECK(pthread_join(t[i], NULL) == 0);
  printf("threads: %d, checksum: %016lx\n", g_nfinished, g_checksum);
  printf("first to finish:");
  for (int i = 0; i < 16; ++i) printf(" %d", g_finished[i]);
  printf("\n");
  CHECK(g_nfinished == THREADS);
  printf("EXIT-SUCCESS\n");
  return 0;
}
