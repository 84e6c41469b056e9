// held_mask: the program sets its own signal mask. It clears it at the start
// (SIG_SETMASK of an empty set, as daemons do), which must not let the timer's
// signals in at arbitrary instructions: they still arrive at the runtime's
// points, so the calls counted between alarms replay. Then it blocks SIGUSR1,
// sends it to itself (the handler must not run), reads its mask back (SIGUSR1
// in it), makes a thread that inherits the mask (SIGUSR1 sent to it stays
// pending) and unblocks it: the handler runs before pthread_sigmask returns.
#include <pthread.h>
#include <signal.h>

#include "replay_common.h"

#define ALARMS 4
#define MAX_CALLS 200000

static volatile sig_atomic_t g_alarms, g_usr1;

static void on_alarm(int sig) {
  (void)sig;
  g_alarms = g_alarms + 1;
}

static void on_usr1(int sig) {
  (void)sig;
  g_usr1 = g_usr1 + 1;
}

static void* inheritor(void* arg) {
  (void)arg;
  const int before = g_usr1;
  sigset_t now;
  CHECK(pthread_sigmask(SIG_BLOCK, NULL, &now) == 0);
  printf("thread: SIGUSR1 %s\n", sigismember(&now, SIGUSR1) ? "blocked" : "not blocked");
  CHECK(pthread_kill(pthread_self(), SIGUSR1) == 0);
  unsigned long x = work_n(7, 100);
  printf("thread: handler runs while blocked: %d (work %lu)\n", (int)g_usr1 - before, x % 1000);
  sigset_t usr1;
  sigemptyset(&usr1);
  sigaddset(&usr1, SIGUSR1);
  CHECK(pthread_sigmask(SIG_UNBLOCK, &usr1, NULL) == 0);
  printf("thread: after unblocking: %d\n", (int)g_usr1 - before);
  return NULL;
}

int main(void) {
  sigset_t none;
  sigemptyset(&none);
  CHECK(sigprocmask(SIG_SETMASK, &none, NULL) == 0);
  alarm_every(2000, on_alarm);
  long between[ALARMS] = {0};
  long calls = 0;
  int seen = 0;
  unsigned long x = 1;
  for (; calls < MAX_CALLS && seen < ALARMS; ++calls) {
    x = busy(x);
    for (int now = g_alarms; seen < now && seen < ALARMS; ++seen) between[seen] = calls;
  }
  alarm_every(0, NULL);
  printf("alarms seen: %d\n", seen);
  for (int i = 0; i < seen; ++i) printf("calls before alarm %d: %ld\n", i + 1, between[i]);

  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_usr1;
  CHECK(sigaction(SIGUSR1, &sa, NULL) == 0);
  sigset_t usr1, old, now;
  sigemptyset(&usr1);
  sigaddset(&usr1, SIGUSR1);
  CHECK(sigprocmask(SIG_BLOCK, &usr1, &old) == 0);
  printf("main: SIGUSR1 %s before\n", sigismember(&old, SIGUSR1) ? "blocked" : "not blocked");
  CHECK(pthread_kill(pthread_self(), SIGUSR1) == 0);
  x = work_n(x, 100);
  printf("main: handler runs while blocked: %d\n", (int)g_usr1);
  CHECK(sigprocmask(SIG_BLOCK, NULL, &now) == 0);
  printf("main: SIGUSR1 %s now\n", sigismember(&now, SIGUSR1) ? "blocked" : "not blocked");
  CHECK(sigprocmask(SIG_UNBLOCK, &usr1, NULL) == 0);
  printf("main: after unblocking: %d\n", (int)g_usr1);
  CHECK(sigprocmask(SIG_BLOCK, &usr1, NULL) == 0);
  pthread_t t;
  CHECK(pthread_create(&t, NULL, inheritor, NULL) == 0);
  CHECK(pthread_join(t, NULL) == 0);
  printf("EXIT-SUCCESS\n");
  return 0;
}
