// Call-free loops for sched_preempt_test.cpp (call-free at -O0 too: the
// flag is read with the __atomic builtin; std::atomic's load makes an
// out-of-line call at -O0, to std::operator& of the memory order), in a translation unit of their
// own with no inline or template function: GCC 12 links every patchable
// entry of a translation unit to the section of its first function, and when
// that is a COMDAT copy the linker drops (a gtest or libstdc++ inline), the
// whole unit's entries go with it and the runtime sees no sites there
// (docs/fibers-scheduler.md, "Preemption").
#include <time.h>

#include <cstdint>

namespace sched_preempt {

std::uint64_t g_sink = 0;  // builtins only: no inline function at -O0 either

__attribute__((noinline)) void spin_until(const int* stop) {
  while (__atomic_load_n(stop, __ATOMIC_RELAXED) == 0) {
  }
}

__attribute__((noinline)) void spin_ns(std::int64_t ns) {
  // Steady-clock reads in libc are never preempted: most of the wait is the
  // loop's own arithmetic between reads.
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  const std::int64_t end = t.tv_sec * 1000000000LL + t.tv_nsec + ns;
  for (;;) {
    std::uint64_t x = 0;
    for (int k = 0; k < 2000; ++k) x = x * 2862933555777941757ULL + 3037000493ULL;
    __atomic_store_n(&g_sink, x, __ATOMIC_RELAXED);
    clock_gettime(CLOCK_MONOTONIC, &t);
    if (t.tv_sec * 1000000000LL + t.tv_nsec >= end) return;
  }
}

}  // namespace sched_preempt
