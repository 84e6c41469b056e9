// Spawning reuses finished fibers' stacks (src/fiber/StackPool.hpp): in the
// steady state no stack is mapped, and a reused stack is clean for its new
// fiber.
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "ariadne/fiber.hpp"
#include "fiber/StackPool.hpp"

namespace af = ariadne::fiber;

TEST(SchedStackPool, SpawnJoinInAFiberMapsNoStackInTheSteadyState) {
  af::Scheduler sched(1);
  sched.run([] {
    af::spawn("warm-up", [] {}).join();
    const auto before = af::stack_pool_stats();
    for (int i = 0; i < 1000; ++i) {
      const std::string name = "child-" + std::to_string(i);
      af::spawn(name, [&] { EXPECT_EQ(af::this_fiber::name(), name); }).join();
    }
    const auto after = af::stack_pool_stats();
    EXPECT_EQ(after.mapped - before.mapped, 0u);
    EXPECT_EQ(after.reused - before.reused, 1000u);
    EXPECT_EQ(after.unmapped - before.unmapped, 0u);
  });
}

TEST(SchedStackPool, SpawnsFromAPlainThreadMapABoundedNumberOfStacks) {
  // A plain thread's own cache stays empty (workers free the stacks): it
  // takes from the shared cache, which the workers fill once their own
  // caches are full. A stack is mapped only while the shared cache is empty,
  // so at most every worker cache's worth plus the one in use, however many
  // fibers the thread spawns one after the other.
  constexpr unsigned kWorkers = 2;
  constexpr int kSpawns = 500;
  af::Scheduler sched(kWorkers);
  const auto before = af::stack_pool_stats();
  for (int i = 0; i < kSpawns; ++i) sched.spawn("from-thread", [] {}).join();
  const auto after = af::stack_pool_stats();
  EXPECT_LE(after.mapped - before.mapped, kWorkers * af::kLocalStacks + 1);
  EXPECT_GE(after.reused - before.reused, kSpawns - (kWorkers * af::kLocalStacks + 1));
}

TEST(SchedStackPool, AReusedStackStartsFromItsTopWithFreshLocals) {
  // A fiber that leaves garbage deep in its stack, then one on the same
  // (reused) stack that must see its own zero-initialised locals and can
  // use the whole stack again.
  af::Scheduler sched(1);
  sched.run([] {
    const auto before = af::stack_pool_stats();
    af::spawn(
        "dirty",
        [] {
          volatile char junk[48 * 1024];
          for (std::size_t i = 0; i < sizeof junk; i += 64) junk[i] = 'J';
        },
        64 * 1024)
        .join();
    af::spawn(
        "clean",
        [] {
          char fresh[48 * 1024] = {};
          std::size_t nonzero = 0;
          for (char c : fresh) nonzero += c != 0;
          EXPECT_EQ(nonzero, 0u);
        },
        64 * 1024)
        .join();
    EXPECT_GE(af::stack_pool_stats().reused - before.reused, 1u);
  });
}
