// A concurrency bug for `ariadne chaos` (tests/chaos/, docs/replay.md "Chaos
// mode"): an atomicity violation. Two threads withdraw from one account;
// withdraw() reads the balance, does a little bookkeeping and writes it back,
// believing the read and the write happen together. A thread stopped
// between them loses the other's withdrawals: the money withdrawn and the
// balance left no longer add up, and the program exits with 1.
//
// It almost never fails natively (each thread's loop takes a few
// microseconds, less than a thread takes to start, so they seldom overlap)
// and never under `ariadne record --replayable` with default settings (a
// thread's whole loop fits in one turn of 20000 ticks).
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "../replay/replay_common.h"

enum { kStart = 1000, kWithdrawals = 200 };

static long balance = kStart;
static long audit_total;

// Bookkeeping between the read and the write: the window.
REPLAY_FN static void audit(long amount) { audit_total += amount; }

REPLAY_FN static int withdraw(long amount) {
  const long seen = balance;
  if (seen < amount) return 0;
  audit(amount);
  balance = seen - amount;  // the bug: `seen` may be stale by now
  return 1;
}

static void* customer(void* arg) {
  long* withdrawn = arg;
  for (int i = 0; i < kWithdrawals; ++i) *withdrawn += withdraw(1);
  return NULL;
}

int main(void) {
  long withdrawn[2] = {0, 0};
  pthread_t t[2];
  for (int i = 0; i < 2; ++i) CHECK(pthread_create(&t[i], NULL, customer, &withdrawn[i]) == 0);
  for (int i = 0; i < 2; ++i) CHECK(pthread_join(t[i], NULL) == 0);
  const long out = withdrawn[0] + withdrawn[1];
  printf("withdrawn %ld + %ld, balance %ld\n", withdrawn[0], withdrawn[1], balance);
  if (out + balance != kStart) {
    fprintf(stderr, "atomicity violation: %ld withdrawn but the balance fell by %ld\n", out,
            kStart - balance);
    return 1;
  }
  return 0;
}
