// clocks: prints clock_gettime (realtime, monotonic, process CPU time),
// gettimeofday and time, before and after some work, and the differences.
// Natively every value differs from run to run.
#include <sys/time.h>
#include <time.h>

#include "replay_common.h"

static long long ns(const struct timespec* t) { return (long long)t->tv_sec * 1000000000LL + t->tv_nsec; }

int main(void) {
  struct timespec r0, m0, c0, r1, m1, c1;
  struct timeval tv0, tv1;
  CHECK(clock_gettime(CLOCK_REALTIME, &r0) == 0);
  CHECK(clock_gettime(CLOCK_MONOTONIC, &m0) == 0);
  CHECK(clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0) == 0);
  CHECK(gettimeofday(&tv0, NULL) == 0);
  time_t t0 = time(NULL);
  time_t t0b;
  CHECK(time(&t0b) == t0b);
  work_n(1, 20000);
  CHECK(clock_gettime(CLOCK_REALTIME, &r1) == 0);
  CHECK(clock_gettime(CLOCK_MONOTONIC, &m1) == 0);
  CHECK(clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1) == 0);
  CHECK(gettimeofday(&tv1, NULL) == 0);
  time_t t1 = time(NULL);
  printf("realtime: %lld.%09ld -> %lld.%09ld\n", (long long)r0.tv_sec, r0.tv_nsec, (long long)r1.tv_sec,
         r1.tv_nsec);
  printf("monotonic: %lld.%09ld -> %lld.%09ld (+%lld ns)\n", (long long)m0.tv_sec, m0.tv_nsec,
         (long long)m1.tv_sec, m1.tv_nsec, ns(&m1) - ns(&m0));
  printf("cpu: +%lld ns\n", ns(&c1) - ns(&c0));
  printf("gettimeofday: %lld.%06ld -> %lld.%06ld\n", (long long)tv0.tv_sec, (long)tv0.tv_usec,
         (long long)tv1.tv_sec, (long)tv1.tv_usec);
  printf("time: %lld -> %lld (time(&t) %lld)\n", (long long)t0, (long long)t1, (long long)t0b);
  CHECK(ns(&m1) >= ns(&m0));
  printf("EXIT-SUCCESS\n");
  return 0;
}
