// The trace runtime's hard cases, shared by tests/trace/trace_unwind_test
// (which counts entries and exits) and tests/abi/cli/abi_unwind (the same
// program under the ABI checker): calls abandoned by longjmp out of 5 traced
// frames, calls unwound by an exception through 10 traced frames, and calls
// that switch fibers (and OS threads) mid-call. Include in one file per
// program: the functions are defined here, instrumented by that file's flags.
#pragma once

#include <atomic>
#include <csetjmp>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "ariadne/fiber.hpp"

namespace unwind_cases {
inline std::jmp_buf g_jump;
}  // namespace unwind_cases

extern "C" {
// ---- longjmp out of 5 traced frames: lj_outer(v) == (v + 4) * 10 --------------
__attribute__((noipa)) long lj_5(long v) { std::longjmp(unwind_cases::g_jump, static_cast<int>(v)); }
__attribute__((noipa)) long lj_4(long v) { return lj_5(v + 1) + 1; }
__attribute__((noipa)) long lj_3(long v) { return lj_4(v + 1) + 1; }
__attribute__((noipa)) long lj_2(long v) { return lj_3(v + 1) + 1; }
__attribute__((noipa)) long lj_1(long v) { return lj_2(v + 1) + 1; }
__attribute__((noipa)) long lj_outer(long v) {
  volatile long result = 0;
  if (const int got = setjmp(unwind_cases::g_jump); got != 0) {
    result = got;  // back here with the value lj_5 saw
  } else {
    result = lj_1(v);
  }
  return result * 10;
}

// ---- an exception through 10 traced frames ------------------------------------
// ex_outer(0) == strlen("deep 9") + 1000; ex_outer(-100) == -91 + 9 + 900.
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

// ---- fibers switching mid-call ---------------------------------------------------
__attribute__((noipa)) long fb_leaf(long v) {
  ariadne::fiber::this_fiber::yield();  // switch stacks (and maybe threads) mid-call
  return v + 1;
}
__attribute__((noipa)) long fb_mid(long v) { return fb_leaf(v) * 2; }
}

namespace unwind_cases {
// `count` fibers on 2 workers, each calling fb_mid `calls` times; the sum of
// the results.
inline long run_fibers(int count, int calls) {
  std::atomic<long> total{0};
  ariadne::fiber::Scheduler sched(2);
  sched.run([&] {
    std::vector<ariadne::fiber::Fiber> fibers;
    for (int f = 0; f < count; ++f) {
      fibers.push_back(ariadne::fiber::spawn("unwind-case", [&, f] {
        for (int i = 0; i < calls; ++i) total.fetch_add(fb_mid(f * 100 + i));
      }));
    }
    for (auto& fb : fibers) fb.join();
  });
  return total.load();
}
}  // namespace unwind_cases
