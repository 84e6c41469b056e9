// blocked_read [handler]: prints a line, then waits in read() on stdin, which
// replay_checks.sh keeps open with no data: the test stops it with SIGTERM
// or a Ctrl-C (SIGINT to the process group) while it waits. Under
// `record --replayable` the signal must end it then, as natively, not when
// the read returns; its replay prints the line again. With `handler`, a
// SIGTERM handler (no SA_RESTART) notes the signal: the read fails with
// EINTR and the program says so and ends normally. Not in the suite.
#include <signal.h>
#include <unistd.h>

#include "replay_common.h"

static volatile sig_atomic_t g_terms;

static void on_term(int sig) {
  (void)sig;
  g_terms = g_terms + 1;
}

REPLAY_FN static void say(const char* s) {
  printf("%s\n", s);
  fflush(stdout);
}

int main(int argc, char** argv) {
  if (argc > 1 && strcmp(argv[1], "handler") == 0) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_term;
    CHECK(sigaction(SIGTERM, &sa, NULL) == 0);
  }
  say("waiting for stdin");
  char c;
  const ssize_t n = read(0, &c, 1);
  const int e = errno;
  printf("read returned %zd (%s), SIGTERM handled %d times\n", n, n < 0 ? strerror(e) : "-", (int)g_terms);
  printf("EXIT-SUCCESS\n");
  return 0;
}
