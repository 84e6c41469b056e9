// Lean frames: while every registered handler is lean (kHandlerLean) the
// trampolines save and restore only what the call needs. Lean handlers still
// read and change the arguments and return values; the program must compute
// exactly what it computes untraced, with values kept in callee-saved and FP
// registers across traced calls, and through longjmp, exceptions and fibers.
// A full-frame handler added meanwhile gets full frames.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>

#include "ariadne/trace.hpp"
#include "unwind_cases.hpp"

namespace t = ariadne::trace;

extern "C" {
__attribute__((noipa)) long lean_ints(long a, long b, long c, long d, long e, long f) {
  return a + 2 * b + 3 * c + 4 * d + 5 * e + 6 * f;
}
__attribute__((noipa)) double lean_fps(double a, double b, double c, double d, double e, double f, double g,
                                       double h) {
  return a + 2 * b + 3 * c + 4 * d + 5 * e + 6 * f + 7 * g + 8 * h;
}
// Many values live across traced calls: the compiler keeps them in
// callee-saved integer and FP registers (x19-x28 / d8-d15; rbx, rbp,
// r12-r15), which the trampolines and the handlers must give back.
__attribute__((noipa)) long lean_pressure(long n) {
  long v0 = n, v1 = n * 3, v2 = n ^ 0x55, v3 = n + 7, v4 = n * n, v5 = n - 9, v6 = n << 3, v7 = ~n;
  double d0 = 0.5 * static_cast<double>(n), d1 = 1.25, d2 = -3.0, d3 = static_cast<double>(n) / 7.0;
  for (long i = 0; i < 20; ++i) {
    const long r = lean_ints(i, v0, v1, v2, v3, v4);
    const double x = lean_fps(d0, d1, d2, d3, 1.0, 2.0, 3.0, static_cast<double>(i));
    v0 += r & 15;
    v1 ^= r;
    v2 += v0;
    v3 -= v1;
    v4 += i;
    v5 ^= v4;
    v6 += v5;
    v7 -= v6;
    d0 += x * 1e-3;
    d1 *= 1.01;
    d2 -= d0;
    d3 += d1;
  }
  return v0 + v1 + v2 + v3 + v4 + v5 + v6 + v7 + static_cast<long>(d0 + d1 + d2 + d3);
}
}

namespace {

// The callee-saved GPRs of a Regs, whichever the architecture (no #ifdef:
// the discarded branch is never instantiated).
template <class R>
std::uint64_t callee_saved_signature(const R& r) {
  if constexpr (requires { r.rbx; }) {
    return r.rbx ^ (r.rbp << 1) ^ (r.r12 << 2) ^ (r.r13 << 3) ^ (r.r14 << 4) ^ (r.r15 << 5);
  } else {
    std::uint64_t s = 0;
    for (int i = 19; i <= 28; ++i) s ^= r.x[i] << (i - 19);
    return s;
  }
}

struct Seen {
  std::atomic<long> entries{0}, exits{0}, unwound{0};
  long args[t::kIntArgRegs] = {};
  double fp_args[t::kFpArgRegs] = {};
  long ret = 0;
  double fp_ret = 0;
};
Seen g_seen;
const t::Site* g_ints = nullptr;
const t::Site* g_fps = nullptr;
long g_add_to_first_arg = 0;
long g_add_to_ret = 0;

void lean_entry(const t::Site& s, t::Frame& f, void*) {
  g_seen.entries.fetch_add(1);
  if (&s == g_ints) {
    for (unsigned i = 0; i < t::kIntArgRegs; ++i) g_seen.args[i] = static_cast<long>(f.arg(i));
    if (g_add_to_first_arg != 0) f.set_arg(0, f.arg(0) + static_cast<std::uint64_t>(g_add_to_first_arg));
  } else if (&s == g_fps) {
    for (unsigned i = 0; i < t::kFpArgRegs; ++i) g_seen.fp_args[i] = f.fp_arg(i);
  }
}

void lean_exit(const t::Site& s, t::Frame& f, void*) {
  g_seen.exits.fetch_add(1);
  if ((f.flags & t::kFrameUnwound) != 0) g_seen.unwound.fetch_add(1);
  if (&s == g_ints) {
    g_seen.ret = static_cast<long>(f.ret());
    if (g_add_to_ret != 0) f.set_ret(f.ret() + static_cast<std::uint64_t>(g_add_to_ret));
  } else if (&s == g_fps) {
    g_seen.fp_ret = f.fp_ret();
  }
}

// Lean entry + exit handlers on the functions matching `regex` for the
// test's duration.
struct LeanTracing {
  int e, x;
  explicit LeanTracing(const char* regex) {
    g_seen.entries = g_seen.exits = g_seen.unwound = 0;
    g_add_to_first_arg = g_add_to_ret = 0;
    g_ints = t::find_site(reinterpret_cast<std::uintptr_t>(&lean_ints));
    g_fps = t::find_site(reinterpret_cast<std::uintptr_t>(&lean_fps));
    e = t::add_entry_handler(lean_entry, nullptr, t::kHandlerLean);
    x = t::add_exit_handler(lean_exit, nullptr, t::kHandlerLean);
    EXPECT_GE(e, 0);
    EXPECT_GE(x, 0);
    EXPECT_GT(t::enable(t::by_regex(regex)), 0);
  }
  ~LeanTracing() {
    t::disable(t::all());
    t::remove_handler(e);
    t::remove_handler(x);
  }
};

}  // namespace

TEST(LeanFrames, HandlersSeeArgumentsAndReturnValues) {
  LeanTracing tr("^lean_(ints|fps)$");
  ASSERT_NE(g_ints, nullptr);
  ASSERT_NE(g_fps, nullptr);
  EXPECT_EQ(lean_ints(1, 2, 3, 4, 5, 6), 91);
  for (unsigned i = 0; i < 6; ++i) EXPECT_EQ(g_seen.args[i], static_cast<long>(i + 1));
  EXPECT_EQ(g_seen.ret, 91);
  EXPECT_DOUBLE_EQ(lean_fps(1, 2, 3, 4, 5, 6, 7, 8), 204.0);
  for (unsigned i = 0; i < 8; ++i) EXPECT_DOUBLE_EQ(g_seen.fp_args[i], static_cast<double>(i + 1));
  EXPECT_DOUBLE_EQ(g_seen.fp_ret, 204.0);
  EXPECT_EQ(g_seen.entries.load(), 2);
  EXPECT_EQ(g_seen.exits.load(), 2);
}

TEST(LeanFrames, HandlersChangeArgumentsAndReturnValues) {
  LeanTracing tr("^lean_ints$");
  g_add_to_first_arg = 100;
  EXPECT_EQ(lean_ints(1, 2, 3, 4, 5, 6), 191);
  g_add_to_ret = 1000;
  EXPECT_EQ(lean_ints(1, 2, 3, 4, 5, 6), 1191);
}

TEST(LeanFrames, CalleeSavedAndFpRegistersSurvive) {
  const long untraced = lean_pressure(12345);
  LeanTracing tr("^lean_");
  EXPECT_EQ(lean_pressure(12345), untraced);
  EXPECT_EQ(g_seen.entries.load(), 41);
  EXPECT_EQ(g_seen.exits.load(), 41);
}

TEST(LeanFrames, LongjmpExceptionsAndFibers) {
  const long lj = lj_outer(1), ex = ex_outer(0);
  const long fb = unwind_cases::run_fibers(8, 10);
  {
    LeanTracing tr("^(lj|ex)_");
    EXPECT_EQ(lj_outer(1), lj);
    EXPECT_EQ(ex_outer(0), ex);
    EXPECT_EQ(g_seen.entries.load(), 6 + 12);
    EXPECT_EQ(g_seen.exits.load(), 6 + 12);
    EXPECT_EQ(g_seen.unwound.load(), 5 + 10);
  }
  LeanTracing tr("^fb_");
  EXPECT_EQ(unwind_cases::run_fibers(8, 10), fb);
  EXPECT_EQ(g_seen.entries.load(), 2 * 8 * 10);
  EXPECT_EQ(g_seen.exits.load(), 2 * 8 * 10);
}

// A full-frame exit handler registered beside lean ones gets full frames:
// the callee-saved registers of a well-behaved call are the same at its exit
// as at its entry (what the ABI checker relies on).
std::atomic<long> g_full_calls{0}, g_full_mismatches{0};
void full_entry(const t::Site&, t::Frame& f, void*) {
  *static_cast<std::uint64_t*>(t::call_data()) = callee_saved_signature(f);
}
void full_exit(const t::Site&, t::Frame& f, void*) {
  g_full_calls.fetch_add(1);
  if (*static_cast<std::uint64_t*>(t::call_data()) != callee_saved_signature(f))
    g_full_mismatches.fetch_add(1);
}

TEST(LeanFrames, AFullFrameHandlerTurnsFullFramesOn) {
  const long untraced = lean_pressure(777);
  LeanTracing tr("^lean_");
  const int fe = t::add_entry_handler(full_entry, nullptr);
  const int fx = t::add_exit_handler(full_exit, nullptr);
  ASSERT_GE(fe, 0);
  ASSERT_GE(fx, 0);
  EXPECT_EQ(lean_pressure(777), untraced);
  EXPECT_EQ(g_full_calls.load(), 41);
  EXPECT_EQ(g_full_mismatches.load(), 0);
  t::remove_handler(fe);
  t::remove_handler(fx);
  // Lean again.
  EXPECT_EQ(lean_pressure(777), untraced);
  EXPECT_EQ(g_seen.entries.load(), 82);
}
