// sigaltstack: SIGUSR1's handler (SA_ONSTACK) runs on an alternate stack set
// with sigaltstack, in the main thread (kill to the process) and in a second
// thread with its own alternate stack (pthread_kill). Prints whether a local
// of each handler run lay inside that thread's alternate stack.
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <unistd.h>

#include "replay_common.h"

#define ALT_SIZE (64 * 1024)

static __thread char* t_alt;
static volatile int g_on_alt[2], g_runs;
static volatile int g_which;

REPLAY_FN static int inside(const void* p) {
  uintptr_t a = (uintptr_t)p, lo = (uintptr_t)t_alt;
  return a >= lo && a < lo + ALT_SIZE;
}

static void on_usr1(int sig) {
  volatile char local = 0;
  (void)sig;
  g_on_alt[g_which] = inside((const void*)&local);
  g_runs = g_runs + 1;
}

REPLAY_FN static void use_alt_stack(void) {
  t_alt = malloc(ALT_SIZE);
  CHECK(t_alt != NULL);
  stack_t ss = {.ss_sp = t_alt, .ss_flags = 0, .ss_size = ALT_SIZE};
  CHECK(sigaltstack(&ss, NULL) == 0);
}

REPLAY_FN static void* worker(void* arg) {
  (void)arg;
  use_alt_stack();
  g_which = 1;
  CHECK(pthread_kill(pthread_self(), SIGUSR1) == 0);
  for (int i = 0; i < 100000 && g_runs < 2; ++i) work((unsigned long)i);
  stack_t off = {.ss_flags = SS_DISABLE};
  CHECK(sigaltstack(&off, NULL) == 0);
  free(t_alt);
  return NULL;
}

int main(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_usr1;
  sa.sa_flags = SA_ONSTACK;
  CHECK(sigaction(SIGUSR1, &sa, NULL) == 0);
  use_alt_stack();
  g_which = 0;
  CHECK(kill(getpid(), SIGUSR1) == 0);  // single-threaded here: delivered to main
  for (int i = 0; i < 100000 && g_runs < 1; ++i) work((unsigned long)i);
  pthread_t t;
  CHECK(pthread_create(&t, NULL, worker, NULL) == 0);
  CHECK(pthread_join(t, NULL) == 0);
  printf("handler runs: %d\n", g_runs);
  printf("main: handler on the alternate stack: %s\n", g_on_alt[0] ? "yes" : "no");
  printf("thread: handler on the alternate stack: %s\n", g_on_alt[1] ? "yes" : "no");
  stack_t cur;
  CHECK(sigaltstack(NULL, &cur) == 0);
  printf("main's alternate stack still set: %s\n",
         cur.ss_sp == t_alt && !(cur.ss_flags & SS_DISABLE) ? "yes" : "no");
  printf("EXIT-SUCCESS\n");
  return 0;
}
