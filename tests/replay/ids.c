// ids: getpid, getppid and gettid of the main thread and of three threads
// (also the raw syscall(SYS_gettid)), printed. Natively the ids change from
// run to run; replay hands back the recorded ones.
#include <pthread.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "replay_common.h"

#define THREADS 3

static pid_t g_tid[THREADS], g_raw_tid[THREADS], g_pid[THREADS];

REPLAY_FN static void* worker(void* arg) {
  int id = (int)(intptr_t)arg;
  g_tid[id] = gettid();
  g_raw_tid[id] = (pid_t)syscall(SYS_gettid);
  g_pid[id] = getpid();
  work((unsigned long)id);
  return NULL;
}

int main(void) {
  pid_t pid = getpid(), ppid = getppid(), tid = gettid();
  printf("pid %d, ppid %d, main tid %d (tid == pid: %d)\n", pid, ppid, tid, tid == pid);
  for (int i = 0; i < THREADS; ++i) {  // one at a time: the order of tids is fixed
    pthread_t t;
    CHECK(pthread_create(&t, NULL, worker, (void*)(intptr_t)i) == 0);
    CHECK(pthread_join(t, NULL) == 0);
  }
  for (int i = 0; i < THREADS; ++i)
    printf("thread %d: tid %d (raw %d), pid %d, tid - main tid %d\n", i, g_tid[i], g_raw_tid[i], g_pid[i],
           g_tid[i] - tid);
  CHECK(g_tid[0] != tid && g_raw_tid[0] == g_tid[0]);
  printf("EXIT-SUCCESS\n");
  return 0;
}
