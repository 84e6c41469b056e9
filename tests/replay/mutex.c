// mutex: four threads increment a counter under a pthread mutex (with a
// recursive mutex taken twice inside, and trylock on every tenth step). The
// count is always exact; the sequence of lock holders (how often the lock
// changed hands, the first holders) is the interleaving replay must repeat.
#include <pthread.h>
#include <stdint.h>

#include "replay_common.h"

#define THREADS 4
#define ITERS 2000
#define TRACE 48

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t g_rec;
static long g_counter;
static int g_last = -1, g_handovers, g_busy;
static char g_holders[TRACE + 1];
static int g_nholders;

REPLAY_FN static long bump(long v) { return v + 1; }

REPLAY_FN static void critical(int id) {
  CHECK(pthread_mutex_lock(&g_rec) == 0);
  CHECK(pthread_mutex_lock(&g_rec) == 0);
  g_counter = bump(g_counter);
  CHECK(pthread_mutex_unlock(&g_rec) == 0);
  CHECK(pthread_mutex_unlock(&g_rec) == 0);
  if (id != g_last) {
    ++g_handovers;
    if (g_nholders < TRACE) g_holders[g_nholders++] = (char)('a' + id);
    g_last = id;
  }
}

REPLAY_FN static void* worker(void* arg) {
  int id = (int)(intptr_t)arg;
  unsigned long x = 1;
  for (int i = 0; i < ITERS; ++i) {
    if (i % 10 == 0) {
      int rc = pthread_mutex_trylock(&g_lock);
      if (rc == 0) {
        critical(id);
        CHECK(pthread_mutex_unlock(&g_lock) == 0);
        continue;
      }
      CHECK(rc == EBUSY);
      __atomic_add_fetch(&g_busy, 1, __ATOMIC_RELAXED);
    }
    CHECK(pthread_mutex_lock(&g_lock) == 0);
    critical(id);
    CHECK(pthread_mutex_unlock(&g_lock) == 0);
    x = work(x);
  }
  return NULL;
}

int main(void) {
  pthread_mutexattr_t a;
  CHECK(pthread_mutexattr_init(&a) == 0);
  CHECK(pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE) == 0);
  CHECK(pthread_mutex_init(&g_rec, &a) == 0);
  pthread_t t[THREADS];
  for (int i = 0; i < THREADS; ++i) CHECK(pthread_create(&t[i], NULL, worker, (void*)(intptr_t)i) == 0);
  for (int i = 0; i < THREADS; ++i) CHECK(pthread_join(t[i], NULL) == 0);
  printf("count: %ld (expected %d)\n", g_counter, THREADS * ITERS);
  printf("handovers: %d, trylock busy: %d\n", g_handovers, g_busy);
  printf("first holders: %s\n", g_holders);
  CHECK(g_counter == THREADS * ITERS);
  printf("EXIT-SUCCESS\n");
  return 0;
}
