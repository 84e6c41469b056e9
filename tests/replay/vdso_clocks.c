// vdso_clocks: clock reads that do not pass libc's exported clock_gettime:
// timespec_get and clock() (libc reads its internal clock_gettime), and the
// vDSO's entry points called directly, looked up the way a program or a
// runtime of its own would (dlopen of linux-vdso.so.1, dlsym). Natively
// every value differs from run to run; under qemu-user there is no vDSO,
// which is printed the same way in both runs.
#include <dlfcn.h>
#include <sys/time.h>
#include <time.h>

#include "replay_common.h"

typedef int (*clock_gettime_fn)(clockid_t, struct timespec*);
typedef int (*gettimeofday_fn)(struct timeval*, void*);
typedef time_t (*time_fn)(time_t*);
typedef int (*getcpu_fn)(unsigned*, unsigned*, void*);

static void* vdso_function(void* vdso, const char* x86_name, const char* arm_name) {
  void* f = dlsym(vdso, x86_name);
  return f != NULL ? f : dlsym(vdso, arm_name);
}

int main(void) {
  struct timespec ts;
  CHECK(timespec_get(&ts, TIME_UTC) == TIME_UTC);
  printf("timespec_get: %lld.%09ld\n", (long long)ts.tv_sec, ts.tv_nsec);
  work_n(1, 20000);
  const clock_t c = clock();
  CHECK(c != (clock_t)-1);
  printf("clock: %ld\n", (long)c);

  void* vdso = dlopen("linux-vdso.so.1", RTLD_LAZY | RTLD_NOLOAD);
  if (vdso == NULL) {
    printf("vdso: none\n");
  } else {
    clock_gettime_fn cg =
        (clock_gettime_fn)vdso_function(vdso, "__vdso_clock_gettime", "__kernel_clock_gettime");
    gettimeofday_fn gtod =
        (gettimeofday_fn)vdso_function(vdso, "__vdso_gettimeofday", "__kernel_gettimeofday");
    time_fn tm = (time_fn)vdso_function(vdso, "__vdso_time", "__vdso_time");
    getcpu_fn gc = (getcpu_fn)vdso_function(vdso, "__vdso_getcpu", "__vdso_getcpu");
    if (cg != NULL) {
      struct timespec m;
      CHECK(cg(CLOCK_MONOTONIC, &m) == 0);
      printf("vdso clock_gettime: %lld.%09ld\n", (long long)m.tv_sec, m.tv_nsec);
      // An unknown clock: the vDSO returns -EINVAL (it does not set errno).
      printf("vdso clock_gettime(-1): %d\n", cg((clockid_t)-1, &m));
    }
    if (gtod != NULL) {
      struct timeval tv;
      CHECK(gtod(&tv, NULL) == 0);
      printf("vdso gettimeofday: %lld.%06ld\n", (long long)tv.tv_sec, (long)tv.tv_usec);
    }
    if (tm != NULL) printf("vdso time: %lld\n", (long long)tm(NULL));
    if (gc != NULL) {
      unsigned cpu = 12345, node = 12345;
      CHECK(gc(&cpu, &node, NULL) == 0);
      printf("vdso getcpu: read %s\n", cpu != 12345 && node != 12345 ? "both" : "not both");
    }
  }
  printf("EXIT-SUCCESS\n");
  return 0;
}
