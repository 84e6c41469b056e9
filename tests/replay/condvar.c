// condvar: two producers and two consumers through a 4-slot queue guarded by a
// mutex and two condition variables (signal when one slot changes, broadcast
// at the end). Prints how many items each consumer took and their sums; the
// total is fixed, the split between consumers is the interleaving.
#include <pthread.h>
#include <stdint.h>

#include "replay_common.h"

#define PRODUCERS 2
#define CONSUMERS 2
#define ITEMS 300
#define SLOTS 4

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_not_empty = PTHREAD_COND_INITIALIZER;
static pthread_cond_t g_not_full = PTHREAD_COND_INITIALIZER;
static long g_queue[SLOTS];
static int g_head, g_len, g_done_producers;
static long g_taken[CONSUMERS], g_sum[CONSUMERS], g_waits[CONSUMERS];

REPLAY_FN static long make_item(int producer, int i) { return (long)producer * 100000 + i; }

REPLAY_FN static void* producer(void* arg) {
  int id = (int)(intptr_t)arg;
  for (int i = 0; i < ITEMS; ++i) {
    long item = make_item(id, i);
    CHECK(pthread_mutex_lock(&g_lock) == 0);
    while (g_len == SLOTS) CHECK(pthread_cond_wait(&g_not_full, &g_lock) == 0);
    g_queue[(g_head + g_len) % SLOTS] = item;
    ++g_len;
    CHECK(pthread_cond_signal(&g_not_empty) == 0);
    CHECK(pthread_mutex_unlock(&g_lock) == 0);
  }
  CHECK(pthread_mutex_lock(&g_lock) == 0);
  if (++g_done_producers == PRODUCERS) CHECK(pthread_cond_broadcast(&g_not_empty) == 0);
  CHECK(pthread_mutex_unlock(&g_lock) == 0);
  return NULL;
}

REPLAY_FN static void consume(int id, long item) {
  ++g_taken[id];
  g_sum[id] += item;
  work((unsigned long)item);
}

REPLAY_FN static void* consumer(void* arg) {
  int id = (int)(intptr_t)arg;
  for (;;) {
    CHECK(pthread_mutex_lock(&g_lock) == 0);
    while (g_len == 0 && g_done_producers < PRODUCERS) {
      ++g_waits[id];
      CHECK(pthread_cond_wait(&g_not_empty, &g_lock) == 0);
    }
    if (g_len == 0) {
      CHECK(pthread_mutex_unlock(&g_lock) == 0);
      return NULL;
    }
    long item = g_queue[g_head];
    g_head = (g_head + 1) % SLOTS;
    --g_len;
    CHECK(pthread_cond_signal(&g_not_full) == 0);
    CHECK(pthread_mutex_unlock(&g_lock) == 0);
    consume(id, item);
  }
}

int main(void) {
  pthread_t p[PRODUCERS], c[CONSUMERS];
  for (int i = 0; i < CONSUMERS; ++i) CHECK(pthread_create(&c[i], NULL, consumer, (void*)(intptr_t)i) == 0);
  for (int i = 0; i < PRODUCERS; ++i) CHECK(pthread_create(&p[i], NULL, producer, (void*)(intptr_t)i) == 0);
  for (int i = 0; i < PRODUCERS; ++i) CHECK(pthread_join(p[i], NULL) == 0);
  for (int i = 0; i < CONSUMERS; ++i) CHECK(pthread_join(c[i], NULL) == 0);
  long total = 0, sum = 0;
  for (int i = 0; i < CONSUMERS; ++i) {
    printf("consumer %d: %ld items, sum %ld, %ld waits\n", i, g_taken[i], g_sum[i], g_waits[i]);
    total += g_taken[i];
    sum += g_sum[i];
  }
  printf("total: %ld items, sum %ld\n", total, sum);
  CHECK(total == PRODUCERS * ITEMS);
  printf("EXIT-SUCCESS\n");
  return 0;
}
