// replay_cpu THREADS CALLS_PER_THREAD WORK: the CPU-bound program of
// bench/replay_overhead.sh (docs/performance.md, "Replay overhead").
// THREADS threads each make CALLS_PER_THREAD calls of step(), a small
// instrumented function that is never inlined (noipa) and does WORK rounds
// of a dependent multiply-xorshift chain, so every call is one tick of a
// replayable run and costs a fixed amount of work. No locks, no system calls
// in the loop: in a replayable run the threads take turns at the hand-offs
// the tick budget makes. Prints each thread's checksum (independent of the
// interleaving) and the number of calls, so the replay's output is checked.
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define BENCH_FN __attribute__((noinline, noipa))
#define MAX_THREADS 64

struct worker {
  pthread_t thread;
  unsigned long seed;
  long calls;
  int work;
  unsigned long sum;
};

BENCH_FN static unsigned long step(unsigned long x, int work) {
  for (int i = 0; i < work; ++i) {
    x = x * 6364136223846793005ul + 1442695040888963407ul;
    x ^= x >> 29;
  }
  return x;
}

BENCH_FN static void* run(void* arg) {
  struct worker* w = arg;
  unsigned long x = w->seed;
  for (long i = 0; i < w->calls; ++i) x = step(x, w->work);
  w->sum = x;
  return NULL;
}

int main(int argc, char** argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: replay_cpu THREADS CALLS_PER_THREAD WORK\n");
    return 2;
  }
  const int threads = atoi(argv[1]);
  const long calls = atol(argv[2]);
  const int work = atoi(argv[3]);
  if (threads < 1 || threads > MAX_THREADS || calls < 0 || work < 0) {
    fprintf(stderr, "replay_cpu: 1..%d threads, calls >= 0, work >= 0\n", MAX_THREADS);
    return 2;
  }
  static struct worker w[MAX_THREADS];
  for (int t = 0; t < threads; ++t) {
    w[t] = (struct worker){.seed = (unsigned long)t + 1, .calls = calls, .work = work};
    if (pthread_create(&w[t].thread, NULL, run, &w[t]) != 0) {
      fprintf(stderr, "replay_cpu: pthread_create failed\n");
      return 1;
    }
  }
  for (int t = 0; t < threads; ++t) pthread_join(w[t].thread, NULL);
  for (int t = 0; t < threads; ++t) printf("thread %d sum %016lx\n", t, w[t].sum);
  printf("calls %ld\n", (long)threads * calls);
  return 0;
}
