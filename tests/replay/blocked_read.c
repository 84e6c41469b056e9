// blocked_read: prints a line, then waits in read() on stdin, which
// replay_checks.sh keeps open with no data: the test stops it with SIGTERM
// or a Ctrl-C (SIGINT to the process group) while it waits. Under
// `record --replayable` the signal must end it then, as natively, not when
// the read returns; its replay prints the line again. Not in the suite.
#include <unistd.h>

#include "replay_common.h"

REPLAY_FN static void say(const char* s) {
  printf("%s\n", s);
  fflush(stdout);
}

int main(void) {
  say("waiting for stdin");
  char c;
  const ssize_t n = read(0, &c, 1);
  printf("read returned %zd\n", n);
  return 0;
}
