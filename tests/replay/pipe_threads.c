// pipe_threads: two threads play ping-pong through two pipes (pipe and
// pipe2) with write and read, 20 rounds, the reply depending on what was
// read. Prints every message the first thread got back.
#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>

#include "replay_common.h"

#define ROUNDS 20

static int g_ping[2], g_pong[2];
static char g_got[ROUNDS][32];

REPLAY_FN static int read_msg(int fd, char* buf, int cap) {
  int len = 0;
  for (;;) {  // messages end with '\n'; a read may return part of one
    CHECK(len < cap - 1);
    ssize_t n = read(fd, buf + len, 1);
    CHECK(n == 1);
    if (buf[len++] == '\n') break;
  }
  buf[len] = 0;
  return len;
}

REPLAY_FN static void write_all(int fd, const char* s, size_t len) {
  while (len > 0) {
    ssize_t n = write(fd, s, len);
    CHECK(n > 0);
    s += n;
    len -= (size_t)n;
  }
}

REPLAY_FN static void* echo(void* arg) {
  (void)arg;
  char buf[32], reply[48];
  for (int i = 0; i < ROUNDS; ++i) {
    int len = read_msg(g_ping[0], buf, sizeof buf);
    int n = snprintf(reply, sizeof reply, "pong %d/%d\n", i, len);
    write_all(g_pong[1], reply, (size_t)n);
  }
  return NULL;
}

int main(void) {
  CHECK(pipe(g_ping) == 0);
  CHECK(pipe2(g_pong, O_CLOEXEC) == 0);
  pthread_t t;
  CHECK(pthread_create(&t, NULL, echo, NULL) == 0);
  char msg[32];
  for (int i = 0; i < ROUNDS; ++i) {
    int n = snprintf(msg, sizeof msg, "ping %d%.*s\n", i, i % 5, "!!!!!");
    write_all(g_ping[1], msg, (size_t)n);
    read_msg(g_pong[0], g_got[i], sizeof g_got[i]);
  }
  CHECK(pthread_join(t, NULL) == 0);
  for (int i = 0; i < ROUNDS; ++i) printf("got: %s", g_got[i]);
  CHECK(close(g_ping[0]) == 0 && close(g_ping[1]) == 0 && close(g_pong[0]) == 0 && close(g_pong[1]) == 0);
  printf("EXIT-SUCCESS\n");
  return 0;
}
