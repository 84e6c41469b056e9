// The AArch64 half of the trace runtime's architecture layer on its own:
// sled toggling (CodePatch.cpp), veneers, and the entry / exit trampolines
// (trampoline.S) with the Frame accessors (Frame.cpp). The trace core is not
// linked: this file defines ariadne_trace_on_entry / ariadne_trace_on_exit
// itself, as test doubles that run a per-test hook.
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>
#include <unwind.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <thread>
#include <vector>

#include "arch/CodePatch.hpp"
#include "ariadne/trace.hpp"
#include "trace/Dispatch.hpp"

#define NOIPA __attribute__((noipa))

namespace arch = ariadne::arch;
using ariadne::trace::Frame;

namespace {

// --- the test doubles of the core ------------------------------------------
using EntryHook = void (*)(Frame&);
using ExitHook = std::uintptr_t (*)(Frame&);
std::atomic<EntryHook> g_entry_hook{nullptr};
std::atomic<ExitHook> g_exit_hook{nullptr};

// The last frames seen, and the original return addresses of hooked exits.
Frame g_entry_frame;
Frame g_exit_frame;
thread_local std::uintptr_t t_return_stack[64];
thread_local unsigned t_return_depth = 0;

std::uintptr_t addr(auto* fn) { return reinterpret_cast<std::uintptr_t>(fn); }

}  // namespace

extern "C" std::uintptr_t ariadne_trace_on_entry(Frame* frame) noexcept {
  if (EntryHook h = g_entry_hook.load(std::memory_order_acquire)) h(*frame);
  return frame->resume;
}

extern "C" std::uintptr_t ariadne_trace_on_exit(Frame* frame) noexcept {
  ExitHook h = g_exit_hook.load(std::memory_order_acquire);
  if (h == nullptr) std::abort();  // only planted by tests that set one
  return h(*frame);
}

namespace {

// Plants the exit trampoline as the return address (what the core does for
// calls with exit handlers).
void hook_exit(Frame& f) {
  t_return_stack[t_return_depth++] = f.x[30];
  f.x[30] = addr(&ariadne_trace_exit_trampoline);
}
std::uintptr_t pop_return() { return t_return_stack[--t_return_depth]; }

// --- code pages and sites ----------------------------------------------------
void protect_code(std::uintptr_t site, int prot) {
  const auto page = static_cast<std::uintptr_t>(sysconf(_SC_PAGESIZE));
  const std::uintptr_t begin = site & ~(page - 1);
  const std::uintptr_t end = (site + arch::sled_size() + page - 1) & ~(page - 1);
  ASSERT_EQ(mprotect(reinterpret_cast<void*>(begin), end - begin, prot), 0);
}

// A site of this file made ready for toggling: pristine -> prepared once
// (single-threaded); disabled again when the test ends.
class Site {
 public:
  explicit Site(std::uintptr_t function) : site_(function) {
    protect_code(site_, PROT_READ | PROT_WRITE | PROT_EXEC);
    const arch::SledState state = arch::classify(bytes(), nullptr);
    EXPECT_NE(state, arch::SledState::unknown);
    if (state == arch::SledState::pristine) arch::write_prepared(bytes());
    protect_code(site_, PROT_READ | PROT_EXEC);
  }
  ~Site() { toggle(0); }
  Site(const Site&) = delete;
  Site& operator=(const Site&) = delete;

  void toggle(std::uintptr_t target) {
    protect_code(site_, PROT_READ | PROT_WRITE | PROT_EXEC);
    const arch::Toggle t{site_, target};
    arch::toggle_live({&t, 1});
    protect_code(site_, PROT_READ | PROT_EXEC);
  }
  void enable() {
    ASSERT_TRUE(arch::call_reaches(site_, addr(&ariadne_trace_entry_trampoline)));
    toggle(addr(&ariadne_trace_entry_trampoline));
  }
  std::uintptr_t site() const { return site_; }
  std::byte* bytes() const { return reinterpret_cast<std::byte*>(site_); }
  arch::SledState state(std::uintptr_t* target = nullptr) const { return arch::classify(bytes(), target); }

 private:
  std::uintptr_t site_;
};

// An RWX page within BL reach of `site`, or nullptr. Mappings without a
// usable hint land far from the executable under QEMU, so try hints on
// both sides and check what we got.
void* map_near(std::uintptr_t site) {
  const auto page = static_cast<std::uintptr_t>(sysconf(_SC_PAGESIZE));
  for (std::uintptr_t mib : {16u, 32u, 48u, 64u, 96u}) {
    for (int side : {-1, 1}) {
      const std::uintptr_t hint = ((site & ~(page - 1)) + static_cast<std::uintptr_t>(side) * (mib << 20));
      void* p = mmap(reinterpret_cast<void*>(hint), page, PROT_READ | PROT_WRITE | PROT_EXEC,
                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (p == MAP_FAILED) continue;
      if (arch::call_reaches(site, addr(p)) && arch::call_reaches(site, addr(p) + arch::veneer_size()))
        return p;
      munmap(p, page);
    }
  }
  return nullptr;
}

// --- instrumented functions --------------------------------------------------
std::atomic<long> g_body_calls{0};
std::uintptr_t g_body_ra = 0;

NOIPA long add3(long a, long b, long c) {
  g_body_calls.fetch_add(1, std::memory_order_relaxed);
  g_body_ra = addr(__builtin_return_address(0));
  return a + 2 * b + 3 * c;
}
NOIPA long add3_alt(long a, long b, long c) { return a * 100 + b * 10 + c; }
// Stores after the call, so it cannot become a tail call: add3 returns here.
volatile long g_after_call = 0;
NOIPA long call_add3(long a, long b, long c) {
  const long r = add3(a, b, c);
  g_after_call = r;
  return r;
}

long g_seen_i[10];
double g_seen_d[10];
NOIPA long args10(long i0, long i1, long i2, long i3, long i4, long i5, long i6, long i7, long i8, long i9,
                  double d0, double d1, double d2, double d3, double d4, double d5, double d6, double d7,
                  double d8, double d9) {
  const long is[] = {i0, i1, i2, i3, i4, i5, i6, i7, i8, i9};
  const double ds[] = {d0, d1, d2, d3, d4, d5, d6, d7, d8, d9};
  std::memcpy(g_seen_i, is, sizeof is);
  std::memcpy(g_seen_d, ds, sizeof ds);
  return i0 + i9;
}
NOIPA long call_args10() {
  const long r = args10(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 0.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5, 8.5, 9.5);
  g_after_call = r;
  return r;
}

NOIPA double scale(double x, long n) {
  g_body_calls.fetch_add(1, std::memory_order_relaxed);
  return x * static_cast<double>(n);
}

// Recursion through a pointer the compiler cannot see through, so -O2 does
// not turn it into a loop.
NOIPA long fact(long n);
long (*volatile g_fact)(long) = &fact;
NOIPA long fact(long n) { return n <= 1 ? 1 : n * g_fact(n - 1); }

// Keeps values in callee-saved registers across its own calls (at -O2), so
// a trampoline that lost one would show.
NOIPA long churn(long n) {
  long a = n, b = n * 3, c = n * 5, d = n * 7, e = n * 11, f = n * 13, g = n * 17, h = n * 19;
  double p = static_cast<double>(n) * 0.5, q = p * 3, r = p * 5, s = p * 7;
  for (int i = 0; i < 3; ++i) {
    a += add3_alt(b, c, d);
    e ^= add3_alt(f, g, h);
    p += static_cast<double>(add3_alt(a, e, i));
    q -= r * s;
  }
  return a + b + c + d + e + f + g + h + static_cast<long>(p + q + r + s);
}
// The caller keeps its own values live across the traced call.
NOIPA long call_churn(long n) {
  long k1 = n + 1, k2 = n * 2 + 3, k3 = n * 5 - 7, k4 = n ^ 0x55, k5 = n * 9;
  double f1 = static_cast<double>(n) / 3, f2 = f1 * f1, f3 = f2 - f1;
  const long r = churn(n);
  return r + k1 * k2 - k3 * k4 + k5 + static_cast<long>(f1 * 1000 + f2 + f3 * 7);
}

// Built with BTI + PAC-RET (qemu-aarch64's default CPU enforces PAC): the
// compiler puts `bti c` before the sled, and the function signs and
// authenticates x30 around its body, so a trampoline that handed it a wrong
// LR or SP would make it fault on return.
__attribute__((noipa, target("branch-protection=bti+pac-ret+leaf"))) long pac_target(long a) {
  return add3_alt(a, a, a) + 1;
}
constexpr std::uint32_t kBtiC = 0xd503245f;
std::uintptr_t site_of(std::uintptr_t function) {
  std::uint32_t first;
  std::memcpy(&first, reinterpret_cast<const void*>(function), sizeof first);
  return first == kBtiC ? function + 4 : function;
}

constexpr long kKey = 0x5a5a5a5a5a5aL;
NOIPA long live_target(long a, long b) { return a * 2 + b; }

// Resets the doubles between tests.
class TraceArch : public ::testing::Test {
 protected:
  void SetUp() override {
    g_body_calls = 0;
    g_body_ra = 0;
    t_return_depth = 0;
    std::memset(static_cast<void*>(&g_entry_frame), 0, sizeof g_entry_frame);
    std::memset(static_cast<void*>(&g_exit_frame), 0, sizeof g_exit_frame);
  }
  void TearDown() override {
    g_entry_hook = nullptr;
    g_exit_hook = nullptr;
  }
};

std::uint64_t bits(double d) {
  std::uint64_t u;
  std::memcpy(&u, &d, sizeof u);
  return u;
}

// --- sled encodings ----------------------------------------------------------
TEST_F(TraceArch, TogglePreparedCallingPrepared) {
  Site s(addr(&add3));
  EXPECT_EQ(s.state(), arch::SledState::prepared);
  s.enable();
  std::uintptr_t target = 0;
  EXPECT_EQ(s.state(&target), arch::SledState::calling);
  EXPECT_EQ(target, addr(&ariadne_trace_entry_trampoline));
  s.toggle(0);
  EXPECT_EQ(s.state(), arch::SledState::prepared);
}

TEST_F(TraceArch, OutOfReachTargetIsNotWritten) {
  Site s(addr(&add3));
  s.toggle(s.site() + (std::uintptr_t{256} << 20));
  EXPECT_EQ(s.state(), arch::SledState::prepared);
}

// --- entry frames ------------------------------------------------------------
TEST_F(TraceArch, EntryFrameHoldsArgumentsSiteReturnAddressAndSp) {
  g_entry_hook = +[](Frame& f) { g_entry_frame = f; };
  Site s(addr(&add3));
  s.enable();
  long local = 0;
  EXPECT_EQ(call_add3(1, 2, 3), 1 + 4 + 9);
  EXPECT_EQ(g_body_calls, 1);
  EXPECT_EQ(g_entry_frame.arg(0), 1u);
  EXPECT_EQ(g_entry_frame.arg(1), 2u);
  EXPECT_EQ(g_entry_frame.arg(2), 3u);
  EXPECT_EQ(g_entry_frame.site(), s.site());
  EXPECT_EQ(g_entry_frame.pc, s.site());
  // x[30] is the caller's return address: what the body itself returns to.
  EXPECT_EQ(g_entry_frame.return_address(), g_body_ra);
  EXPECT_GT(g_body_ra, addr(&call_add3));
  EXPECT_LT(g_body_ra, addr(&call_add3) + 256);
  EXPECT_EQ(g_entry_frame.resume, arch::body_of(s.site()));
  EXPECT_EQ(g_entry_frame.flags, 0u);
  // SP: 16-aligned, below this test's frame and not far below.
  EXPECT_EQ(g_entry_frame.stack_pointer() % 16, 0u);
  EXPECT_LT(g_entry_frame.stack_pointer(), addr(&local));
  EXPECT_GT(g_entry_frame.stack_pointer() + 4096, addr(&local));
}

std::uint64_t g_stack_args[4];

TEST_F(TraceArch, TenIntAndTenFpArgumentsIncludingStack) {
  g_entry_hook = +[](Frame& f) {
    g_entry_frame = f;
    for (unsigned i = 0; i < 4; ++i) g_stack_args[i] = *f.stack_arg(i);
  };
  Site s(addr(&args10));
  s.enable();
  EXPECT_EQ(call_args10(), 11);
  for (unsigned i = 0; i < ariadne::trace::kIntArgRegs; ++i) EXPECT_EQ(g_entry_frame.arg(i), i + 1) << i;
  for (unsigned i = 0; i < ariadne::trace::kFpArgRegs; ++i) EXPECT_EQ(g_entry_frame.fp_arg(i), i + 0.5) << i;
  // AAPCS64: the arguments that do not fit in registers are laid out at the
  // entry SP in parameter order: i8, i9, d8, d9.
  EXPECT_EQ(g_stack_args[0], 9u);
  EXPECT_EQ(g_stack_args[1], 10u);
  EXPECT_EQ(g_stack_args[2], bits(8.5));
  EXPECT_EQ(g_stack_args[3], bits(9.5));
  // And the function saw every argument unchanged.
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(g_seen_i[i], i + 1) << i;
    EXPECT_EQ(g_seen_d[i], i + 0.5) << i;
  }
}

TEST_F(TraceArch, HandlerChangesArguments) {
  g_entry_hook = +[](Frame& f) {
    f.set_arg(2, 1000);
    f.set_arg(7, 70);
    f.set_fp_arg(3, -2.25);
    *f.stack_arg(0) = 99;  // i8
    std::uint64_t d9 = bits(-9.75);
    std::memcpy(f.stack_arg(3), &d9, 8);  // d9
  };
  Site s(addr(&args10));
  s.enable();
  call_args10();
  EXPECT_EQ(g_seen_i[2], 1000);
  EXPECT_EQ(g_seen_i[7], 70);
  EXPECT_EQ(g_seen_i[8], 99);
  EXPECT_EQ(g_seen_d[3], -2.25);
  EXPECT_EQ(g_seen_d[9], -9.75);
  EXPECT_EQ(g_seen_i[1], 2);
  EXPECT_EQ(g_seen_d[2], 2.5);
}

TEST_F(TraceArch, SkipReturnsChosenValueWithoutRunningBody) {
  g_entry_hook = +[](Frame& f) { f.skip(42); };
  Site s(addr(&add3));
  s.enable();
  EXPECT_EQ(call_add3(1, 2, 3), 42);
  EXPECT_EQ(g_body_calls, 0);

  g_entry_hook = +[](Frame& f) {
    f.set_fp_ret(6.25);
    f.skip();
  };
  Site fp(addr(&scale));
  fp.enable();
  double (*volatile scale_ptr)(double, long) = &scale;
  EXPECT_EQ(scale_ptr(2.0, 3), 6.25);
  EXPECT_EQ(g_body_calls, 0);
}

TEST_F(TraceArch, RedirectRunsAnotherFunction) {
  g_entry_hook = +[](Frame& f) {
    f.set_arg(0, 7);
    f.redirect(addr(&add3_alt));
  };
  Site s(addr(&add3));
  s.enable();
  EXPECT_EQ(call_add3(1, 2, 3), 723);
  EXPECT_EQ(g_body_calls, 0);
}

TEST_F(TraceArch, DisabledSiteNoLongerEnters) {
  static std::atomic<int> entries;
  entries = 0;
  g_entry_hook = +[](Frame&) { entries.fetch_add(1); };
  Site s(addr(&add3));
  s.enable();
  EXPECT_EQ(call_add3(1, 1, 1), 6);
  EXPECT_EQ(entries, 1);
  s.toggle(0);
  EXPECT_EQ(call_add3(1, 1, 1), 6);
  EXPECT_EQ(entries, 1);
  EXPECT_EQ(g_body_calls, 2);
}

// --- exit frames ---------------------------------------------------------------
TEST_F(TraceArch, ExitSeesAndChangesIntegerReturn) {
  g_entry_hook = +[](Frame& f) {
    g_entry_frame = f;
    hook_exit(f);
  };
  g_exit_hook = +[](Frame& f) {
    g_exit_frame = f;
    f.set_ret(f.ret() + 1000);
    return pop_return();
  };
  Site s(addr(&add3));
  s.enable();
  EXPECT_EQ(call_add3(1, 2, 3), 1014);
  EXPECT_EQ(g_body_calls, 1);
  EXPECT_EQ(g_exit_frame.ret(), 14u);
  EXPECT_EQ(g_exit_frame.stack_pointer(), g_entry_frame.stack_pointer());
  EXPECT_EQ(g_exit_frame.flags, 0u);
  // The body returned through the exit trampoline.
  EXPECT_EQ(g_body_ra, addr(&ariadne_trace_exit_trampoline));
  EXPECT_EQ(t_return_depth, 0u);
}

TEST_F(TraceArch, ExitSeesAndChangesFpReturn) {
  g_entry_hook = hook_exit;
  g_exit_hook = +[](Frame& f) {
    g_exit_frame = f;
    f.set_fp_ret(f.fp_ret() * 2);
    return pop_return();
  };
  Site s(addr(&scale));
  s.enable();
  double (*volatile scale_ptr)(double, long) = &scale;
  EXPECT_EQ(scale_ptr(1.5, 3), 9.0);
  EXPECT_EQ(g_exit_frame.fp_ret(), 4.5);
}

TEST_F(TraceArch, PacRetFunctionWithExitHook) {
  g_entry_hook = +[](Frame& f) {
    g_entry_frame = f;
    hook_exit(f);
  };
  g_exit_hook = +[](Frame& f) {
    g_exit_frame = f;
    f.set_ret(f.ret() * 2);
    return pop_return();
  };
  Site s(site_of(addr(&pac_target)));
  EXPECT_EQ(s.site(), addr(&pac_target) + 4) << "expected `bti c` before the sled";
  s.enable();
  long (*volatile pac_ptr)(long) = &pac_target;
  EXPECT_EQ(pac_ptr(1), 2 * 112);
  EXPECT_EQ(g_entry_frame.pc, s.site());
  EXPECT_EQ(g_exit_frame.ret(), 112u);
}

TEST_F(TraceArch, RecursiveExitsReturnInOrder) {
  static std::atomic<int> entries, exits;
  entries = exits = 0;
  g_entry_hook = +[](Frame& f) {
    entries.fetch_add(1);
    hook_exit(f);
  };
  g_exit_hook = +[](Frame&) {
    exits.fetch_add(1);
    return pop_return();
  };
  Site s(addr(&fact));
  s.enable();
  long (*volatile fact_ptr)(long) = &fact;
  EXPECT_EQ(fact_ptr(10), 3628800);
  EXPECT_EQ(entries, 10);
  EXPECT_EQ(exits, 10);
}

TEST_F(TraceArch, CalleeSavedRegistersAtExitEqualEntry) {
  g_entry_hook = +[](Frame& f) {
    g_entry_frame = f;
    hook_exit(f);
  };
  g_exit_hook = +[](Frame& f) {
    g_exit_frame = f;
    return pop_return();
  };
  Site s(addr(&churn));
  const long ns[] = {3, 11, 12345};
  long expected[3];
  for (int i = 0; i < 3; ++i) expected[i] = call_churn(ns[i]);  // untraced
  s.enable();
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(call_churn(ns[i]), expected[i]) << ns[i];
    for (int r = 19; r <= 29; ++r) EXPECT_EQ(g_exit_frame.x[r], g_entry_frame.x[r]) << "x" << r;
    for (int r = 0; r < 8; ++r) EXPECT_EQ(g_exit_frame.d8_15[r], g_entry_frame.d8_15[r]) << "d" << r + 8;
    EXPECT_EQ(g_exit_frame.fpcr, g_entry_frame.fpcr);
    EXPECT_EQ(g_exit_frame.sp, g_entry_frame.sp);
  }
}

// --- unwinding through the entry trampoline -------------------------------------
struct Trace {
  std::uintptr_t pc[32];
  int n = 0;
};
Trace g_trace;

_Unwind_Reason_Code collect(_Unwind_Context* ctx, void* arg) {
  auto* t = static_cast<Trace*>(arg);
  if (t->n == 32) return _URC_END_OF_STACK;
  t->pc[t->n++] = _Unwind_GetIP(ctx);
  return _URC_NO_REASON;
}

Trace g_fp_trace;

// Follows the AAPCS64 frame records {FP, LR} from this function up.
NOIPA void walk_frame_records(Trace* t) {
  auto* fp = static_cast<std::uintptr_t*>(__builtin_frame_address(0));
  for (t->n = 0; fp != nullptr && t->n < 32; fp = reinterpret_cast<std::uintptr_t*>(fp[0]))
    t->pc[t->n++] = fp[1];
}

TEST_F(TraceArch, UnwindingFromHandlerReachesTheCaller) {
  g_entry_hook = +[](Frame& f) {
    g_entry_frame = f;
    g_trace.n = 0;
    _Unwind_Backtrace(collect, &g_trace);
    walk_frame_records(&g_fp_trace);
  };
  Site s(addr(&add3));
  s.enable();
  call_add3(1, 2, 3);
  // ... -> trampoline -> add3 (at site + 8) -> call_add3 -> this test.
  const std::uintptr_t* begin = g_trace.pc;
  const std::uintptr_t* end = begin + g_trace.n;
  const std::uintptr_t* body = std::find(begin, end, arch::body_of(s.site()));
  ASSERT_NE(body, end) << "no frame at the traced function's body";
  ASSERT_NE(body + 1, end);
  EXPECT_EQ(body[1], g_entry_frame.return_address());
  EXPECT_GT(end - body, 2) << "the walk stopped at the caller";

  // The frame-pointer chain: the trampoline's record, then the one inside
  // the Regs ({caller FP, caller LR}), then the caller's own.
  const std::uintptr_t* fp_begin = g_fp_trace.pc;
  const std::uintptr_t* fp_end = fp_begin + g_fp_trace.n;
  const std::uintptr_t* fp_body = std::find(fp_begin, fp_end, arch::body_of(s.site()));
  ASSERT_NE(fp_body, fp_end) << "no frame record for the traced function";
  ASSERT_NE(fp_body + 1, fp_end);
  EXPECT_EQ(fp_body[1], g_entry_frame.return_address());
  EXPECT_GT(fp_end - fp_body, 2) << "the frame records stop at the caller";
}

// --- veneers ---------------------------------------------------------------------
TEST_F(TraceArch, VeneerJumpsToItsTarget) {
  const auto page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  void* p = mmap(nullptr, page, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(p, MAP_FAILED);
  ASSERT_EQ(arch::veneer_size(), 16u);
  arch::write_veneer(static_cast<std::byte*>(p), addr(&add3_alt));
  auto* through = reinterpret_cast<long (*)(long, long, long)>(p);
  EXPECT_EQ(through(1, 2, 3), 123);
  munmap(p, page);
}

TEST_F(TraceArch, SiteCallsTrampolineThroughVeneer) {
  g_entry_hook = +[](Frame& f) {
    g_entry_frame = f;
    f.set_arg(1, 20);
  };
  Site s(addr(&add3));
  void* near = map_near(s.site());
  if (near == nullptr) GTEST_SKIP() << "no page within BL reach of the site";
  std::printf("veneer at %p, site at %#lx\n", near, static_cast<unsigned long>(s.site()));
  arch::write_veneer(static_cast<std::byte*>(near), addr(&ariadne_trace_entry_trampoline));
  s.toggle(addr(near));
  std::uintptr_t target = 0;
  ASSERT_EQ(s.state(&target), arch::SledState::calling);
  EXPECT_EQ(target, addr(near));
  EXPECT_EQ(call_add3(1, 2, 3), 1 + 40 + 9);
  EXPECT_EQ(g_entry_frame.pc, s.site());
  EXPECT_EQ(g_entry_frame.return_address(), g_body_ra);
  s.toggle(0);
  munmap(near, static_cast<std::size_t>(sysconf(_SC_PAGESIZE)));
}

// --- live toggling ---------------------------------------------------------------
TEST_F(TraceArch, LiveToggleWhileFourThreadsCall) {
  constexpr int kThreads = 4;
  constexpr long kCalls = 20000;
  constexpr int kToggles = 500;
  static std::atomic<long> entries, bad_args, bad_results, progress;
  static std::uintptr_t site;
  entries = bad_args = bad_results = progress = 0;
  g_entry_hook = +[](Frame& f) {
    entries.fetch_add(1, std::memory_order_relaxed);
    if (f.arg(1) != (f.arg(0) ^ static_cast<std::uint64_t>(kKey)) || f.pc != site) bad_args.fetch_add(1);
  };
  Site s(addr(&live_target));
  site = s.site();
  long (*volatile target)(long, long) = &live_target;

  // Calls and toggles are interleaved by counting, not by time: toggle k + 1
  // waits until the threads have made kStep * (k + 1) calls in all, and the
  // threads may run half a step past that, so they are calling the site
  // while it flips. Each phase thus holds at least about kStep / 2 calls.
  constexpr long kTotal = kThreads * kCalls;
  constexpr long kStep = kTotal / kToggles;
  std::atomic<long> limit{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (long i = 0; i < kCalls; ++i) {
        while (progress.load(std::memory_order_relaxed) >= limit.load(std::memory_order_relaxed))
          std::this_thread::yield();
        const long a = (static_cast<long>(t) << 32) | i;
        const long b = a ^ kKey;
        if (target(a, b) != a * 2 + b) bad_results.fetch_add(1);
        progress.fetch_add(1, std::memory_order_relaxed);
      }
    });
  }
  protect_code(site, PROT_READ | PROT_WRITE | PROT_EXEC);
  for (int k = 0; k < kToggles; ++k) {
    const arch::Toggle t{site, k % 2 == 0 ? addr(&ariadne_trace_entry_trampoline) : 0};
    arch::toggle_live({&t, 1});
    limit.store(kStep * (k + 1) + kStep / 2, std::memory_order_relaxed);
    while (progress.load(std::memory_order_relaxed) < kStep * (k + 1)) std::this_thread::yield();
  }
  limit.store(kTotal, std::memory_order_relaxed);
  for (std::thread& th : threads) th.join();
  protect_code(site, PROT_READ | PROT_EXEC);
  std::printf("live toggle: %d toggles, %ld calls, %ld traced\n", kToggles, kTotal, entries.load());
  // Half the steps ran with the site enabled: some calls, not all, entered.
  EXPECT_GT(entries, 0);
  EXPECT_LT(entries, kTotal);
  EXPECT_EQ(bad_args, 0);
  EXPECT_EQ(bad_results, 0);
  EXPECT_LE(entries, kTotal);
  EXPECT_EQ(s.state(), arch::SledState::prepared);
}

}  // namespace
