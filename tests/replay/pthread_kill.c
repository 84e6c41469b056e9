// pthread_kill: main sends SIGUSR1 and then SIGUSR2 to a worker that keeps
// making instrumented calls; the handler records which thread ran it and in
// what order the signals came. Prints the order, whether the handler ran on
// the worker, and how many calls the worker made before each signal.
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <unistd.h>

#include "replay_common.h"

#define MAX_CALLS 100000

static pthread_t g_worker;
static atomic_int g_ready;
static volatile sig_atomic_t g_count, g_on_worker = 1;
static int g_sigs[2];
static long g_calls_at[2];
static volatile long g_calls;

static void on_signal(int sig) {
  if (!pthread_equal(pthread_self(), g_worker)) g_on_worker = 0;
  if (g_count < 2) {
    g_sigs[g_count] = sig;
    g_calls_at[g_count] = g_calls;
  }
  g_count = g_count + 1;
}

REPLAY_FN static void* worker(void* arg) {
  (void)arg;
  unsigned long x = 1;
  atomic_store(&g_ready, 1);
  for (long i = 0; i < MAX_CALLS && g_count < 2; ++i) {
    x = work(x);
    g_calls = i + 1;
    if (i % 64 == 63) usleep(50);  // natively the signals come long before the bound
  }
  return NULL;
}

int main(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  CHECK(sigaction(SIGUSR1, &sa, NULL) == 0);
  CHECK(sigaction(SIGUSR2, &sa, NULL) == 0);
  CHECK(pthread_create(&g_worker, NULL, worker, NULL) == 0);
  for (int i = 0; i < 2000 && !atomic_load(&g_ready); ++i) usleep(200);
  CHECK(pthread_kill(g_worker, SIGUSR1) == 0);
  for (int i = 0; i < 2000 && g_count < 1; ++i) usleep(200);
  CHECK(pthread_kill(g_worker, SIGUSR2) == 0);
  CHECK(pthread_join(g_worker, NULL) == 0);
  printf("signals handled: %d\n", (int)g_count);
  printf("order: %s, %s\n", g_sigs[0] == SIGUSR1 ? "SIGUSR1" : "?", g_sigs[1] == SIGUSR2 ? "SIGUSR2" : "?");
  printf("handler ran on the worker: %s\n", g_on_worker ? "yes" : "no");
  printf("worker calls before each signal: %ld, %ld\n", g_calls_at[0], g_calls_at[1]);
  CHECK(g_count == 2);
  printf("EXIT-SUCCESS\n");
  return 0;
}
