// Shared by the replay test programs (tests/replay/, docs/replay.md "The test
// suite"): a never-inlined work function, so that every loop iteration is at
// least one instrumented function entry (a tick), a check that ends the
// program with a message on stderr instead of EXIT-SUCCESS, and an interval
// timer. Works in C and C++.
#ifndef ARIADNE_TESTS_REPLAY_COMMON_H
#define ARIADNE_TESTS_REPLAY_COMMON_H

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

// noipa: GCC neither inlines nor clones nor drops the call, at -O0 and -O2 alike.
#define REPLAY_FN __attribute__((noinline, noipa))

#define CHECK(cond)                                                                                 \
  do {                                                                                              \
    if (!(cond)) {                                                                                  \
      fprintf(stderr, "%s:%d: check failed: %s (errno %d: %s)\n", __FILE__, __LINE__, #cond, errno, \
              strerror(errno));                                                                     \
      exit(1);                                                                                      \
    }                                                                                               \
  } while (0)

static volatile unsigned long replay_sink;

// One tick of work: mixes x into a global so the call cannot be dropped.
REPLAY_FN __attribute__((unused)) static unsigned long work(unsigned long x) {
  replay_sink = replay_sink + x;
  return x * 2654435761u + 1;
}

// n ticks of work.
REPLAY_FN __attribute__((unused)) static unsigned long work_n(unsigned long x, int n) {
  for (int i = 0; i < n; ++i) x = work(x);
  return x;
}

// A tick of heavier work (200 multiply-adds, no system call): lets a few
// microseconds pass between entries, for the timer programs.
REPLAY_FN __attribute__((unused)) static unsigned long busy(unsigned long x) {
  for (int i = 0; i < 200; ++i) x = x * 6364136223846793005u + 1442695040888963407u;
  return work(x);
}

// SIGALRM to `handler` (SA_RESTART) every `us` microseconds of real time;
// us = 0 stops the timer.
__attribute__((unused)) static void alarm_every(long us, void (*handler)(int)) {
  if (us > 0) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler;
    sa.sa_flags = SA_RESTART;
    CHECK(sigaction(SIGALRM, &sa, NULL) == 0);
  }
  struct itimerval it = {{0, us}, {0, us}};
  CHECK(setitimer(ITIMER_REAL, &it, NULL) == 0);
}

#endif
