// gdb's view of a preempted fiber (issue 19, acceptance 3; driven by
// preempt_gdb.sh): the fiber "spinner" (id 2) runs a call-free loop on the
// only worker and is taken off it by the timer signal; the main fiber then
// stops at fiber_breakpoint_here, where `fiber bt 2` must show the spinner's
// stack down to spin_forever, the function the signal interrupted.
#include <atomic>
#include <chrono>
#include <cstdio>

#include "ariadne/fiber.hpp"

namespace fib = ariadne::fiber;
using namespace std::chrono_literals;

std::atomic<bool> g_stop{false};
std::atomic<unsigned long> g_sink{0};

extern "C" __attribute__((noinline)) void spin_forever() {
  unsigned long n = 0;
  while (!g_stop.load(std::memory_order_relaxed)) ++n;
  g_sink.store(n);
}

extern "C" __attribute__((noinline)) void fiber_breakpoint_here() { asm volatile("" ::: "memory"); }

int main() {
  fib::Scheduler sched(1, {.time_slice = 1ms});
  sched.run([&] {
    fib::Fiber spinner = fib::spawn("spinner", spin_forever);
    // Back here only because the spinner was preempted; then it is
    // suspended in spin_forever, interrupted by the signal.
    while (sched.stats().preemptions_async < 3) fib::this_fiber::sleep_for(1ms);
    fiber_breakpoint_here();
    g_stop.store(true);
    spinner.join();
  });
  std::printf("preempt_gdb: %llu signal preemptions\n",
              static_cast<unsigned long long>(sched.stats().preemptions_async));
  return 0;
}
