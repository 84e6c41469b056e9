// A concurrency bug for `ariadne chaos` (tests/chaos/, docs/replay.md "Chaos
// mode"): an order violation. main starts the worker and only then sets up
// the configuration the worker reads, assuming the new thread needs longer
// to start than main needs for that. When the worker runs first it reads a
// null pointer and dies of SIGSEGV.
//
// It almost never fails natively (a thread takes tens of microseconds to
// start; main's assignment comes nanoseconds after pthread_create) and never
// under `ariadne record --replayable` with default settings (main keeps the
// baton until it waits in pthread_join).
#include <pthread.h>
#include <stdio.h>

#include "../replay/replay_common.h"

struct config {
  int workers;
  const char* name;
};

static struct config* volatile g_config;  // set by main after the worker starts: the bug

REPLAY_FN static int read_workers(void) { return g_config->workers; }

static void* worker(void* arg) {
  (void)arg;
  const int n = read_workers();  // SIGSEGV when main has not set g_config yet
  printf("worker sees %d workers\n", n);
  return NULL;
}

REPLAY_FN static struct config* load_config(void) {
  static struct config c = {4, "default"};
  return &c;
}

int main(void) {
  pthread_t t;
  CHECK(pthread_create(&t, NULL, worker, NULL) == 0);
  g_config = load_config();
  CHECK(pthread_join(t, NULL) == 0);
  printf("config %s done\n", g_config->name);
  return 0;
}
