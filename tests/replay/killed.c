// killed: two threads print numbered lines, a few milliseconds apart, for
// far longer than replay_checks.sh lets it run: the test SIGKILLs it while
// recording, and its replay must print the same lines up to the kill.
// Not in the suite (it never ends by itself in time).
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "replay_common.h"

REPLAY_FN static void say_line(int who, int i) {
  char line[64];
  const int n = snprintf(line, sizeof line, "thread %d line %d %lu\n", who, i, work((unsigned long)i));
  CHECK(write(1, line, (size_t)n) == n);
}

REPLAY_FN static void* speaker(void* arg) {
  const int who = (int)(long)arg;
  for (int i = 0; i < 20000; ++i) {
    say_line(who, i);
    usleep(1000);
  }
  return NULL;
}

int main(void) {
  pthread_t t;
  CHECK(pthread_create(&t, NULL, speaker, (void*)1L) == 0);
  speaker((void*)0L);
  CHECK(pthread_join(t, NULL) == 0);
  printf("EXIT-SUCCESS\n");
  return 0;
}
