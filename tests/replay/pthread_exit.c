// pthread_exit: three workers end with pthread_exit from inside nested calls
// (their cleanup handlers run), main joins them and prints their values; then
// main itself ends with pthread_exit while a last thread still runs, and that
// thread prints EXIT-SUCCESS: the process ends when its last thread does.
#include <pthread.h>
#include <stdint.h>

#include "replay_common.h"

#define THREADS 3

static pthread_t g_main;
static int g_cleanups;
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;

static void cleanup(void* arg) {
  CHECK(pthread_mutex_lock(&g_lock) == 0);
  g_cleanups += (int)(intptr_t)arg;
  CHECK(pthread_mutex_unlock(&g_lock) == 0);
}

REPLAY_FN static void leave(int id) { pthread_exit((void*)(intptr_t)(work_n((unsigned long)id, 10) % 1000)); }
REPLAY_FN static void middle(int id) {
  leave(id);
  g_cleanups = -100;  // never reached
}
REPLAY_FN static void outer(int id) {
  middle(id);
  g_cleanups = -100;
}

REPLAY_FN static void* worker(void* arg) {
  int id = (int)(intptr_t)arg;
  pthread_cleanup_push(cleanup, (void*)(intptr_t)(id + 1));
  outer(id);
  pthread_cleanup_pop(0);
  return NULL;
}

REPLAY_FN static void* last(void* arg) {
  (void)arg;
  void* ret = (void*)1;
  // Wait for main to be gone: joining the main thread returns once it has exited.
  CHECK(pthread_join(g_main, &ret) == 0);
  printf("main thread ended with pthread_exit, value %ld\n", (long)(intptr_t)ret);
  work_n(7, 100);
  printf("EXIT-SUCCESS\n");
  fflush(stdout);
  return NULL;
}

int main(void) {
  pthread_t t[THREADS];
  for (int i = 0; i < THREADS; ++i) CHECK(pthread_create(&t[i], NULL, worker, (void*)(intptr_t)i) == 0);
  for (int i = 0; i < THREADS; ++i) {
    void* ret = NULL;
    CHECK(pthread_join(t[i], &ret) == 0);
    printf("worker %d: pthread_exit value %ld\n", i, (long)(intptr_t)ret);
  }
  printf("cleanup handlers: %d (expected 6)\n", g_cleanups);
  g_main = pthread_self();
  pthread_t l;
  CHECK(pthread_create(&l, NULL, last, NULL) == 0);
  CHECK(pthread_detach(l) == 0);
  fflush(stdout);
  pthread_exit((void*)(intptr_t)42);
}
