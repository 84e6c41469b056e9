// A concurrency bug for `ariadne chaos` (tests/chaos/, docs/replay.md "Chaos
// mode"): an order violation. main starts the worker and only then sets up
// the configuration the worker reads, assuming the new thread needs longer
// to start than main needs for that. When the worker runs first it reads a
// null pointer and dies of SIGSEGV.
//
// It seldom fails natively (the worker builds its tables first, for
// milliseconds; main's assignment comes nanoseconds after pthread_create:
// only a main thread kept off the CPU that long by the machine's load loses)
// and never
// under `ariadne record --replayable` with default settings (main keeps the
// baton until it waits in pthread_join).
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "../replay/replay_common.h"

struct config {
  int workers;
  const char* name;
};

// Set by main after the worker starts: the bug.
static struct config* volatile g_config;
// Work calls before the worker reads g_config (argv[1]).
static int g_startup = 1000000;

REPLAY_FN static int read_workers(void) { return g_config->workers; }

static void* worker(void* arg) {
  (void)arg;
  work_n(1, g_startup);  // builds its tables first: milliseconds
  // SIGSEGV when main has not set g_config yet.
  const int n = read_workers();
  printf("worker sees %d workers\n", n);
  return NULL;
}

REPLAY_FN static struct config* load_config(void) {
  static struct config c = {4, "default"};
  return &c;
}

int main(int argc, char** argv) {
  if (argc > 1) g_startup = atoi(argv[1]);
  pthread_t t;
  CHECK(pthread_create(&t, NULL, worker, NULL) == 0);
  g_config = load_config();
  CHECK(pthread_join(t, NULL) == 0);
  printf("config %s done\n", g_config->name);
  return 0;
}
