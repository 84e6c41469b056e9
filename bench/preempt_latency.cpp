// Preemption latency (issue 19, "Benchmarks"): how long after its time slice
// ends a fiber that never yields is taken off its worker and the next fiber
// runs, for the two kinds of code preemption handles:
//   calls      the hog calls an instrumented function in a loop: taken at
//              the next entry (level 1);
//   call-free  the hog spins with no call: taken by the worker's timer
//              signal (level 2).
// One worker; each round spawns the hog, then a probe fiber that can only
// run once the hog is preempted. Latency = probe start - (hog start + slice).
// The hog's start is its first instruction, so the figure includes the
// scheduler's slice bookkeeping, the ticker's resolution and the switch.
//
// usage: preempt_latency [ROUNDS] [SLICE_US]   (built with Ariadne's flags,
// linked with libariadne-rt.so, which preemption needs)
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "ariadne/fiber.hpp"

namespace fib = ariadne::fiber;
using Clock = std::chrono::steady_clock;

namespace {

int g_stop = 0;  // read with __atomic builtins: call-free at -O0 too
Clock::time_point g_hog_start, g_probe_start;
std::atomic<std::uint64_t> g_sink{0};

__attribute__((noinline)) std::uint64_t step(std::uint64_t x) { return x * 2654435761u + 1; }

__attribute__((noinline)) void hog_calls() {
  g_hog_start = Clock::now();
  std::uint64_t x = 1;
  while (__atomic_load_n(&g_stop, __ATOMIC_ACQUIRE) == 0) x = step(x);
  g_sink.fetch_add(x, std::memory_order_relaxed);
}

__attribute__((noinline)) void hog_call_free() {
  g_hog_start = Clock::now();
  std::uint64_t n = 0;
  while (__atomic_load_n(&g_stop, __ATOMIC_ACQUIRE) == 0) ++n;
  g_sink.fetch_add(n, std::memory_order_relaxed);
}

void probe() {
  g_probe_start = Clock::now();
  __atomic_store_n(&g_stop, 1, __ATOMIC_RELEASE);
}

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[static_cast<std::size_t>(p * static_cast<double>(v.size() - 1))];
}

void measure(const char* kind, void (*hog)(), int rounds, std::chrono::microseconds slice) {
  fib::Scheduler sched(1, {.time_slice = slice});
  std::vector<double> us;
  sched.run([&] {
    for (int r = 0; r < rounds; ++r) {
      __atomic_store_n(&g_stop, 0, __ATOMIC_RELEASE);
      fib::Fiber h = fib::spawn("hog", hog);
      fib::Fiber p = fib::spawn("probe", probe);
      p.join();
      h.join();
      const auto late = g_probe_start - (g_hog_start + slice);
      us.push_back(std::chrono::duration<double, std::micro>(late).count());
    }
  });
  const fib::SchedulerStats s = sched.stats();
  std::printf(
      "%-9s slice %lld us, %d rounds: latency median %.1f us, p90 %.1f us, max %.1f us "
      "(preemptions: at entry %llu, signal %llu, deferred %llu)\n",
      kind, static_cast<long long>(slice.count()), rounds, percentile(us, 0.5), percentile(us, 0.9),
      percentile(us, 1.0), static_cast<unsigned long long>(s.preemptions_at_entry),
      static_cast<unsigned long long>(s.preemptions_async),
      static_cast<unsigned long long>(s.preemptions_deferred));
}

}  // namespace

int main(int argc, char** argv) {
  const int rounds = argc > 1 ? std::atoi(argv[1]) : 200;
  const std::chrono::microseconds slice{argc > 2 ? std::atoi(argv[2]) : 1000};
  if (rounds < 1 || slice.count() < 1) {
    std::fprintf(stderr, "usage: preempt_latency [ROUNDS >= 1] [SLICE_US >= 1]\n");
    return 2;
  }
  measure("calls", hog_calls, rounds, slice);
  measure("call-free", hog_call_free, rounds, slice);
  return 0;
}
