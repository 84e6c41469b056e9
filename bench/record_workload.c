/* The call-heavy program of bench/record_vs_uftrace.sh: the same source
 * built plain, with -pg (uftrace's usual mode), and with Ariadne's flags
 * (-fpatchable-function-entry; uftrace's dynamic mode `-P .` uses it too).
 *
 *   record_workload FIB_N LOOP_N
 *
 * runs fib(FIB_N) (naive recursion: fib_calls(FIB_N) calls) and a loop of
 * LOOP_N calls to a small leaf function, and prints
 *   calls <C> work_ns <T> cpu_ns <U> result <R>
 * where C counts every call made between the two insn_count region markers
 * (fib's, the loop driver's and the leaf's), T is the monotonic time and U
 * the thread's CPU time (user + system: page faults included) between them:
 * what a tracer adds per call is (T_traced - T_plain) / C, without the
 * tracer's start-up and shutdown. U is steadier on a loaded machine; it
 * leaves out work a tracer does in other processes or threads.
 *
 * Built with -fno-optimize-sibling-calls (no recursion step turned into a
 * jump or a loop) and noinline/noclone, so every counted call is a real
 * call at -O2. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "insn_marker.h"

__attribute__((noinline, noclone)) long fib(long n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

__attribute__((noinline, noclone)) long leaf(long x) { return x * 3 + 1; }

__attribute__((noinline, noclone)) long loop(long n) {
  long acc = 0;
  for (long i = 0; i < n; i++) acc += leaf(acc ^ i);
  return acc;
}

static unsigned long long fib_calls(long n) {
  unsigned long long a = 1, b = 1; /* calls for n = 0, 1 */
  for (long i = 2; i <= n; i++) {
    unsigned long long c = a + b + 1;
    a = b;
    b = c;
  }
  return n < 1 ? a : b;
}

static long long now_ns(clockid_t clock) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char** argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: record_workload FIB_N LOOP_N\n");
    return 2;
  }
  const long fib_n = atol(argv[1]), loop_n = atol(argv[2]);
  if (fib_n < 0 || fib_n > 40 || loop_n < 0 || loop_n > 100000000) {
    fprintf(stderr, "record_workload: FIB_N in 0..40, LOOP_N in 0..1e8\n");
    return 2;
  }
  const long long t0 = now_ns(CLOCK_MONOTONIC), c0 = now_ns(CLOCK_THREAD_CPUTIME_ID);
  ariadne_insn_mark(ARIADNE_INSN_MARK_BEGIN);
  const long r = fib(fib_n) + loop(loop_n);
  ariadne_insn_mark(ARIADNE_INSN_MARK_END);
  const long long c1 = now_ns(CLOCK_THREAD_CPUTIME_ID), t1 = now_ns(CLOCK_MONOTONIC);
  printf("calls %llu work_ns %lld cpu_ns %lld result %ld\n",
         fib_calls(fib_n) + 1 + (unsigned long long)loop_n, t1 - t0, c1 - c0, r);
  return 0;
}
