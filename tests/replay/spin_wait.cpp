// spin_wait [ROUNDS]: two threads wait for each other with call-free loops,
// `while (flag.load(std::memory_order_acquire) != n) {}`: ROUNDS times (1 by
// default) the other thread does some instrumented work and sets the flag,
// while the main thread spins on it, and then the other thread spins until
// the main thread sets it back. The load is written as the builtin that
// std::atomic<int>::load inlines to: at -O0 std::atomic's member functions are
// real (instrumented) calls, and the loop would not be call-free. With one
// thread running at a time, the spinning thread reaches a scheduling point
// only because it is built with `ariadne flags --replayable` (ariadne_replayable
// in CMake: a tick at every basic block; docs/replay.md, "Loops with no
// calls"); built without, it would spin until the bound below and fail
// without EXIT-SUCCESS (as it did before). bench/replay_liveness.sh times it
// with more rounds.
#include <pthread.h>

#include <cstdio>
#include <cstdlib>

#include "replay_common.h"

namespace {
int g_flag = 0;  // only ever accessed atomically: 2r+1 = round r's work is done, 2r+2 = seen
long g_rounds = 1;
long g_value;
constexpr long kMaxSpins =
    500000000;  // about 0.5 s natively; never reached unless the other thread cannot run

// Spins with no call until g_flag is `want`; false after kMaxSpins.
bool spin_until(int want) {
  long spins = 0;
  while (__atomic_load_n(&g_flag, __ATOMIC_ACQUIRE) != want && spins < kMaxSpins) ++spins;
  if (__atomic_load_n(&g_flag, __ATOMIC_ACQUIRE) == want) return true;
  fprintf(stderr, "spin_wait: flag not %d after %ld spins\n", want, spins);
  return false;
}
}  // namespace

REPLAY_FN void* setter(void*) {
  for (long r = 0; r < g_rounds; ++r) {
    if (!spin_until(static_cast<int>(2 * r))) exit(1);
    g_value += static_cast<long>(work_n(3 + static_cast<unsigned long>(r), 1000) % 1000);
    __atomic_store_n(&g_flag, static_cast<int>(2 * r + 1), __ATOMIC_RELEASE);
  }
  return nullptr;
}

int main(int argc, char** argv) {
  if (argc > 1) g_rounds = std::atol(argv[1]);
  CHECK(g_rounds >= 1 && g_rounds < (1 << 29));
  pthread_t t;
  CHECK(pthread_create(&t, nullptr, setter, nullptr) == 0);
  for (long r = 0; r < g_rounds; ++r) {
    if (!spin_until(static_cast<int>(2 * r + 1))) return 1;
    __atomic_store_n(&g_flag, static_cast<int>(2 * r + 2), __ATOMIC_RELEASE);
  }
  CHECK(pthread_join(t, nullptr) == 0);
  printf("flag seen %ld times, value %ld\n", g_rounds, g_value);
  printf("EXIT-SUCCESS\n");
  return 0;
}
