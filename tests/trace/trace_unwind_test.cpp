// Return hooks keyed by stack pointer: calls that never return normally
// (longjmp, exceptions) and calls that switch stacks and threads mid-call
// (fibers) keep every exit accounted for, and the program computes what it
// computes untraced.
#include <gtest/gtest.h>

#include <atomic>
#include <csetjmp>
#include <cstring>
#include <stdexcept>
#include <string>

#include "ariadne/fiber.hpp"
#include "ariadne/trace.hpp"
#include "unwind_cases.hpp"

namespace t = ariadne::trace;

namespace {

std::atomic<long> g_entries{0}, g_exits{0}, g_unwound{0};

void on_entry(const t::Site&, t::Frame&, void*) { g_entries.fetch_add(1); }
void on_exit(const t::Site&, t::Frame& f, void*) {
  g_exits.fetch_add(1);
  if ((f.flags & t::kFrameUnwound) != 0) g_unwound.fetch_add(1);
}

struct Tracing {
  int e, x;
  explicit Tracing(const char* regex) {
    g_entries = g_exits = g_unwound = 0;
    e = t::add_entry_handler(on_entry, nullptr);
    x = t::add_exit_handler(on_exit, nullptr);
    EXPECT_GT(t::enable(t::by_regex(regex)), 0);
  }
  ~Tracing() {
    t::disable(t::all());
    t::remove_handler(e);
    t::remove_handler(x);
  }
};

}  // namespace

TEST(TraceUnwind, LongjmpOutOfFiveTracedFrames) {
  const long untraced = lj_outer(1);
  ASSERT_EQ(untraced, 50);  // lj_5 saw 5
  Tracing tr("^lj_");
  EXPECT_EQ(lj_outer(1), untraced);
  // lj_outer + lj_1..lj_5 entered; lj_1..lj_5 abandoned by longjmp, reported
  // unwound when lj_outer returned; lj_outer returned normally.
  EXPECT_EQ(g_entries.load(), 6);
  EXPECT_EQ(g_exits.load(), 6);
  EXPECT_EQ(g_unwound.load(), 5);
  // And again: nothing was left behind.
  EXPECT_EQ(lj_outer(2), 60);
  EXPECT_EQ(g_entries.load(), 12);
  EXPECT_EQ(g_exits.load(), 12);
}

TEST(TraceUnwind, ExceptionThroughTenTracedFrames) {
  const long untraced = ex_outer(0);
  Tracing tr("^ex_");
  EXPECT_EQ(ex_outer(0), untraced);
  // ex_outer, ex_1..ex_10, ex_after entered; ex_1..ex_10 unwound by the throw.
  EXPECT_EQ(g_entries.load(), 12);
  EXPECT_EQ(g_exits.load(), 12);
  EXPECT_EQ(g_unwound.load(), 10);
  EXPECT_EQ(ex_outer(-100), -91 + 9 + 900);  // no throw: all return normally
  EXPECT_EQ(g_unwound.load(), 10);
  EXPECT_EQ(g_entries.load(), g_exits.load());
}

TEST(TraceUnwind, FibersSwitchingMidCall) {
  constexpr int kFibers = 16, kCalls = 20;
  auto run = [] { return unwind_cases::run_fibers(kFibers, kCalls); };
  const long untraced = run();
  Tracing tr("^fb_");
  EXPECT_EQ(run(), untraced);
  EXPECT_EQ(g_entries.load(), 2L * kFibers * kCalls);
  EXPECT_EQ(g_exits.load(), 2L * kFibers * kCalls);
  EXPECT_EQ(g_unwound.load(), 0);
}
