// Shared by the replay test programs (tests/replay/, docs/replay.md "The test
// suite"): a never-inlined work function, so that every loop iteration is at
// least one instrumented function entry (a tick), and a check that ends the
// program with a message on stderr instead of EXIT-SUCCESS. Works in C and C++.
#ifndef ARIADNE_TESTS_REPLAY_COMMON_H
#define ARIADNE_TESTS_REPLAY_COMMON_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

#endif
