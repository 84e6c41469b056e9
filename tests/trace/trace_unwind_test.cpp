// Return hooks keyed by stack pointer: calls that never return normally
// (longjmp, exceptions) and calls that switch stacks and threads mid-call
// (fibers) keep every exit accounted for, and the program computes what it
// computes untraced.
#include <csetjmp>
#include <atomic>
#include <cstring>
#include <stdexcept>
#include <string>

#include <gtest/gtest.h>

#include "ariadne/fiber.hpp"
#include "ariadne/trace.hpp"

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

std::jmp_buf g_jump;

}  // namespace

extern "C" {
// ---- longjmp out of 5 traced frames ----------------------------------------
__attribute__((noipa)) long lj_5(long v) {
  std::longjmp(g_jump, static_cast<int>(v));
}
__attribute__((noipa)) long lj_4(long v) { return lj_5(v + 1) + 1; }
__attribute__((noipa)) long lj_3(long v) { return lj_4(v + 1) + 1; }
__attribute__((noipa)) long lj_2(long v) { return lj_3(v + 1) + 1; }
__attribute__((noipa)) long lj_1(long v) { return lj_2(v + 1) + 1; }
__attribute__((noipa)) long lj_outer(long v) {
  volatile long result = 0;
  if (const int got = setjmp(g_jump); got != 0) {
    result = got;  // back here with the value lj_5 saw
  } else {
    result = lj_1(v);
  }
  return result * 10;
}

// ---- an exception through 10 traced frames ----------------------------------
__attribute__((noipa)) long ex_10(long v) {
  if (v >= 0) throw std::runtime_error("deep " + std::to_string(v));
  return v;
}
__attribute__((noipa)) long ex_9(long v) { return ex_10(v + 1) + 1; }
__attribute__((noipa)) long ex_8(long v) { return ex_9(v + 1) + 1; }
__attribute__((noipa)) long ex_7(long v) { return ex_8(v + 1) + 1; }
__attribute__((noipa)) long ex_6(long v) { return ex_7(v + 1) + 1; }
__attribute__((noipa)) long ex_5(long v) { return ex_6(v + 1) + 1; }
__attribute__((noipa)) long ex_4(long v) { return ex_5(v + 1) + 1; }
__attribute__((noipa)) long ex_3(long v) { return ex_4(v + 1) + 1; }
__attribute__((noipa)) long ex_2(long v) { return ex_3(v + 1) + 1; }
__attribute__((noipa)) long ex_1(long v) { return ex_2(v + 1) + 1; }
__attribute__((noipa)) long ex_after(long v) { return v + 1000; }
__attribute__((noipa)) long ex_outer(long v) {
  long r = 0;
  try {
    r = ex_1(v);
  } catch (const std::runtime_error& e) {
    r = static_cast<long>(std::strlen(e.what()));
  }
  return r + ex_after(v);
}

// ---- fibers switching mid-call ----------------------------------------------
__attribute__((noipa)) long fb_leaf(long v) {
  ariadne::fiber::this_fiber::yield();  // switch stacks (and maybe threads) mid-call
  return v + 1;
}
__attribute__((noipa)) long fb_mid(long v) { return fb_leaf(v) * 2; }
}

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
  auto run = [] {
    std::atomic<long> total{0};
    ariadne::fiber::Scheduler sched(2);
    sched.run([&] {
      std::vector<ariadne::fiber::Fiber> fibers;
      for (int f = 0; f < kFibers; ++f) {
        fibers.push_back(ariadne::fiber::spawn("tracer", [&, f] {
          for (int i = 0; i < kCalls; ++i) total.fetch_add(fb_mid(f * 100 + i));
        }));
      }
      for (auto& fb : fibers) fb.join();
    });
    return total.load();
  };
  const long untraced = run();
  Tracing tr("^fb_");
  EXPECT_EQ(run(), untraced);
  EXPECT_EQ(g_entries.load(), 2L * kFibers * kCalls);
  EXPECT_EQ(g_exits.load(), 2L * kFibers * kCalls);
  EXPECT_EQ(g_unwound.load(), 0);
}
