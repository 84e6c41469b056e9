// The x86-64 half of the trace runtime's architecture layer, against test
// doubles of the core: this file defines ariadne_trace_on_entry/on_exit
// itself and records the frames the trampolines hand over. Sites are this
// test's own instrumented functions, patched in place (text made RWX).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <thread>
#include <vector>

#include "arch/CodePatch.hpp"
#include "arch/x86_64/PatchTraps.hpp"
#include "trace/Dispatch.hpp"

namespace arch = ariadne::arch;
using ariadne::trace::Frame;

namespace {

// ---------------------------------------------------------------------------
// Test doubles of the core.
enum class Mode { record, change_args, skip, redirect, hook_exit, live };
Mode g_mode = Mode::record;
Frame g_entry{};
Frame g_exit{};
int g_entries = 0;
int g_exits = 0;
std::uint64_t g_saved_return = 0;
std::uintptr_t g_redirect_to = 0;
bool g_frame_misaligned = false;
bool g_read_stack = false;  // copy stack_arg(0..5) while the call is in flight
std::uint64_t g_stack_slots[6];
std::uintptr_t g_entry_return = 0;  // return_address(), read during the call
std::atomic<std::uint64_t> g_live_entries{0};
std::atomic<std::uint64_t> g_live_bad_args{0};

}  // namespace

extern "C" std::uintptr_t ariadne_trace_on_entry(Frame* f) noexcept {
  if (reinterpret_cast<std::uintptr_t>(f) % 16 != 0) g_frame_misaligned = true;
  if (g_mode == Mode::live) {
    g_live_entries.fetch_add(1, std::memory_order_relaxed);
    if (f->arg(1) != f->arg(0) * 3 + 1) g_live_bad_args.fetch_add(1, std::memory_order_relaxed);
    return f->resume;
  }
  ++g_entries;
  g_entry = *f;
  g_entry_return = f->return_address();
  if (g_read_stack)
    for (unsigned i = 0; i < 6; ++i) g_stack_slots[i] = *f->stack_arg(i);
  switch (g_mode) {
    case Mode::change_args:
      f->set_arg(0, 7);
      f->set_fp_arg(1, 4.0);
      break;
    case Mode::skip:
      f->skip(777);
      break;
    case Mode::redirect:
      f->redirect(g_redirect_to);
      break;
    case Mode::hook_exit:
      g_saved_return = *reinterpret_cast<std::uint64_t*>(f->rsp);
      *reinterpret_cast<std::uint64_t*>(f->rsp) =
          reinterpret_cast<std::uintptr_t>(&ariadne_trace_exit_trampoline);
      break;
    default:
      break;
  }
  return f->resume;
}

extern "C" std::uintptr_t ariadne_trace_on_exit(Frame* f) noexcept {
  if (reinterpret_cast<std::uintptr_t>(f) % 16 != 0) g_frame_misaligned = true;
  ++g_exits;
  g_exit = *f;
  f->set_ret(f->ret() + 1000);
  f->set_fp_ret(f->fp_ret() * -1);
  return g_saved_return;
}

namespace {

// ---------------------------------------------------------------------------
// Instrumented functions (noipa: no clones, no constant propagation, so the
// call really runs the sled with these arguments).
int g_body_runs = 0;
std::uintptr_t g_seen_return = 0;
std::uintptr_t g_seen_frame = 0;

__attribute__((noipa)) long add2(long a, long b) {
  ++g_body_runs;
  g_seen_return = reinterpret_cast<std::uintptr_t>(__builtin_return_address(0));
  g_seen_frame = reinterpret_cast<std::uintptr_t>(__builtin_frame_address(0));
  return a * 10 + b;
}

__attribute__((noipa)) long other(long a, long b) { return a * 1000 + b; }

__attribute__((noipa)) double mul(double x, double y) { return x * y; }

__attribute__((noipa)) long many(long a0, long a1, long a2, long a3, long a4, long a5, long a6, long a7,
                                 long a8, long a9, double d0, double d1, double d2, double d3, double d4,
                                 double d5, double d6, double d7, double d8, double d9) {
  return a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 +
         static_cast<long>(d0 + d1 + d2 + d3 + d4 + d5 + d6 + d7 + d8 + d9);
}

// Variadic: the caller passes the number of vector registers used in al,
// which the trampoline must hand back unchanged.
__attribute__((noipa)) double vsum(int n, ...) {
  va_list ap;
  va_start(ap, n);
  double s = 0;
  for (int i = 0; i < n; ++i) s += va_arg(ap, double);
  va_end(ap);
  return s;
}

// Keeps many values live across a call, so the compiler uses (and must
// restore) callee-saved registers.
__attribute__((noipa)) long opaque(long x) { return x ^ 0x5a; }
__attribute__((noipa)) long busy(long n) {
  long a = n + 1, b = n * 3, c = n ^ 7, d = n - 9, e = n * n, f = n + 100;
  long s = opaque(a) + opaque(b);
  return s + a * b + c * d + e * f;
}

// Nine-byte sleds: a 5-byte site can sit at any offset 0..4 in them, so one
// function hosts an 8-byte-store site and the other an int3-protocol site.
__attribute__((patchable_function_entry(9, 0), noipa)) long live_a(long x, long y) { return x + 2 * y; }
__attribute__((patchable_function_entry(9, 0), noipa)) long live_b(long x, long y) { return 2 * x + y; }

// ---------------------------------------------------------------------------
std::uintptr_t site_of(const void* fn) {
  auto p = reinterpret_cast<std::uintptr_t>(fn);
  static constexpr unsigned char kEndbr64[4] = {0xf3, 0x0f, 0x1e, 0xfa};
  if (std::memcmp(reinterpret_cast<const void*>(p), kEndbr64, 4) == 0) p += 4;
  return p;
}

bool inside_one_word(std::uintptr_t site) { return (site & 7) + 5 <= 8; }

void set_text_protection(std::uintptr_t site, int prot) {
  const auto page = static_cast<std::uintptr_t>(sysconf(_SC_PAGESIZE));
  const std::uintptr_t start = site & ~(page - 1);
  ASSERT_EQ(mprotect(reinterpret_cast<void*>(start), 2 * page, prot), 0);
}

void prepare(std::uintptr_t site) {
  set_text_protection(site, PROT_READ | PROT_WRITE | PROT_EXEC);
  auto* p = reinterpret_cast<std::byte*>(site);
  const arch::SledState st = arch::classify(p, nullptr);
  ASSERT_TRUE(st == arch::SledState::pristine || st == arch::SledState::prepared) << std::hex << site;
  if (st == arch::SledState::pristine) arch::write_prepared(p);
  ASSERT_EQ(arch::classify(p, nullptr), arch::SledState::prepared);
}

// A page for a veneer or a thunk, within call reach of `near`.
void* page_near(std::uintptr_t near) {
  const auto page = static_cast<std::uintptr_t>(sysconf(_SC_PAGESIZE));
  for (std::uintptr_t distance = 64u << 20; distance < (1u << 31); distance += 64u << 20) {
    const std::uintptr_t hint = (near - distance) & ~(page - 1);
    void* p = mmap(reinterpret_cast<void*>(hint), page, PROT_READ | PROT_WRITE | PROT_EXEC,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (p == MAP_FAILED) continue;
    if (arch::call_reaches(near, reinterpret_cast<std::uintptr_t>(p))) return p;
    munmap(p, page);
  }
  return nullptr;
}

// Enables `site`: directly when the trampoline is in reach, else through a
// veneer placed near the site.
void enable(std::uintptr_t site) {
  const auto tramp = reinterpret_cast<std::uintptr_t>(&ariadne_trace_entry_trampoline);
  std::uintptr_t target = tramp;
  if (!arch::call_reaches(site, tramp)) {
    void* v = page_near(site);
    ASSERT_NE(v, nullptr);
    arch::write_veneer(static_cast<std::byte*>(v), tramp);
    target = reinterpret_cast<std::uintptr_t>(v);
  }
  const arch::Toggle t{site, target};
  arch::toggle_live({&t, 1});
  std::uintptr_t seen = 0;
  ASSERT_EQ(arch::classify(reinterpret_cast<std::byte*>(site), &seen), arch::SledState::calling);
  ASSERT_EQ(seen, target);
}

void disable(std::uintptr_t site) {
  const arch::Toggle t{site, 0};
  arch::toggle_live({&t, 1});
  ASSERT_EQ(arch::classify(reinterpret_cast<std::byte*>(site), nullptr), arch::SledState::prepared);
}

// A SIGTRAP handler of "the program", installed before the patch trap
// handler (at static initialisation), which must receive every trap that is
// not a transient int3 of toggle_live.
std::atomic<int> g_program_traps{0};
void program_trap_handler(int, siginfo_t*, void*) { ++g_program_traps; }
const bool g_program_handler_installed = [] {
  struct sigaction sa {};
  sa.sa_sigaction = program_trap_handler;
  sa.sa_flags = SA_SIGINFO;
  sigemptyset(&sa.sa_mask);
  return sigaction(SIGTRAP, &sa, nullptr) == 0;
}();

class ArchX86 : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { arch::install_patch_trap_handler(); }
  void SetUp() override {
    g_mode = Mode::record;
    g_entries = g_exits = g_body_runs = 0;
    g_frame_misaligned = false;
    g_read_stack = false;
    g_entry = Frame{};
    g_exit = Frame{};
  }
};

template <typename Fn>
std::uintptr_t enabled_site(Fn* fn) {
  const std::uintptr_t site = site_of(reinterpret_cast<const void*>(fn));
  prepare(site);
  enable(site);
  return site;
}

TEST_F(ArchX86, VeneerIsAbsoluteJump) {
  ASSERT_EQ(arch::veneer_size(), 14u);
  unsigned char buf[14];
  arch::write_veneer(reinterpret_cast<std::byte*>(buf), 0x1122334455667788u);
  const unsigned char want[14] = {0xff, 0x25, 0, 0, 0, 0, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11};
  EXPECT_EQ(std::memcmp(buf, want, 14), 0);
}

TEST_F(ArchX86, EntryFrameHoldsArgumentsSiteAndReturnAddress) {
  const std::uintptr_t site = enabled_site(&add2);
  EXPECT_EQ(add2(3, 4), 34);
  ASSERT_EQ(g_entries, 1);
  EXPECT_EQ(g_entry.arg(0), 3u);
  EXPECT_EQ(g_entry.arg(1), 4u);
  EXPECT_EQ(g_entry.site(), site);
  EXPECT_EQ(g_entry.resume, site + 5);
  EXPECT_EQ(g_entry_return, g_seen_return);
  EXPECT_EQ(g_entry.stack_pointer(), g_seen_frame + 8);  // push rbp at entry
  EXPECT_EQ(g_entry.flags, 0u);
  EXPECT_EQ(g_entry.pad0, 0u);
  EXPECT_FALSE(g_frame_misaligned);
  disable(site);
  EXPECT_EQ(add2(5, 6), 56);
  EXPECT_EQ(g_entries, 1);  // disabled: no more entries
}

TEST_F(ArchX86, TenIntAndTenFpArguments) {
  const std::uintptr_t site = enabled_site(&many);
  EXPECT_EQ(many(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 0.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5, 8.5, 9.5), 105);
  ASSERT_EQ(g_entries, 1);
  for (unsigned i = 0; i < 6; ++i) EXPECT_EQ(g_entry.arg(i), i + 1) << i;
  for (unsigned i = 0; i < 8; ++i) EXPECT_EQ(g_entry.fp_arg(i), 0.5 + i) << i;
  disable(site);
}

TEST_F(ArchX86, StackArgumentsThroughStackArg) {
  const std::uintptr_t site = enabled_site(&many);
  std::memset(g_stack_slots, 0, sizeof g_stack_slots);
  g_read_stack = true;
  EXPECT_EQ(many(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 0.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5, 8.5, 9.5), 105);
  g_read_stack = false;
  EXPECT_EQ(g_stack_slots[0], 7u);
  EXPECT_EQ(g_stack_slots[1], 8u);
  EXPECT_EQ(g_stack_slots[2], 9u);
  EXPECT_EQ(g_stack_slots[3], 10u);
  double d8, d9;
  std::memcpy(&d8, &g_stack_slots[4], 8);
  std::memcpy(&d9, &g_stack_slots[5], 8);
  EXPECT_EQ(d8, 8.5);
  EXPECT_EQ(d9, 9.5);
  disable(site);
}

TEST_F(ArchX86, VariadicCallKeepsVectorCountInRax) {
  const std::uintptr_t site = enabled_site(&vsum);
  EXPECT_EQ(vsum(3, 1.0, 2.0, 4.0), 7.0);
  ASSERT_EQ(g_entries, 1);
  EXPECT_EQ(g_entry.rax & 0xff, 3u);
  EXPECT_EQ(g_entry.fp_arg(2), 4.0);
  disable(site);
}

TEST_F(ArchX86, HandlerChangesArguments) {
  const std::uintptr_t a = enabled_site(&add2);
  const std::uintptr_t m = enabled_site(&mul);
  g_mode = Mode::change_args;  // arg 0 := 7, fp arg 1 := 4.0
  EXPECT_EQ(add2(1, 2), 72);
  EXPECT_EQ(mul(2.5, 3.0), 10.0);
  EXPECT_EQ(g_entries, 2);
  disable(a);
  disable(m);
}

TEST_F(ArchX86, SkipReturnsChosenValueWithoutRunningBody) {
  const std::uintptr_t site = enabled_site(&add2);
  g_mode = Mode::skip;
  EXPECT_EQ(add2(1, 2), 777);
  EXPECT_EQ(g_body_runs, 0);
  EXPECT_EQ(g_entries, 1);
  disable(site);
  EXPECT_EQ(add2(1, 2), 12);
  EXPECT_EQ(g_body_runs, 1);
}

TEST_F(ArchX86, RedirectRunsAnotherFunction) {
  const std::uintptr_t site = enabled_site(&add2);
  g_mode = Mode::redirect;
  g_redirect_to = reinterpret_cast<std::uintptr_t>(&other);
  EXPECT_EQ(add2(3, 4), 3004);
  EXPECT_EQ(g_body_runs, 0);
  disable(site);
}

TEST_F(ArchX86, ExitSeesAndChangesIntegerReturnValue) {
  const std::uintptr_t site = enabled_site(&busy);
  const long want = busy(5);  // computed through the trampoline, no exit hook
  g_mode = Mode::hook_exit;
  EXPECT_EQ(busy(5), want + 1000);
  ASSERT_EQ(g_entries, 2);
  ASSERT_EQ(g_exits, 1);
  EXPECT_EQ(static_cast<long>(g_exit.rax), want);
  EXPECT_EQ(g_exit.rsp, g_entry.rsp);  // the RSP the function was entered with
  EXPECT_EQ(g_exit.flags, 0u);
  // Callee-saved state the function returned with equals that at entry.
  EXPECT_EQ(g_exit.rbx, g_entry.rbx);
  EXPECT_EQ(g_exit.rbp, g_entry.rbp);
  EXPECT_EQ(g_exit.r12, g_entry.r12);
  EXPECT_EQ(g_exit.r13, g_entry.r13);
  EXPECT_EQ(g_exit.r14, g_entry.r14);
  EXPECT_EQ(g_exit.r15, g_entry.r15);
  EXPECT_EQ(g_exit.mxcsr & ~0x3fu, g_entry.mxcsr & ~0x3fu);  // control bits; status flags are caller-saved
  EXPECT_EQ(g_exit.x87cw, g_entry.x87cw);
  EXPECT_FALSE(g_frame_misaligned);
  disable(site);
}

TEST_F(ArchX86, ExitSeesAndChangesFpReturnValue) {
  const std::uintptr_t site = enabled_site(&mul);
  g_mode = Mode::hook_exit;
  EXPECT_EQ(mul(1.5, 2.0), -3.0);
  ASSERT_EQ(g_exits, 1);
  EXPECT_EQ(g_exit.fp_ret(), 3.0);
  disable(site);
}

TEST_F(ArchX86, ThroughVeneerNearTheSite) {
  const std::uintptr_t site = site_of(reinterpret_cast<const void*>(&other));
  prepare(site);
  void* v = page_near(site);
  ASSERT_NE(v, nullptr);
  const auto vaddr = reinterpret_cast<std::uintptr_t>(v);
  ASSERT_TRUE(arch::call_reaches(site, vaddr)) << std::hex << site << " " << vaddr;
  arch::write_veneer(static_cast<std::byte*>(v),
                     reinterpret_cast<std::uintptr_t>(&ariadne_trace_entry_trampoline));
  const arch::Toggle t{site, vaddr};
  arch::toggle_live({&t, 1});
  g_mode = Mode::hook_exit;
  EXPECT_EQ(other(1, 2), 1002 + 1000);
  EXPECT_EQ(g_entries, 1);
  EXPECT_EQ(g_entry.site(), site);
  EXPECT_EQ(g_exits, 1);
  disable(site);
  munmap(v, static_cast<std::size_t>(sysconf(_SC_PAGESIZE)));
}

// Calls `target` with RSP 16-aligned at its entry, one word off the ABI
// (as buggy hand-written or -O0 callers may): a few bytes of machine code
//   movabs $target, %rax; call *%rax; ret
// in a page of its own, so the test needs no assembly source.
TEST_F(ArchX86, MisalignedStackAtEntrySurvives) {
  const std::uintptr_t site = enabled_site(&other);
  const auto page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  void* p = mmap(nullptr, page, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(p, MAP_FAILED);
  auto* code = static_cast<unsigned char*>(p);
  const std::uint64_t target = reinterpret_cast<std::uintptr_t>(&other);
  code[0] = 0x48;
  code[1] = 0xb8;
  std::memcpy(code + 2, &target, 8);
  code[10] = 0xff;
  code[11] = 0xd0;
  code[12] = 0xc3;
  auto* thunk = reinterpret_cast<long (*)(long, long)>(p);
  g_mode = Mode::hook_exit;
  EXPECT_EQ(thunk(4, 5), 4005 + 1000);
  ASSERT_EQ(g_entries, 1);
  EXPECT_EQ(g_entry.rsp % 16, 0u);  // the misalignment really happened
  EXPECT_EQ(g_entry.arg(0), 4u);
  EXPECT_EQ(g_exits, 1);
  EXPECT_FALSE(g_frame_misaligned);  // the handlers got an aligned frame
  munmap(p, page);
  disable(site);
}

TEST_F(ArchX86, TrapsThatAreNotOursReachThePreviousHandler) {
  ASSERT_TRUE(g_program_handler_installed);
  const std::uint64_t ours = arch::patch_traps_handled();
  const int before = g_program_traps.load();
  raise(SIGTRAP);  // si_code SI_TKILL
  EXPECT_EQ(g_program_traps.load(), before + 1);
  // A genuine int3 in the program's code (SI_KERNEL, the 0xcc still there).
  const auto page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  void* p = mmap(nullptr, page, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(p, MAP_FAILED);
  static_cast<unsigned char*>(p)[0] = 0xcc;  // int3
  static_cast<unsigned char*>(p)[1] = 0xc3;  // ret
  reinterpret_cast<void (*)()>(p)();
  EXPECT_EQ(g_program_traps.load(), before + 2);
  EXPECT_EQ(arch::patch_traps_handled(), ours);
  munmap(p, page);
}

// A call that runs into the transient int3 (from the patching thread itself,
// between the phases) must run the function untraced, as if the sled were
// the NOP it was or will be.
std::uintptr_t g_hooked_site = 0;
long g_hook_results[3];
int g_hook_calls = 0;
void call_mid_patch(unsigned phase) {
  EXPECT_EQ(*reinterpret_cast<const unsigned char*>(g_hooked_site), 0xcc) << "phase " << phase;
  if (phase < 3) g_hook_results[phase] = live_b(10, 31);
  ++g_hook_calls;
}

TEST_F(ArchX86, CallIntoTransientInt3RunsUntraced) {
  const std::uintptr_t f = site_of(reinterpret_cast<const void*>(&live_b));
  std::uintptr_t site = f;
  while (inside_one_word(site)) ++site;
  ASSERT_LE(site - f, 4u);
  prepare(site);
  g_hooked_site = site;
  const std::uint64_t traps = arch::patch_traps_handled();
  const auto tramp = reinterpret_cast<std::uintptr_t>(&ariadne_trace_entry_trampoline);
  arch::set_int3_phase_hook(call_mid_patch);
  const arch::Toggle on{site, tramp}, off{site, 0};
  arch::toggle_live({&on, 1});   // prepared -> calling
  arch::toggle_live({&off, 1});  // calling -> prepared
  arch::set_int3_phase_hook(nullptr);
  EXPECT_EQ(g_hook_calls, 4);
  EXPECT_EQ(g_hook_results[1], 2 * 10 + 31);
  EXPECT_EQ(g_hook_results[2], 2 * 10 + 31);
  EXPECT_EQ(g_entries, 0);  // none of the four calls was traced
  EXPECT_EQ(arch::patch_traps_handled(), traps + 4);
  EXPECT_EQ(arch::classify(reinterpret_cast<std::byte*>(site), nullptr), arch::SledState::prepared);
}

// One round of the live-toggle test; returns the SIGTRAPs handled.
std::uint64_t live_round(std::uintptr_t word_site, std::uintptr_t int3_site, std::uintptr_t tramp) {
  g_mode = Mode::live;
  g_live_entries = 0;
  g_live_bad_args = 0;
  const std::uint64_t traps_before = arch::patch_traps_handled();
  constexpr int kThreads = 4;
  constexpr long kCalls = 200000;
  constexpr int kToggles = 2000;
  std::atomic<long> wrong_results{0};
  std::atomic<int> running{kThreads};
  std::atomic<long> progress{0};  // +1 per 64 calls of any thread
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([t, &wrong_results, &running, &progress] {
      long wrong = 0;
      for (long i = 0; i < kCalls; ++i) {
        if ((i & 63) == 0) progress.fetch_add(1, std::memory_order_relaxed);
        const long x = i * kThreads + t;
        const long y = 3 * x + 1;
        if ((i & 1) != 0) {
          if (live_a(x, y) != x + 2 * y) ++wrong;
        } else if (live_b(x, y) != 2 * x + y) {
          ++wrong;
        }
      }
      wrong_results += wrong;
      --running;
    });
  }
  const arch::Toggle on[2] = {{word_site, tramp}, {int3_site, tramp}};
  const arch::Toggle off[2] = {{word_site, 0}, {int3_site, 0}};
  // Spread the toggles over the threads' run: after each, wait for about
  // kThreads * kCalls / kToggles / 2 more calls (or for the threads to end).
  constexpr long kStride = kThreads * kCalls / kToggles / 2 / 64;
  int toggles = 0;
  for (; toggles < kToggles; ++toggles) {
    arch::toggle_live((toggles & 1) == 0 ? std::span(on) : std::span(off));
    const long until = progress.load() + kStride;
    while (progress.load() < until && running.load() > 0) std::this_thread::yield();
  }
  if ((toggles & 1) != 0) arch::toggle_live(off);
  for (auto& th : threads) th.join();
  g_mode = Mode::record;
  const std::uint64_t traps = arch::patch_traps_handled() - traps_before;
  std::printf("live toggle: %d toggles, %d threads x %ld calls, %llu traced entries, %llu SIGTRAPs handled\n",
              toggles, kThreads, kCalls, static_cast<unsigned long long>(g_live_entries.load()),
              static_cast<unsigned long long>(traps));
  EXPECT_EQ(wrong_results.load(), 0);
  EXPECT_EQ(g_live_bad_args.load(), 0u);
  return traps;
}

// Four threads call two patched functions while the main thread flips them
// on and off: one site is toggled with an 8-byte store, the other with the
// int3 protocol. Every call must return the right value and every traced
// entry must see the right arguments.
TEST_F(ArchX86, LiveToggleUnderConcurrentCalls) {
  auto pick = [](const void* fn, bool want_word) {
    const std::uintptr_t f = site_of(fn);
    for (std::uintptr_t k = 0; k <= 4; ++k)
      if (inside_one_word(f + k) == want_word) return f + k;
    return std::uintptr_t{0};
  };
  const std::uintptr_t word_site = pick(reinterpret_cast<const void*>(&live_a), true);
  const std::uintptr_t int3_site = pick(reinterpret_cast<const void*>(&live_b), false);
  ASSERT_NE(word_site, 0u);
  ASSERT_NE(int3_site, 0u);
  ASSERT_TRUE(inside_one_word(word_site));
  ASSERT_FALSE(inside_one_word(int3_site));
  prepare(word_site);
  prepare(int3_site);
  const auto tramp = reinterpret_cast<std::uintptr_t>(&ariadne_trace_entry_trampoline);
  ASSERT_TRUE(arch::call_reaches(word_site, tramp));
  ASSERT_TRUE(arch::call_reaches(int3_site, tramp));

  const auto tramp_target = tramp;
  // A round rarely catches a thread inside the int3 window on a loaded
  // 2-core machine: repeat (bounded) until one did, so the handler's
  // mid-patch path is exercised; correctness is asserted in every round.
  std::uint64_t traps = 0;
  for (int round = 0; round < 5 && traps == 0; ++round)
    traps += live_round(word_site, int3_site, tramp_target);
  RecordProperty("sigtraps_handled", std::to_string(traps));
  EXPECT_EQ(arch::classify(reinterpret_cast<std::byte*>(word_site), nullptr), arch::SledState::prepared);
  EXPECT_EQ(arch::classify(reinterpret_cast<std::byte*>(int3_site), nullptr), arch::SledState::prepared);
  set_text_protection(word_site, PROT_READ | PROT_EXEC);
  set_text_protection(int3_site, PROT_READ | PROT_EXEC);
}

}  // namespace
