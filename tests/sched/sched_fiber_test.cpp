// Spawn/join, exceptions, yield, sleep, fiber-local storage, scale.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>
#include <vector>

#include "ariadne/fiber.hpp"

namespace af = ariadne::fiber;
using namespace std::chrono_literals;

TEST(SchedFiber, SpawnJoinRunsEveryFiberOnce) {
  af::Scheduler sched(2);
  std::atomic<int> sum{0};
  sched.run([&] {
    std::vector<af::Fiber> fs;
    for (int i = 1; i <= 20; ++i) fs.push_back(af::spawn("add", [&sum, i] { sum += i; }));
    for (auto& f : fs) f.join();
    EXPECT_FALSE(fs[0].joinable());
  });
  EXPECT_EQ(sum.load(), 210);
}

TEST(SchedFiber, JoinFromPlainThreadAndNamesAndIds) {
  af::Scheduler sched(2);
  EXPECT_FALSE(af::this_fiber::in_fiber());
  EXPECT_EQ(af::this_fiber::id(), 0u);
  std::string seen;
  std::uint64_t seen_id = 0;
  af::Fiber f = sched.spawn("worker-fiber", [&] {
    seen = std::string(af::this_fiber::name());
    seen_id = af::this_fiber::id();
    EXPECT_GE(af::this_fiber::worker_index(), 0);
    EXPECT_EQ(af::Scheduler::current(), &sched);
  });
  const auto id = f.id();
  f.join();  // the main thread blocks on a futex, not a fiber
  EXPECT_EQ(seen, "worker-fiber");
  EXPECT_EQ(seen_id, id);
  EXPECT_THROW(f.join(), std::logic_error);
}

TEST(SchedFiber, JoinRethrowsTheFibersException) {
  af::Scheduler sched(2);
  af::Fiber f = sched.spawn("thrower", [] {
    af::this_fiber::yield();
    throw std::runtime_error("boom from fiber");
  });
  try {
    f.join();
    FAIL() << "join did not rethrow";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "boom from fiber");
  }
  // And through run(), from a nested fiber joined by a fiber.
  EXPECT_THROW(sched.run([] { af::spawn("inner", [] { throw std::out_of_range("x"); }).join(); }),
               std::out_of_range);
}

TEST(SchedFiber, YieldIsRoundRobinOnOneWorker) {
  af::Scheduler sched(1);
  std::vector<int> order;
  sched.run([&] {
    std::vector<af::Fiber> fs;
    for (int k = 0; k < 3; ++k)
      fs.push_back(af::spawn("yielder", [&order, k] {
        for (int i = 0; i < 50; ++i) {
          order.push_back(k);
          af::this_fiber::yield();
        }
      }));
    for (auto& f : fs) f.join();
  });
  ASSERT_EQ(order.size(), 150u);
  for (std::size_t i = 3; i < order.size(); ++i) ASSERT_EQ(order[i], order[i - 3]) << "at " << i;
  EXPECT_NE(order[0], order[1]);
  EXPECT_NE(order[1], order[2]);
}

TEST(SchedFiber, SleepersWakeInDeadlineOrderAndNotEarly) {
  af::Scheduler sched(1);
  std::vector<int> woke;
  const int ms[] = {120, 30, 90, 60, 150};
  sched.run([&] {
    // Deadlines from one t0, so a slow start (QEMU, a loaded host) cannot reorder them.
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<af::Fiber> fs;
    for (int d : ms)
      fs.push_back(af::spawn("sleeper", [&woke, d, t0] {
        af::this_fiber::sleep_until(t0 + std::chrono::milliseconds(d));
        EXPECT_GE(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(d));
        woke.push_back(d);
      }));
    fs.push_back(af::spawn("sleep_for", [] {
      const auto start = std::chrono::steady_clock::now();
      af::this_fiber::sleep_for(20ms);
      EXPECT_GE(std::chrono::steady_clock::now() - start, 20ms);
    }));
    for (auto& f : fs) f.join();
  });
  EXPECT_EQ(woke, (std::vector<int>{30, 60, 90, 120, 150}));
}

TEST(SchedFiber, SleepOutsideFiberFallsBackToThreadSleep) {
  const auto t0 = std::chrono::steady_clock::now();
  af::this_fiber::sleep_for(5ms);
  af::this_fiber::yield();
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 5ms);
}

struct Counted {
  static inline std::atomic<int> destroyed{0};
  int value = -1;
  ~Counted() { ++destroyed; }
};

TEST(SchedFiber, FiberLocalIsPerFiberAndDestroyedAtExit) {
  af::FiberLocal<Counted> local;
  Counted::destroyed = 0;
  std::atomic<int> mismatches{0};
  {
    af::Scheduler sched(2);
    std::vector<af::Fiber> fs;
    for (int k = 0; k < 8; ++k)
      fs.push_back(sched.spawn("fls", [&, k] {
        EXPECT_EQ(local->value, -1);  // fresh in every fiber
        local->value = k;
        for (int i = 0; i < 20; ++i) {
          af::this_fiber::yield();
          if (local->value != k) ++mismatches;
        }
      }));
    for (auto& f : fs) f.join();
  }
  EXPECT_EQ(mismatches.load(), 0);
  EXPECT_EQ(Counted::destroyed.load(), 8);
  // A plain thread has its own slot too.
  local->value = 99;
  std::thread([&] { EXPECT_EQ(local->value, -1); }).join();
  EXPECT_EQ(local->value, 99);
}

TEST(SchedFiber, TenThousandFibersSpawnAndJoin) {
  af::Scheduler sched(2);
  std::atomic<long> sum{0};
  constexpr int kFibers = 10000;
  sched.run([&] {
    std::vector<af::Fiber> fs;
    fs.reserve(kFibers);
    for (int i = 0; i < kFibers; ++i)
      fs.push_back(af::spawn(
          "tiny", [&sum, i] { sum += i; }, 16 * 1024));
    for (auto& f : fs) f.join();
  });
  EXPECT_EQ(sum.load(), static_cast<long>(kFibers) * (kFibers - 1) / 2);
  EXPECT_GE(sched.stats().fibers_spawned, static_cast<std::uint64_t>(kFibers));
}

TEST(SchedFiber, DestructorWaitsForDetachedFibers) {
  std::atomic<int> done{0};
  {
    af::Scheduler sched(2);
    for (int i = 0; i < 10; ++i)
      sched.spawn("detached", [&] {
        af::this_fiber::sleep_for(10ms);
        ++done;
      });  // handle dropped: detached
  }
  EXPECT_EQ(done.load(), 10);
}
