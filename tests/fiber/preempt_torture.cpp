// Preemption torture (issue 19, acceptance 1): fibers that never yield run
// ariadne_preempt_torture_run (src/arch/<arch>/preempt_torture.S), a
// call-free loop that fills every general, FP/SIMD and control register
// with patterns and checks them; only the timer signal takes them off their
// workers. Built at several optimisation levels (tests/fiber/CMakeLists.txt).
//
// usage: preempt_torture [PREEMPTIONS]   (default 3400)
// Prints "all registers intact" when every check held and the fibers were
// preempted at least PREEMPTIONS times; else names the first register that
// differed. ARIADNE_PREEMPT_MUTANT=skip_fp breaks the FP/SIMD restore.
#include "arch/preempt_torture.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "ariadne/fiber.hpp"

namespace fib = ariadne::fiber;
using namespace std::chrono_literals;

namespace {

constexpr int kFibers = 6;
constexpr auto kTimeLimit = 100s;

std::string word_name(std::uint64_t index) {
  const char* p = ariadne_preempt_torture_names;
  for (std::uint64_t i = 0; i < index && p != nullptr; ++i) {
    p = std::strchr(p, ' ');
    if (p != nullptr) ++p;
  }
  if (p == nullptr) return "?";
  const char* end = std::strchr(p, ' ');
  return std::string(p, end ? static_cast<std::size_t>(end - p) : std::strlen(p));
}

bool cpu_has_avx() {
#if defined(__x86_64__)
  return __builtin_cpu_supports("avx");
#else
  return false;
#endif
}

}  // namespace

int main(int argc, char** argv) {
  const std::uint64_t want = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 3400;
  static ariadne_preempt_torture state[kFibers];
  fib::Scheduler sched(2, {.time_slice = 200us});
  const auto start = std::chrono::steady_clock::now();
  bool timed_out = false;
  sched.run([&] {
    std::vector<fib::Fiber> fibers;
    for (int i = 0; i < kFibers; ++i) {
      state[i].seed = 0x1234567890abcdefULL * static_cast<std::uint64_t>(i + 1);
      state[i].has_avx = cpu_has_avx() ? 1 : 0;
      fibers.push_back(
          fib::spawn("torture-" + std::to_string(i), [i] { ariadne_preempt_torture_run(&state[i]); }));
    }
    // This fiber only gets its worker back because the others are preempted.
    while (sched.stats().preemptions_async < want) {
      if (std::chrono::steady_clock::now() - start > kTimeLimit) {
        timed_out = true;
        break;
      }
      fib::this_fiber::sleep_for(5ms);
    }
    for (auto& s : state) s.stop = 1;
    for (auto& f : fibers) f.join();
  });
  const fib::SchedulerStats st = sched.stats();
  std::uint64_t rounds = 0, mismatches = 0;
  for (const auto& s : state) {
    rounds += s.rounds;
    mismatches += s.mismatches;
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf(
      "preempted %llu times (signal %llu, at entry %llu, deferred %llu) in %.2f s; %llu rounds of %u words, "
      "%llu mismatches\n",
      static_cast<unsigned long long>(st.preemptions_async + st.preemptions_at_entry),
      static_cast<unsigned long long>(st.preemptions_async),
      static_cast<unsigned long long>(st.preemptions_at_entry),
      static_cast<unsigned long long>(st.preemptions_deferred), secs, static_cast<unsigned long long>(rounds),
      ariadne_preempt_torture_words, static_cast<unsigned long long>(mismatches));
  for (const auto& s : state) {
    if (s.first_bad == 0) continue;
    std::printf("register %s mismatch (word %llu): expected 0x%016llx, found 0x%016llx\n",
                word_name(s.first_bad - 1).c_str(), static_cast<unsigned long long>(s.first_bad - 1),
                static_cast<unsigned long long>(s.expected_bad), static_cast<unsigned long long>(s.seen_bad));
  }
  if (timed_out)
    std::printf("FAIL: fewer than %llu preemptions in time\n", static_cast<unsigned long long>(want));
  if (mismatches == 0 && !timed_out) std::printf("all registers intact\n");
  return mismatches == 0 && !timed_out ? 0 : 1;
}
