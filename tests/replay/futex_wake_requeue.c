// futex_wake_requeue: four waiters sleep in raw syscall(SYS_futex,
// FUTEX_WAIT_PRIVATE) on word A; main wakes one (FUTEX_WAKE), moves the rest
// to word B (FUTEX_CMP_REQUEUE), wakes B. Prints each call's result and the
// order the waiters woke in.
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "replay_common.h"

#define WAITERS 4

static atomic_int g_a, g_b, g_go, g_arrived, g_woke_n;
static char g_woke[WAITERS + 1];
static long g_wait_calls[WAITERS];

static long futex(atomic_int* word, int op, int val, long val2, atomic_int* word2, int val3) {
  return syscall(SYS_futex, word, op, val, val2, word2, val3);
}

REPLAY_FN static void* waiter(void* arg) {
  int id = (int)(intptr_t)arg;
  atomic_fetch_add(&g_arrived, 1);
  while (!atomic_load(&g_go)) {
    ++g_wait_calls[id];
    long rc = futex(&g_a, FUTEX_WAIT_PRIVATE, 0, 0, NULL, 0);
    CHECK(rc == 0 || errno == EAGAIN || errno == EINTR);
  }
  g_woke[atomic_fetch_add(&g_woke_n, 1)] = (char)('a' + id);
  return NULL;
}

int main(void) {
  pthread_t t[WAITERS];
  for (int i = 0; i < WAITERS; ++i) CHECK(pthread_create(&t[i], NULL, waiter, (void*)(intptr_t)i) == 0);
  for (int i = 0; i < 2000 && atomic_load(&g_arrived) < WAITERS; ++i) usleep(500);
  CHECK(atomic_load(&g_arrived) == WAITERS);
  usleep(20000);  // natively: long enough for all to be asleep in FUTEX_WAIT
  atomic_store(&g_go, 1);
  long woken = futex(&g_a, FUTEX_WAKE_PRIVATE, 1, 0, NULL, 0);
  long moved = futex(&g_a, FUTEX_CMP_REQUEUE_PRIVATE, 0, INT_MAX, &g_b, 0);
  long woken_b = futex(&g_b, FUTEX_WAKE_PRIVATE, INT_MAX, 0, NULL, 0);
  atomic_store(&g_a, 1);  // a late waiter's FUTEX_WAIT now returns EAGAIN
  long late = futex(&g_a, FUTEX_WAKE_PRIVATE, INT_MAX, 0, NULL, 0);
  printf("wake A: %ld\ncmp_requeue A->B: %ld\nwake B: %ld\nlate wake A: %ld\n", woken, moved, woken_b, late);
  // A wrong expected value: CMP_REQUEUE refuses with EAGAIN.
  long bad = futex(&g_a, FUTEX_CMP_REQUEUE_PRIVATE, 0, INT_MAX, &g_b, 0);
  printf("cmp_requeue with a stale value: %ld (%s)\n", bad, bad == -1 && errno == EAGAIN ? "EAGAIN" : "?");
  for (int i = 0; i < WAITERS; ++i) CHECK(pthread_join(t[i], NULL) == 0);
  printf("woke in order: %s\n", g_woke);
  for (int i = 0; i < WAITERS; ++i) printf("waiter %d: %ld wait calls\n", i, g_wait_calls[i]);
  printf("EXIT-SUCCESS\n");
  return 0;
}
