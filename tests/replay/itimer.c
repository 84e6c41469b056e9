// itimer: setitimer(ITIMER_REAL) every 2 ms; the SIGALRM handler counts ticks
// while the main thread makes instrumented work calls. Prints how many calls
// happened between consecutive alarms (natively different on every run), then
// stops the timer.
#include <signal.h>
#include <sys/time.h>

#include "replay_common.h"

#define ALARMS 5
#define MAX_CALLS 100000

static volatile sig_atomic_t g_alarms;

static void on_alarm(int sig) {
  (void)sig;
  g_alarms = g_alarms + 1;
}

REPLAY_FN static unsigned long busy(unsigned long x) {
  for (int i = 0; i < 200; ++i) x = x * 6364136223846793005u + 1442695040888963407u;
  return work(x);
}

int main(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_alarm;
  sa.sa_flags = SA_RESTART;
  CHECK(sigaction(SIGALRM, &sa, NULL) == 0);
  struct itimerval it = {{0, 2000}, {0, 2000}};
  CHECK(setitimer(ITIMER_REAL, &it, NULL) == 0);
  long between[ALARMS + 1] = {0};
  long calls = 0;
  int seen = 0;
  unsigned long x = 1;
  for (; calls < MAX_CALLS && seen < ALARMS; ++calls) {
    x = busy(x);
    int now = g_alarms;
    for (; seen < now && seen < ALARMS; ++seen) between[seen] = calls;
  }
  struct itimerval off = {{0, 0}, {0, 0}};
  CHECK(setitimer(ITIMER_REAL, &off, NULL) == 0);
  printf("alarms seen: %d in %ld calls\n", seen, calls);
  for (int i = 0; i < seen; ++i) printf("calls before alarm %d: %ld\n", i + 1, between[i]);
  printf("EXIT-SUCCESS\n");
  return 0;
}
