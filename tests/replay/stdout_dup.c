// stdout_dup: output through copies of stdout (dup, dup2 onto 10) is output;
// after dup2(file, 1) writes to fd 1 go to the file, not to ariadne's stdout,
// in record and replay alike; stdout is restored and the file read back.
// Exercises replay's model of which fds are the original stdout.
#include <fcntl.h>
#include <unistd.h>

#include "replay_common.h"

REPLAY_FN static void say(int fd, const char* s) { CHECK(write(fd, s, strlen(s)) == (ssize_t)strlen(s)); }

int main(void) {
  printf("via printf before\n");
  fflush(stdout);
  int copy = dup(1);
  CHECK(copy >= 0);
  say(copy, "via dup(1)\n");
  CHECK(dup2(1, 10) == 10);
  say(10, "via dup2(1, 10)\n");
  CHECK(close(10) == 0);

  const char* tmp = getenv("TMPDIR");
  char dir[512], path[600];
  snprintf(dir, sizeof dir, "%s/ariadne-replay-XXXXXX", tmp != NULL && *tmp != 0 ? tmp : "/tmp");
  CHECK(mkdtemp(dir) != NULL);
  snprintf(path, sizeof path, "%s/redirected.txt", dir);
  int f = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
  CHECK(f >= 0);
  CHECK(dup2(f, 1) == 1);
  say(1, "into the file through fd 1\n");
  printf("into the file through printf\n");
  fflush(stdout);
  CHECK(dup2(copy, 1) == 1);
  CHECK(close(copy) == 0);
  say(1, "via fd 1 restored\n");

  char buf[128] = {0};
  ssize_t n = pread(f, buf, sizeof buf - 1, 0);
  CHECK(n > 0);
  printf("the file holds %zd bytes:\n%s", n, buf);
  CHECK(close(f) == 0 && unlink(path) == 0 && rmdir(dir) == 0);
  printf("EXIT-SUCCESS\n");
  return 0;
}
