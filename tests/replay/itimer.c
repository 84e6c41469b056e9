// itimer: setitimer(ITIMER_REAL) every 2 ms; the SIGALRM handler counts ticks
// while the main thread makes instrumented work calls. Prints how many calls
// happened between consecutive alarms (natively different on every run), then
// stops the timer.

#include "replay_common.h"

#define ALARMS 5
#define MAX_CALLS 100000

static volatile sig_atomic_t g_alarms;

static void on_alarm(int sig) {
  (void)sig;
  g_alarms = g_alarms + 1;
}

int main(void) {
  alarm_every(2000, on_alarm);
  long between[ALARMS + 1] = {0};
  long calls = 0;
  int seen = 0;
  unsigned long x = 1;
  for (; calls < MAX_CALLS && seen < ALARMS; ++calls) {
    x = busy(x);
    int now = g_alarms;
    for (; seen < now && seen < ALARMS; ++seen) between[seen] = calls;
  }
  alarm_every(0, NULL);
  printf("alarms seen: %d in %ld calls\n", seen, calls);
  for (int i = 0; i < seen; ++i) printf("calls before alarm %d: %ld\n", i + 1, between[i]);
  printf("EXIT-SUCCESS\n");
  return 0;
}
