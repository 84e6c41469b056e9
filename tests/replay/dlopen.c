// dlopen: loads the instrumented library replay_plugin with dlopen (its path
// is compiled in: REPLAY_PLUGIN_PATH), looks its functions up with dlsym, and
// calls them from four threads, each appending to a shared order log. Prints
// each thread's result, the call count and the order of calls.
#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "replay_common.h"

#define THREADS 4
#define CALLS 25

typedef unsigned long (*hash_fn)(unsigned long, int);
typedef long (*calls_fn)(void);

static hash_fn g_hash;
static unsigned long g_result[THREADS];
static char g_order[THREADS * CALLS + 1];
static atomic_int g_pos;

REPLAY_FN static void* worker(void* arg) {
  int id = (int)(intptr_t)arg;
  unsigned long x = (unsigned long)id;
  for (int i = 0; i < CALLS; ++i) {
    x = g_hash(x, 20 + id);
    g_order[atomic_fetch_add(&g_pos, 1)] = (char)('a' + id);
  }
  g_result[id] = x;
  return NULL;
}

int main(void) {
  void* h = dlopen(REPLAY_PLUGIN_PATH, RTLD_NOW | RTLD_LOCAL);
  if (h == NULL) fprintf(stderr, "dlopen: %s\n", dlerror());
  CHECK(h != NULL);
  g_hash = (hash_fn)(uintptr_t)dlsym(h, "plugin_hash");
  calls_fn calls = (calls_fn)(uintptr_t)dlsym(h, "plugin_calls");
  CHECK(g_hash != NULL && calls != NULL);
  pthread_t t[THREADS];
  for (int i = 0; i < THREADS; ++i) CHECK(pthread_create(&t[i], NULL, worker, (void*)(intptr_t)i) == 0);
  for (int i = 0; i < THREADS; ++i) CHECK(pthread_join(t[i], NULL) == 0);
  for (int i = 0; i < THREADS; ++i) printf("thread %d: %016lx\n", i, g_result[i]);
  printf("plugin calls: %ld\n", calls());
  printf("order: %s\n", g_order);
  CHECK(dlclose(h) == 0);
  printf("EXIT-SUCCESS\n");
  return 0;
}
