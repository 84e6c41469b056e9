// exit_thread: a thread that is not main calls exit() while main waits in
// pthread_join for it and two more threads wait on a condition variable that
// is never signalled. The atexit handler runs on the exiting thread and prints
// EXIT-SUCCESS; the process's status is the one given to exit().
#include <pthread.h>
#include <stdint.h>
#include <unistd.h>

#include "replay_common.h"

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_never = PTHREAD_COND_INITIALIZER;
static pthread_t g_exiter;

static void at_exit(void) {
  printf("atexit handler on the exiting thread: %s\n",
         pthread_equal(pthread_self(), g_exiter) ? "yes" : "no");
  printf("EXIT-SUCCESS\n");
}

REPLAY_FN static void* sleeper(void* arg) {
  (void)arg;
  CHECK(pthread_mutex_lock(&g_lock) == 0);
  for (;;) CHECK(pthread_cond_wait(&g_never, &g_lock) == 0);
  return NULL;
}

REPLAY_FN static void* exiter(void* arg) {
  (void)arg;
  usleep(2000);  // let main reach pthread_join and the sleepers their wait
  printf("exiter: work %lu, calling exit(0)\n", work_n(5, 100) % 1000);
  exit(0);
}

int main(void) {
  CHECK(atexit(at_exit) == 0);
  pthread_t s[2];
  for (int i = 0; i < 2; ++i) CHECK(pthread_create(&s[i], NULL, sleeper, NULL) == 0);
  CHECK(pthread_mutex_lock(&g_lock) == 0);
  CHECK(pthread_create(&g_exiter, NULL, exiter, NULL) == 0);
  CHECK(pthread_mutex_unlock(&g_lock) == 0);
  printf("main: waiting for the exiter\n");
  fflush(stdout);
  pthread_join(g_exiter, NULL);
  printf("main: pthread_join returned (must not happen)\n");
  return 1;
}
