// Preemption under the scheduler (sched_test_preempt only: it needs the
// runtime and Ariadne's flags). Run under ASan and TSan by sanitizers.sh.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <vector>

#include "ariadne/fiber.hpp"

namespace fib = ariadne::fiber;
using namespace std::chrono_literals;

namespace sched_preempt {  // sched_preempt_hogs.cpp
void spin_until(const int* stop);
void spin_ns(std::int64_t ns);
}  // namespace sched_preempt

using sched_preempt::spin_until;

TEST(SchedPreempt, CallFreeHogDoesNotStarveTheOthers) {
  fib::Scheduler sched(1, {.time_slice = 500us});
  int stop = 0;  // __atomic builtins: the hog stays call-free at -O0
  std::atomic<int> done{0};
  sched.run([&] {
    fib::Fiber hog = fib::spawn("hog", [&] { spin_until(&stop); });
    std::vector<fib::Fiber> others;
    for (int i = 0; i < 4; ++i)
      others.push_back(fib::spawn("other", [&] {
        for (int k = 0; k < 3; ++k) fib::this_fiber::yield();
        done.fetch_add(1);
      }));
    for (auto& f : others) f.join();
    __atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
    hog.join();
  });
  EXPECT_EQ(done.load(), 4);
  const auto s = sched.stats();
  EXPECT_GT(s.preemptions_async + s.preemptions_at_entry, 0u);
}

TEST(SchedPreempt, PreemptedFibersShareAMutexAndAChannel) {
  fib::Scheduler sched(2, {.time_slice = 200us});
  fib::Mutex m;
  long counter = 0;
  fib::Channel<int> ch(4);
  long received = 0;
  sched.run([&] {
    std::vector<fib::Fiber> fs;
    for (int i = 0; i < 4; ++i)
      fs.push_back(fib::spawn("worker", [&] {
        for (int k = 0; k < 20; ++k) {
          {
            std::lock_guard g(m);
            const long seen = counter;
            sched_preempt::spin_ns(100000);  // preempted here, holding the fiber mutex
            counter = seen + 1;
          }
          ch.send(1);
        }
      }));
    fib::Fiber rx = fib::spawn("receiver", [&] {
      for (int k = 0; k < 80; ++k) received += *ch.receive();
    });
    for (auto& f : fs) f.join();
    rx.join();
  });
  EXPECT_EQ(counter, 80);
  EXPECT_EQ(received, 80);
}

TEST(SchedPreempt, NoPreemptRegionKeepsTheWorker) {
  fib::Scheduler sched(1, {.time_slice = 200us});
  std::atomic<int> other_ran{0};
  int seen_inside = -1;
  sched.run([&] {
    fib::Fiber other = fib::spawn("other", [&] { other_ran.fetch_add(1); });
    {
      fib::NoPreempt np;
      // `other` may have run already (a preemption before the region).
      const int before = other_ran.load();
      // Until a preemption fell due and was held back (25 slices at least):
      // any preemption would have let `other` run.
      const auto give_up = std::chrono::steady_clock::now() + 10s;
      do {
        sched_preempt::spin_ns(5000000);
      } while (sched.stats().preemptions_deferred == 0 && std::chrono::steady_clock::now() < give_up);
      seen_inside = other_ran.load() - before;
    }
    other.join();
  });
  EXPECT_EQ(seen_inside, 0);
  EXPECT_EQ(other_ran.load(), 1);
  EXPECT_GT(sched.stats().preemptions_deferred, 0u);
}
