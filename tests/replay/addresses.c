// addresses: prints the addresses of small and large (mmap'd) malloc blocks,
// of locals on the main thread's and another thread's stack, of a global, of a
// function of the program and of one of libc. Natively they move with ASLR;
// replay runs without ASLR in both runs, so they must be the recorded ones.
#include <pthread.h>
#include <stdint.h>

#include "replay_common.h"

static int g_global;
static void* g_thread_local_addr;
static void* g_thread_malloc;

REPLAY_FN static void* worker(void* arg) {
  int local = 0;
  (void)arg;
  g_thread_local_addr = &local;
  g_thread_malloc = malloc(64);
  return NULL;
}

int main(void) {
  int local = 0;
  void* small = malloc(32);
  void* large = malloc(4 << 20);
  CHECK(small != NULL && large != NULL);
  pthread_t t;
  CHECK(pthread_create(&t, NULL, worker, NULL) == 0);
  CHECK(pthread_join(t, NULL) == 0);
  printf("malloc(32): %p\n", small);
  printf("malloc(4 MiB): %p\n", large);
  printf("main stack: %p\n", (void*)&local);
  printf("thread stack: %p\n", g_thread_local_addr);
  printf("thread malloc(64): %p\n", g_thread_malloc);
  printf("global: %p\n", (void*)&g_global);
  printf("function main: %p\n", (void*)(uintptr_t)&main);
  printf("libc printf: %p\n", (void*)(uintptr_t)&printf);
  free(small);
  free(large);
  free(g_thread_malloc);
  printf("EXIT-SUCCESS\n");
  return 0;
}
