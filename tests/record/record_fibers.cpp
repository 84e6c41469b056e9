// A fiber program for record.fibers (record_test.sh): FIBERS fibers on a
// Scheduler of WORKERS threads, each ROUNDS times calling leaf() and a nested
// middle() -> inner() that yields between two leaf() calls, so calls are
// open while the fiber is switched out and resumes, often on the other
// worker. Prints the exact number of calls of each function, which the
// recording must show. WAVES (default 1) spawns the fibers in that many
// waves, each joined before the next starts: later waves run on stacks
// reused from the pool, as the record.fibers-reused case checks.
#include <algorithm>
#include <ariadne/fiber.hpp>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "fiber/StackPool.hpp"

namespace af = ariadne::fiber;

std::atomic<long> g_sum{0};

extern "C" __attribute__((noinline)) int leaf(int x) {
  asm volatile("" ::: "memory");
  return x + 1;
}

extern "C" __attribute__((noinline)) void inner(int i) {
  g_sum += leaf(i);
  af::this_fiber::yield();
  g_sum += leaf(i);
}

extern "C" __attribute__((noinline)) void middle(int i) {
  inner(i);
  asm volatile("" ::: "memory");
}

extern "C" __attribute__((noinline)) void fiber_body(int rounds) {
  for (int i = 0; i < rounds; ++i) {
    g_sum += leaf(i);
    middle(i);
  }
}

int main(int argc, char** argv) {
  const int fibers = argc > 1 ? std::atoi(argv[1]) : 20;
  const int rounds = argc > 2 ? std::atoi(argv[2]) : 100;
  const unsigned workers = argc > 3 ? static_cast<unsigned>(std::atoi(argv[3])) : 2;
  const int waves = argc > 4 ? std::max(1, std::atoi(argv[4])) : 1;
  af::Scheduler sched(workers);
  sched.run([&] {
    for (int w = 0, f = 0; w < waves; ++w) {
      std::vector<af::Fiber> wave;
      for (; f < fibers * (w + 1) / waves; ++f)
        wave.push_back(af::spawn("worker" + std::to_string(f), [rounds] { fiber_body(rounds); }));
      for (auto& fiber : wave) fiber.join();
    }
  });
  std::printf("fiber_body %d\nmiddle %d\ninner %d\nleaf %d\n", fibers, fibers * rounds, fibers * rounds,
              3 * fibers * rounds);
  std::printf("stacks reused %llu\n", static_cast<unsigned long long>(af::stack_pool_stats().reused));
  return 0;
}
