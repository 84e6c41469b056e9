// sleepers: four threads sleep with nanosleep, usleep, sleep(0) and
// sched_yield in turn between instrumented steps, each appending its id to a
// log after every sleep. Prints the log and what nanosleep returned.
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

#include "replay_common.h"

#define THREADS 4
#define STEPS 12

static char g_log[THREADS * STEPS + 1];
static atomic_int g_pos;
static int g_nanosleep_rc[THREADS];

REPLAY_FN static void step(int id, int s) {
  switch ((id + s) % 4) {
    case 0: {
      struct timespec ts = {0, 200000 + 100000 * id}, rem;
      g_nanosleep_rc[id] |= nanosleep(&ts, &rem);
      break;
    }
    case 1:
      CHECK(usleep((useconds_t)(100 + 150 * id)) == 0);
      break;
    case 2:
      CHECK(sleep(0) == 0);
      break;
    default:
      CHECK(sched_yield() == 0);
  }
  g_log[atomic_fetch_add(&g_pos, 1)] = (char)('a' + id);
}

REPLAY_FN static void* worker(void* arg) {
  int id = (int)(intptr_t)arg;
  for (int s = 0; s < STEPS; ++s) {
    work_n((unsigned long)s, 20);
    step(id, s);
  }
  return NULL;
}

int main(void) {
  pthread_t t[THREADS];
  for (int i = 0; i < THREADS; ++i) CHECK(pthread_create(&t[i], NULL, worker, (void*)(intptr_t)i) == 0);
  for (int i = 0; i < THREADS; ++i) CHECK(pthread_join(t[i], NULL) == 0);
  printf("log: %s\n", g_log);
  for (int i = 0; i < THREADS; ++i) printf("thread %d: nanosleep returned %d\n", i, g_nanosleep_rc[i]);
  printf("EXIT-SUCCESS\n");
  return 0;
}
