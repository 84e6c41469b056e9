// semaphore: a bounded pool of 2 tokens (sem_wait/sem_post, with
// sem_trywait first) shared by five threads, and a ping-pong between main and
// one thread through two semaphores. Prints the order tokens were taken in,
// the most holders at once (at most 2) and the ping-pong count.
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdint.h>

#include "replay_common.h"

#define THREADS 5
#define ROUNDS 10
#define PINGS 30

static sem_t g_pool, g_ping, g_pong;
static atomic_int g_holders, g_max_holders, g_pos, g_trywait_ok;
static char g_order[THREADS * ROUNDS + 1];
static int g_pongs;

REPLAY_FN static void* pooled(void* arg) {
  int id = (int)(intptr_t)arg;
  for (int r = 0; r < ROUNDS; ++r) {
    if (sem_trywait(&g_pool) == 0)
      atomic_fetch_add(&g_trywait_ok, 1);
    else
      CHECK(errno == EAGAIN && sem_wait(&g_pool) == 0);
    int n = atomic_fetch_add(&g_holders, 1) + 1;
    int m = atomic_load(&g_max_holders);
    while (n > m && !atomic_compare_exchange_weak(&g_max_holders, &m, n)) {
    }
    g_order[atomic_fetch_add(&g_pos, 1)] = (char)('a' + id);
    work_n((unsigned long)r, 30);
    atomic_fetch_sub(&g_holders, 1);
    CHECK(sem_post(&g_pool) == 0);
  }
  return NULL;
}

REPLAY_FN static void* ponger(void* arg) {
  (void)arg;
  for (int i = 0; i < PINGS; ++i) {
    CHECK(sem_wait(&g_ping) == 0);
    ++g_pongs;
    CHECK(sem_post(&g_pong) == 0);
  }
  return NULL;
}

int main(void) {
  CHECK(sem_init(&g_pool, 0, 2) == 0 && sem_init(&g_ping, 0, 0) == 0 && sem_init(&g_pong, 0, 0) == 0);
  pthread_t t[THREADS], p;
  for (int i = 0; i < THREADS; ++i) CHECK(pthread_create(&t[i], NULL, pooled, (void*)(intptr_t)i) == 0);
  CHECK(pthread_create(&p, NULL, ponger, NULL) == 0);
  for (int i = 0; i < PINGS; ++i) {
    CHECK(sem_post(&g_ping) == 0);
    CHECK(sem_wait(&g_pong) == 0);
  }
  for (int i = 0; i < THREADS; ++i) CHECK(pthread_join(t[i], NULL) == 0);
  CHECK(pthread_join(p, NULL) == 0);
  int v = -1;
  CHECK(sem_getvalue(&g_pool, &v) == 0);
  printf("pool order: %s\n", g_order);
  printf("max holders: %d, trywait succeeded: %d, pool value: %d\n", atomic_load(&g_max_holders),
         atomic_load(&g_trywait_ok), v);
  printf("pongs: %d\n", g_pongs);
  CHECK(atomic_load(&g_max_holders) <= 2 && v == 2 && g_pongs == PINGS);
  printf("EXIT-SUCCESS\n");
  return 0;
}
