// Register torture test for the context switch (the seed's suggestion: call
// functions with many parameters from many threads and check nothing ever
// sees a wrong value).
//
// kFibers contexts run on kThreads OS threads that share one MPMC queue of
// suspended contexts, so a context resumes on whichever thread pops it:
// contexts migrate between threads all the time. Every switch -- the
// fiber's and the worker's side -- goes through ariadne_torture_switch
// (src/arch/<arch>/torture_regs.S), which loads a pattern unique to (side,
// switch number, register) into every callee-saved register, sets that
// side's own rounding mode, switches, and records the registers at once.
// Any difference is printed as "register NAME mismatch ..." and the test
// exits 1. Each fiber also passes >8 integer and >8 FP arguments (some on
// the stack) across switches, and checks FP results computed in C under its
// rounding mode after each switch.
//
// Usage: torture_test [switches_per_fiber]   (prints a one-line summary)
#include <unistd.h>

#include <atomic>
#include <cfenv>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "arch/context.h"
#include "arch/torture_regs.h"

namespace {

constexpr int kFibers = 64;
constexpr int kThreads = 4;
constexpr std::size_t kStackSize = 64 * 1024;

std::vector<std::string> g_names;

[[noreturn]] void fail() {
  std::fflush(stderr);
  _exit(1);
}

// A value unique to (side, switch, slot); never zero.
std::uint64_t pattern(std::uint64_t side, std::uint64_t n, unsigned slot) {
  std::uint64_t x = (side << 40) ^ (n << 8) ^ slot ^ 0xa5a5000000000000ull;
  return x * 0x9e3779b97f4a7c15ull | 1;
}

void verify(const ariadne_torture_regs& r, const char* who, int id, std::uint64_t n) {
  bool bad = false;
  for (unsigned i = 0; i < ariadne_torture_reg_count; ++i) {
    if (r.expect[i] != r.seen[i]) {
      std::fprintf(stderr,
                   "torture: register %s mismatch in %s %d at switch %llu: expected 0x%llx, got 0x%llx\n",
                   g_names[i].c_str(), who, id, static_cast<unsigned long long>(n),
                   static_cast<unsigned long long>(r.expect[i]), static_cast<unsigned long long>(r.seen[i]));
      bad = true;
    }
  }
  if (bad) fail();
}

// Reference results of three divisions under each rounding mode, computed
// with <cfenv> at start-up; distinct per mode, so a lost mode is visible.
struct Rounded {
  double third, five_thirds, minus_third;
  bool operator==(const Rounded&) const = default;
};
Rounded g_ref[4];

Rounded divide_now() {
  volatile double one = 1.0, five = 5.0, three = 3.0, minus_one = -1.0;
  return {one / three, five / three, minus_one / three};
}

void compute_references() {
  const int modes[4] = {FE_TONEAREST, FE_UPWARD, FE_DOWNWARD, FE_TOWARDZERO};
  for (int m = 0; m < 4; ++m) {
    std::fesetround(modes[m]);
    g_ref[m] = divide_now();
  }
  std::fesetround(FE_TONEAREST);
  for (int a = 0; a < 4; ++a)
    for (int b = a + 1; b < 4; ++b)
      if (g_ref[a] == g_ref[b]) {
        std::fprintf(stderr, "torture: rounding modes %d and %d give equal results\n", a, b);
        fail();
      }
}

void check_rounding(unsigned mode, const char* who, int id) {
  if (!(divide_now() == g_ref[mode])) {
    std::fprintf(stderr, "torture: rounding mode %u lost in %s %d\n", mode, who, id);
    fail();
  }
}

struct Fiber {
  int id = 0;
  unsigned rounding = 0;
  ariadne_ctx_t ctx = nullptr;     // while suspended
  ariadne_ctx_t worker = nullptr;  // while running: the worker to go back to
  std::unique_ptr<unsigned char[]> stack;
  std::uint64_t switches = 0;
  std::uint64_t target = 0;
  int last_thread = -1;
  std::uint64_t migrations = 0;
  bool done = false;
};

thread_local int t_thread = -1;

// Suspends the fiber with patterns in every register, back to a worker.
void yield(Fiber* f) {
  ariadne_torture_regs r{};
  const std::uint64_t n = ++f->switches;
  for (unsigned i = 0; i < ariadne_torture_reg_count; ++i) r.expect[i] = pattern(f->id + 1, n, i);
  r.rounding = f->rounding;
  ariadne_transfer_t t;
  ariadne_torture_switch(&r, f->worker, f, &t);
  f->worker = t.from;
  verify(r, "fiber", f->id, n);
  check_rounding(f->rounding, "fiber", f->id);
  if (f->last_thread != t_thread) {
    if (f->last_thread >= 0) ++f->migrations;
    f->last_thread = t_thread;
  }
}

long expected_int(const Fiber* f, int k) {
  return static_cast<long>(f->id) * 1000003 + static_cast<long>(f->switches) * 31 + k;
}
double expected_fp(const Fiber* f, int k) { return static_cast<double>(expected_int(f, k)) + 0.25 * k; }

// 10 integer + 10 FP arguments: a7-a9 and d8-d9 travel on the stack. The
// values must survive a switch (and a migration) inside the callee.
[[gnu::noinline]] void many_args(Fiber* f, long a0, long a1, long a2, long a3, long a4, long a5, long a6,
                                 long a7, long a8, long a9, double d0, double d1, double d2, double d3,
                                 double d4, double d5, double d6, double d7, double d8, double d9) {
  // Expectations are derived from the switch count before the yield.
  const Fiber snapshot = {f->id, 0, nullptr, nullptr, nullptr, f->switches, 0, 0, 0, false};
  yield(f);
  const long ints[10] = {a0, a1, a2, a3, a4, a5, a6, a7, a8, a9};
  const double fps[10] = {d0, d1, d2, d3, d4, d5, d6, d7, d8, d9};
  for (int k = 0; k < 10; ++k) {
    if (ints[k] != expected_int(&snapshot, k)) {
      std::fprintf(stderr, "torture: integer argument %d mismatch in fiber %d: %ld\n", k, f->id, ints[k]);
      fail();
    }
    if (fps[k] != expected_fp(&snapshot, k)) {
      std::fprintf(stderr, "torture: FP argument %d mismatch in fiber %d: %g\n", k, f->id, fps[k]);
      fail();
    }
  }
}

void fiber_main(ariadne_transfer_t t) {
  auto* f = static_cast<Fiber*>(t.data);
  f->worker = t.from;
  f->last_thread = t_thread;
  while (f->switches < f->target) {
    yield(f);
    const Fiber& s = *f;
    many_args(f, expected_int(&s, 0), expected_int(&s, 1), expected_int(&s, 2), expected_int(&s, 3),
              expected_int(&s, 4), expected_int(&s, 5), expected_int(&s, 6), expected_int(&s, 7),
              expected_int(&s, 8), expected_int(&s, 9), expected_fp(&s, 0), expected_fp(&s, 1),
              expected_fp(&s, 2), expected_fp(&s, 3), expected_fp(&s, 4), expected_fp(&s, 5),
              expected_fp(&s, 6), expected_fp(&s, 7), expected_fp(&s, 8), expected_fp(&s, 9));
  }
  f->done = true;
  ariadne_ctx_switch(f->worker, f);
  std::abort();  // never resumed
}

struct Queue {
  std::mutex mu;
  std::deque<Fiber*> q;
  void push(Fiber* f) {
    std::lock_guard<std::mutex> g(mu);
    q.push_back(f);
  }
  Fiber* pop() {
    std::lock_guard<std::mutex> g(mu);
    if (q.empty()) return nullptr;
    Fiber* f = q.front();
    q.pop_front();
    return f;
  }
};

Queue g_queue;
std::atomic<int> g_remaining{kFibers};
std::atomic<std::uint64_t> g_worker_switches{0};

std::atomic<int> g_started{0};

void worker(int index, int workers) {
  t_thread = index;
  // All workers start together: a loaded machine could otherwise let the
  // first one run every context before the others exist (no migration).
  g_started.fetch_add(1);
  while (g_started.load() < workers) std::this_thread::yield();
  std::uint64_t n = 0;
  int own_in_a_row = 0;
  while (g_remaining.load() > 0) {
    Fiber* f = g_queue.pop();
    // Prefer a context that last ran on another thread: more migrations. Take
    // back one's own only after the others had a while to pick it up.
    if (f != nullptr && f->last_thread == index) {
      if (Fiber* other = g_queue.pop()) {
        g_queue.push(f);
        f = other;
      } else if (++own_in_a_row < 64) {
        g_queue.push(f);
        std::this_thread::yield();
        continue;
      }
    }
    own_in_a_row = 0;
    if (f == nullptr) {
      std::this_thread::yield();
      continue;
    }
    ariadne_torture_regs r{};
    ++n;
    for (unsigned i = 0; i < ariadne_torture_reg_count; ++i) r.expect[i] = pattern(1000 + index, n, i);
    r.rounding = 0;  // workers compute to nearest
    ariadne_transfer_t t;
    ariadne_torture_switch(&r, f->ctx, f, &t);
    verify(r, "worker", index, n);
    check_rounding(0, "worker", index);
    if (t.data != f) {
      std::fprintf(stderr, "torture: worker %d got data %p, expected %p\n", index, t.data,
                   static_cast<void*>(f));
      fail();
    }
    f->ctx = t.from;
    if (f->done)
      g_remaining.fetch_sub(1);
    else
      g_queue.push(f);
  }
  g_worker_switches.fetch_add(n);
}

}  // namespace

int main(int argc, char** argv) {
  const std::uint64_t per_fiber = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 320;
  {
    std::string all = ariadne_torture_reg_names;
    std::size_t pos = 0;
    while (pos <= all.size()) {
      std::size_t end = all.find(' ', pos);
      if (end == std::string::npos) end = all.size();
      g_names.push_back(all.substr(pos, end - pos));
      pos = end + 1;
    }
    if (g_names.size() != ariadne_torture_reg_count) {
      std::fprintf(stderr, "torture: %zu names for %u slots\n", g_names.size(), ariadne_torture_reg_count);
      return 1;
    }
  }
  compute_references();

  std::vector<std::unique_ptr<Fiber>> fibers;
  for (int i = 0; i < kFibers; ++i) {
    auto f = std::make_unique<Fiber>();
    f->id = i;
    f->rounding = static_cast<unsigned>(i % 4);
    f->target = per_fiber;
    f->stack.reset(new unsigned char[kStackSize]);
    f->ctx = ariadne_ctx_make(f->stack.get() + kStackSize, kStackSize, fiber_main);
    g_queue.push(f.get());
    fibers.push_back(std::move(f));
  }
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) threads.emplace_back(worker, i, kThreads);
  for (auto& t : threads) t.join();

  std::uint64_t switches = 0, migrations = 0;
  for (auto& f : fibers) {
    switches += f->switches;
    migrations += f->migrations;
    if (f->switches < per_fiber) {
      std::fprintf(stderr, "torture: fiber %d stopped after %llu switches\n", f->id,
                   static_cast<unsigned long long>(f->switches));
      return 1;
    }
  }
  // 64 contexts on 4 threads sharing one queue migrate in practice many
  // hundreds of times per run; none at all means the test lost its point.
  if (migrations == 0) {
    std::fprintf(stderr, "torture: no context ever migrated between threads\n");
    return 1;
  }
  std::printf(
      "torture: %d contexts on %d threads, %llu fiber switches + %llu worker switches, %llu migrations, "
      "all registers intact\n",
      kFibers, kThreads, static_cast<unsigned long long>(switches),
      static_cast<unsigned long long>(g_worker_switches.load()), static_cast<unsigned long long>(migrations));
  return 0;
}
