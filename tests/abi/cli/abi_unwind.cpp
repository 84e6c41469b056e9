// The trace runtime's hard cases under the ABI checker: calls abandoned by
// longjmp, calls unwound by an exception, and calls that switch fibers (and
// OS threads) mid-call. The same scenarios as tests/trace/trace_unwind_test,
// as a plain program (tests/trace/unwind_cases.hpp): that test installs its own handlers and counts every
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

#include "unwind_cases.hpp"

namespace {

int g_failures = 0;
void expect(const char* what, long got, long want) {
  if (got == want) return;
  std::printf("abi_unwind: %s = %ld, expected %ld\n", what, got, want);
  ++g_failures;
}

}  // namespace

int main() {
  for (long v = 1; v <= 3; ++v) expect("lj_outer", lj_outer(v), (v + 4) * 10);
  expect("ex_outer(0)", ex_outer(0), static_cast<long>(std::strlen("deep 9")) + 1000);
  expect("ex_outer(-100)", ex_outer(-100), -91 + 9 + 900);
  constexpr int kFibers = 16, kCalls = 20;
  long want = 0;
  for (int f = 0; f < kFibers; ++f)
    for (int i = 0; i < kCalls; ++i) want += (f * 100 + i + 1) * 2;
  expect("fibers", unwind_cases::run_fibers(kFibers, kCalls), want);
  std::printf("abi_unwind: %s\n", g_failures == 0 ? "all results right" : "WRONG RESULTS");
  return g_failures == 0 ? 0 : 1;
}
