// handler_calls: the SIGALRM handler makes calls of its own -- an
// instrumented function and clock_gettime -- while the main thread runs
// nothing but instrumented work, so each alarm is delivered at a tick budget
// point. The handler's clock_gettime must be replayed from the log like any
// other call of the program: the runtime hands the thread back to the
// program while the handler runs (docs/replay.md, "Signals"). Prints the
// nanoseconds the handler read (natively different on every run).
#include <time.h>

#include "replay_common.h"

#define ALARMS 4
#define MAX_CALLS 200000

static volatile sig_atomic_t g_alarms;
static long g_stamp[ALARMS];
static unsigned long g_sum;

REPLAY_FN static unsigned long in_handler(unsigned long x) { return work(x); }

static void on_alarm(int sig) {
  (void)sig;
  int k = g_alarms;
  if (k >= ALARMS) return;
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  g_stamp[k] = ts.tv_nsec;
  g_sum += in_handler((unsigned long)ts.tv_nsec);
  g_alarms = k + 1;
}

int main(void) {
  alarm_every(2000, on_alarm);
  unsigned long x = 1;
  long calls = 0;
  for (; calls < MAX_CALLS && g_alarms < ALARMS; ++calls) x = busy(x);
  alarm_every(0, NULL);
  CHECK(g_alarms == ALARMS);
  for (int i = 0; i < ALARMS; ++i) printf("alarm %d: handler read %ld ns\n", i + 1, g_stamp[i]);
  printf("handler work: %lu\n", g_sum);
  printf("EXIT-SUCCESS\n");
  return 0;
}
