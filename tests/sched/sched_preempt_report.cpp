// sched_test_preempt: after the suite, how often its fibers were preempted
// (the scheduler tests themselves do not look).
#include <gtest/gtest.h>

#include <cstdio>

#include "fiber/Preempt.hpp"

namespace {
class PreemptReport : public ::testing::Environment {
 public:
  void TearDown() override {
    const auto t = ariadne::fiber::detail::preempt_totals();
    std::printf("preemptions in the suite: signal %llu, at entry %llu, deferred %llu\n",
                static_cast<unsigned long long>(t.async), static_cast<unsigned long long>(t.at_entry),
                static_cast<unsigned long long>(t.deferred));
  }
};
const auto* const g_report = ::testing::AddGlobalTestEnvironment(new PreemptReport);
}  // namespace
