// rwlock: three readers and two writers share a pair of values under a
// pthread rwlock; writers change both with a call in between, readers check
// they are equal (and count tryrdlock refusals). Prints the final value, the
// reads per reader, the most readers seen inside at once and 0 torn reads.
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "replay_common.h"

#define READERS 3
#define WRITERS 2
#define ROUNDS 400

static pthread_rwlock_t g_lock = PTHREAD_RWLOCK_INITIALIZER;
static long g_a, g_b;
static long g_reads[READERS], g_refused[READERS], g_torn;
static atomic_int g_inside, g_max_inside;

REPLAY_FN static long next(long v) { return v + 1; }

REPLAY_FN static void* writer(void* arg) {
  (void)arg;
  for (int i = 0; i < ROUNDS; ++i) {
    CHECK(pthread_rwlock_wrlock(&g_lock) == 0);
    g_a = next(g_a);
    work((unsigned long)g_a);
    g_b = next(g_b);
    CHECK(pthread_rwlock_unlock(&g_lock) == 0);
  }
  return NULL;
}

REPLAY_FN static void read_once(int id) {
  int n = atomic_fetch_add(&g_inside, 1) + 1;
  int m = atomic_load(&g_max_inside);
  while (n > m && !atomic_compare_exchange_weak(&g_max_inside, &m, n)) {
  }
  long a = g_a;
  work((unsigned long)a);
  if (a != g_b) __atomic_add_fetch(&g_torn, 1, __ATOMIC_RELAXED);
  ++g_reads[id];
  atomic_fetch_sub(&g_inside, 1);
}

REPLAY_FN static void* reader(void* arg) {
  int id = (int)(intptr_t)arg;
  for (int i = 0; i < ROUNDS; ++i) {
    if (i % 4 == 0) {
      int rc = pthread_rwlock_tryrdlock(&g_lock);
      if (rc == EBUSY) {
        ++g_refused[id];
        continue;
      }
      CHECK(rc == 0);
    } else {
      CHECK(pthread_rwlock_rdlock(&g_lock) == 0);
    }
    read_once(id);
    CHECK(pthread_rwlock_unlock(&g_lock) == 0);
  }
  return NULL;
}

int main(void) {
  pthread_t r[READERS], w[WRITERS];
  for (int i = 0; i < READERS; ++i) CHECK(pthread_create(&r[i], NULL, reader, (void*)(intptr_t)i) == 0);
  for (int i = 0; i < WRITERS; ++i) CHECK(pthread_create(&w[i], NULL, writer, NULL) == 0);
  for (int i = 0; i < READERS; ++i) CHECK(pthread_join(r[i], NULL) == 0);
  for (int i = 0; i < WRITERS; ++i) CHECK(pthread_join(w[i], NULL) == 0);
  printf("value: %ld %ld (expected %d)\n", g_a, g_b, WRITERS * ROUNDS);
  for (int i = 0; i < READERS; ++i)
    printf("reader %d: %ld reads, %ld tryrdlock refused\n", i, g_reads[i], g_refused[i]);
  printf("max readers inside: %d, torn reads: %ld\n", atomic_load(&g_max_inside), g_torn);
  CHECK(g_a == WRITERS * ROUNDS && g_torn == 0);
  printf("EXIT-SUCCESS\n");
  return 0;
}
