// spin_wait: the main thread waits for a flag with a call-free loop,
// `while (!flag.load(std::memory_order_acquire)) {}`, which another thread
// sets after some instrumented work. The load is written as the builtin that
// std::atomic<int>::load inlines to: at -O0 std::atomic's member functions are
// real (instrumented) calls, and the loop would not be call-free. With one
// thread running at a time, the spinning thread reaches a scheduling point
// only because it is built with `ariadne flags --replayable` (ariadne_replayable
// in CMake: a tick at every basic block; docs/replay.md, "Loops with no
// calls"); built without, it would spin until the bound below and fail
// without EXIT-SUCCESS (as it did before).
#include <pthread.h>

#include <cstdio>

#include "replay_common.h"

namespace {
int g_flag = 0;  // only ever accessed atomically
long g_value;
constexpr long kMaxSpins = 500000000;  // about 0.5 s natively; never reached unless the setter cannot run
}  // namespace

REPLAY_FN void* setter(void*) {
  g_value = static_cast<long>(work_n(3, 1000) % 1000);
  __atomic_store_n(&g_flag, 1, __ATOMIC_RELEASE);
  return nullptr;
}

int main() {
  pthread_t t;
  CHECK(pthread_create(&t, nullptr, setter, nullptr) == 0);
  long spins = 0;
  while (!__atomic_load_n(&g_flag, __ATOMIC_ACQUIRE) && spins < kMaxSpins) ++spins;
  if (!__atomic_load_n(&g_flag, __ATOMIC_ACQUIRE)) {
    fprintf(stderr, "spin_wait: flag not set after %ld spins\n", spins);
    return 1;
  }
  CHECK(pthread_join(t, nullptr) == 0);
  printf("flag seen, value %ld\n", g_value);
  printf("EXIT-SUCCESS\n");
  return 0;
}
