// The trace runtime's hard cases under the ABI checker: calls abandoned by
// longjmp, calls unwound by an exception, and calls that switch fibers (and
// OS threads) mid-call. The same scenarios as tests/trace/trace_unwind_test,
// as a plain program: that test installs its own handlers and counts every
// enabled site, so it cannot share the runtime with abicheck. Every function
// here is instrumented and checked; the program checks its own results.
//   abi_unwind   exit 0 when every result is right, 1 otherwise
#include <atomic>
#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "ariadne/fiber.hpp"

namespace {

std::jmp_buf g_jump;

// ---- longjmp out of 5 checked frames ----
__attribute__((noipa)) long lj_5(long v) { std::longjmp(g_jump, static_cast<int>(v)); }
__attribute__((noipa)) long lj_4(long v) { return lj_5(v + 1) + 1; }
__attribute__((noipa)) long lj_3(long v) { return lj_4(v + 1) + 1; }
__attribute__((noipa)) long lj_2(long v) { return lj_3(v + 1) + 1; }
__attribute__((noipa)) long lj_1(long v) { return lj_2(v + 1) + 1; }
__attribute__((noipa)) long lj_outer(long v) {
  volatile long result = 0;
  if (const int got = setjmp(g_jump); got != 0) {
    result = got;
  } else {
    result = lj_1(v);
  }
  return result * 10;
}

// ---- an exception through 6 checked frames ----
__attribute__((noipa)) long ex_6(long v) {
  if (v >= 0) throw std::runtime_error("deep " + std::to_string(v));
  return v;
}
__attribute__((noipa)) long ex_5(long v) { return ex_6(v + 1) + 1; }
__attribute__((noipa)) long ex_4(long v) { return ex_5(v + 1) + 1; }
__attribute__((noipa)) long ex_3(long v) { return ex_4(v + 1) + 1; }
__attribute__((noipa)) long ex_2(long v) { return ex_3(v + 1) + 1; }
__attribute__((noipa)) long ex_1(long v) { return ex_2(v + 1) + 1; }
__attribute__((noipa)) long ex_outer(long v) {
  long r = 0;
  try {
    r = ex_1(v);
  } catch (const std::runtime_error& e) {
    r = static_cast<long>(std::strlen(e.what()));
  }
  return r + 1000;
}

// ---- fibers switching mid-call ----
__attribute__((noipa)) long fb_leaf(long v) {
  ariadne::fiber::this_fiber::yield();
  return v + 1;
}
__attribute__((noipa)) long fb_mid(long v) { return fb_leaf(v) * 2; }

long fibers(int count, int calls) {
  std::atomic<long> total{0};
  ariadne::fiber::Scheduler sched(2);
  sched.run([&] {
    std::vector<ariadne::fiber::Fiber> all;
    for (int f = 0; f < count; ++f) {
      all.push_back(ariadne::fiber::spawn("abi", [&, f] {
        for (int i = 0; i < calls; ++i) total.fetch_add(fb_mid(f * 100 + i));
      }));
    }
    for (auto& fb : all) fb.join();
  });
  return total.load();
}

int g_failures = 0;
void expect(const char* what, long got, long want) {
  if (got == want) return;
  std::printf("abi_unwind: %s = %ld, expected %ld\n", what, got, want);
  ++g_failures;
}

}  // namespace

int main() {
  for (long v = 1; v <= 3; ++v) expect("lj_outer", lj_outer(v), (v + 4) * 10);
  expect("ex_outer(0)", ex_outer(0), static_cast<long>(std::strlen("deep 5")) + 1000);
  expect("ex_outer(-100)", ex_outer(-100), -95 + 5 + 1000);
  constexpr int kFibers = 16, kCalls = 20;
  long want = 0;
  for (int f = 0; f < kFibers; ++f)
    for (int i = 0; i < kCalls; ++i) want += (f * 100 + i + 1) * 2;
  expect("fibers", fibers(kFibers, kCalls), want);
  std::printf("abi_unwind: %s\n", g_failures == 0 ? "all results right" : "WRONG RESULTS");
  return g_failures == 0 ? 0 : 1;
}
