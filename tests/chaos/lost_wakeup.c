// A concurrency bug for `ariadne chaos` (tests/chaos/, docs/replay.md "Chaos
// mode"): a lost wake-up. The consumer looks at `ready` without holding the
// mutex and only then goes to wait; a producer that sets `ready` and signals
// in between signals nobody, and the consumer waits for ever. A watchdog
// that wakes after a second ends the program with 3 if the consumer has not
// got through by then.
//
// It almost never fails natively (the producer starts tens of microseconds
// after the consumer, whose check-to-wait takes well under one) and never
// under `ariadne record --replayable` with default settings (the consumer's
// check and wait fall in one turn).
#include <pthread.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "../replay/replay_common.h"

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_cond = PTHREAD_COND_INITIALIZER;
static int g_ready;
static volatile int g_consumed;

static void* consumer(void* arg) {
  (void)arg;
  if (!g_ready) {  // the bug: checked without the lock
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);  // "log when we started waiting"
    work_n(now.tv_nsec, 50);               // and get the buffer ready
    CHECK(pthread_mutex_lock(&g_lock) == 0);
    CHECK(pthread_cond_wait(&g_cond, &g_lock) == 0);
    CHECK(pthread_mutex_unlock(&g_lock) == 0);
  }
  g_consumed = 1;
  return NULL;
}

static void* producer(void* arg) {
  (void)arg;
  work_n(1, 20);  // prepares the data
  CHECK(pthread_mutex_lock(&g_lock) == 0);
  g_ready = 1;
  CHECK(pthread_cond_signal(&g_cond) == 0);
  CHECK(pthread_mutex_unlock(&g_lock) == 0);
  return NULL;
}

static void* watchdog(void* arg) {
  (void)arg;
  sleep(1);
  if (!g_consumed) {
    fprintf(stderr, "lost wake-up: the consumer still waits after 1 s\n");
    _exit(3);
  }
  return NULL;
}

int main(void) {
  pthread_t w, c, p;
  CHECK(pthread_create(&w, NULL, watchdog, NULL) == 0);
  CHECK(pthread_create(&c, NULL, consumer, NULL) == 0);
  CHECK(pthread_create(&p, NULL, producer, NULL) == 0);
  CHECK(pthread_join(c, NULL) == 0);
  CHECK(pthread_join(p, NULL) == 0);
  printf("consumed\n");
  return 0;
}
