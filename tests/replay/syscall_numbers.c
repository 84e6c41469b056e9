// syscall_numbers: libc's syscall(2) with numbers replay has an interposer
// for (clock_gettime, getrandom, read of /dev/urandom, write to stdout,
// getcpu) and with numbers it has none for (getuid, membarrier's query):
// the first replay from the log, the others are made again and their
// results compared. Natively the clock, the random bytes and the CPU differ
// from run to run.
//   syscall_numbers             the suite's run
//   syscall_numbers io_uring    io_uring_setup: the recording must stop
//   syscall_numbers times       times(2) through syscall(): emulated, its
//                               result and tms from the log (a replay later
//                               prints the same ticks)
//   syscall_numbers umask       umask(022) through syscall(): made again in
//                               replay (the process's own state), and a
//                               result that differs (the mask it inherited)
//                               must be reported
//   syscall_numbers sigsys      signal(SIGSYS, ...): where replay traps
//                               system calls with SIGSYS (x86-64), the
//                               recording must stop with one line
//   syscall_numbers exit_group  the program's end through syscall(): logged
//                               as its exit, replayed to the end
#include <fcntl.h>
#include <linux/membarrier.h>
#include <sched.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/times.h>
#include <time.h>
#include <unistd.h>

#include "replay_common.h"

static void print_hex(const char* what, const unsigned char* b, size_t n) {
  printf("%s:", what);
  for (size_t i = 0; i < n; ++i) printf(" %02x", b[i]);
  printf("\n");
}

static void on_sigsys(int sig) { (void)sig; }

int main(int argc, char** argv) {
  if (argc > 1 && strcmp(argv[1], "io_uring") == 0) {
    unsigned char params[120] = {0};
    long r = syscall(SYS_io_uring_setup, 4, params);
    printf("io_uring_setup returned %ld\n", r);
    return 0;
  }
  if (argc > 1 && strcmp(argv[1], "exit_group") == 0) {
    printf("exit_group(3) through syscall()\n");
    fflush(stdout);
    syscall(SYS_exit_group, 3);
  }
  if (argc > 1 && strcmp(argv[1], "times") == 0) {
    work_n(1, 20000);
    struct tms t;
    printf("times: %ld, user %ld\n", syscall(SYS_times, &t), (long)t.tms_utime);
    printf("EXIT-SUCCESS\n");
    return 0;
  }
  if (argc > 1 && strcmp(argv[1], "sigsys") == 0) {
    printf("SIGSYS handler set: %d\n", signal(SIGSYS, on_sigsys) != SIG_ERR);
    printf("EXIT-SUCCESS\n");
    return 0;
  }
  if (argc > 1 && strcmp(argv[1], "umask") == 0) {
    printf("umask was %03lo\n", (unsigned long)syscall(SYS_umask, 022));
    printf("EXIT-SUCCESS\n");
    return 0;
  }
  struct timespec ts;
  CHECK(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ts) == 0);
  printf("clock_gettime: %lld.%09ld\n", (long long)ts.tv_sec, ts.tv_nsec);
  unsigned char r[8];
  CHECK(syscall(SYS_getrandom, r, sizeof r, 0) == (long)sizeof r);
  print_hex("getrandom", r, sizeof r);
  const int fd = open("/dev/urandom", O_RDONLY);
  CHECK(fd >= 0);
  CHECK(syscall(SYS_read, fd, r, sizeof r) == (long)sizeof r);
  print_hex("read /dev/urandom", r, sizeof r);
  CHECK(syscall(SYS_close, fd) == 0);
  unsigned cpu = 1u << 30;
  CHECK(syscall(SYS_getcpu, &cpu, NULL, NULL) == 0);
  printf("getcpu: %s\n", cpu < (1u << 30) ? "read" : "not read");
  printf("sched_getcpu: %s\n", sched_getcpu() >= 0 ? "read" : "not read");
  static const char line[] = "write: through syscall(SYS_write, 1, ...)\n";
  fflush(stdout);
  CHECK(syscall(SYS_write, 1, line, sizeof line - 1) == (long)sizeof line - 1);
  printf("getuid: %s\n", syscall(SYS_getuid) == (long)getuid() ? "as getuid()" : "differs");
  const long mb = syscall(SYS_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);
  printf("membarrier query: %s\n", mb >= 0 ? "answered" : "refused");
  printf("EXIT-SUCCESS\n");
  return 0;
}
