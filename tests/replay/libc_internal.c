// libc_internal: system calls libc makes inside its own functions, past the
// exported ones replay interposes (docs/replay.md, "System calls"): opendir
// and readdir (openat, getdents64), getrusage, times, uname, getcwd. Where
// replay traps them (x86-64: Syscall User Dispatch) their results come from
// the log, so a directory that changed after the recording lists as it was.
//   libc_internal        the suite's run: a fresh directory of three files
//   libc_internal DIR    lists DIR, and prints what getrusage and times
//                        said (replay_checks.sh libc-internal)
#include <dirent.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/times.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "replay_common.h"

static int by_name(const void* a, const void* b) { return strcmp(*(char* const*)a, *(char* const*)b); }

REPLAY_FN static int list(const char* dir) {
  DIR* d = opendir(dir);
  CHECK(d != NULL);
  char* names[64];
  int n = 0;
  for (struct dirent* e; (e = readdir(d)) != NULL && n < 64;)
    if (e->d_name[0] != '.') names[n++] = strdup(e->d_name);
  CHECK(closedir(d) == 0);
  qsort(names, (size_t)n, sizeof names[0], by_name);
  printf("%d entries:", n);
  for (int i = 0; i < n; ++i) printf(" %s", names[i]), free(names[i]);
  printf("\n");
  return n;
}

int main(int argc, char** argv) {
  if (argc > 1) {
    list(argv[1]);
    work_n(1, 20000);
    struct rusage ru;
    CHECK(getrusage(RUSAGE_SELF, &ru) == 0);
    struct tms t;
    const clock_t ticks = times(&t);
    printf("getrusage: %ld.%06ld s user, %ld minor faults; times: %ld\n", (long)ru.ru_utime.tv_sec,
           (long)ru.ru_utime.tv_usec, ru.ru_minflt, (long)ticks);
    printf("EXIT-SUCCESS\n");
    return 0;
  }
  const char* tmp = getenv("TMPDIR");
  char dir[512], path[600];
  snprintf(dir, sizeof dir, "%s/ariadne-replay-XXXXXX", tmp != NULL && *tmp != 0 ? tmp : "/tmp");
  CHECK(mkdtemp(dir) != NULL);
  for (int i = 0; i < 3; ++i) {
    snprintf(path, sizeof path, "%s/file%d", dir, i);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
    CHECK(fd >= 0 && close(fd) == 0);
  }
  list(dir);
  struct utsname u;
  CHECK(uname(&u) == 0);
  printf("uname: %s\n", u.sysname);
  char cwd[4096];
  CHECK(getcwd(cwd, sizeof cwd) != NULL);
  printf("getcwd: %zu bytes\n", strlen(cwd));
  for (int i = 0; i < 3; ++i) {
    snprintf(path, sizeof path, "%s/file%d", dir, i);
    CHECK(unlink(path) == 0);
  }
  CHECK(rmdir(dir) == 0);
  printf("EXIT-SUCCESS\n");
  return 0;
}
