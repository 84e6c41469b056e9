// Context-switch round trip (A -> B -> A, two switches) per iteration:
// Ariadne vs Boost.Context (jump_fcontext and fiber) vs swapcontext, in one
// run; and the scheduler's yield round and spawn + join (fiber_ops.hpp). After the usual table, prints the
// ratios the issue sets targets for, from the fastest repetition of each (min is the least noisy estimate on
// a shared VM: noise only ever adds time).
//
//   ours / boost-fcontext <= 1.05     swapcontext / ours >= 30
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdio>
#include <limits>
#include <map>
#include <string>

#include "best_of_reporter.hpp"
#include "fiber_ops.hpp"
#include "switch_peers.hpp"

namespace {

using namespace ariadne::bench;

template <class RoundTrip>
void round_trip(benchmark::State& state) {
  RoundTrip rt;
  for (auto _ : state) rt.round_trip();
  state.counters["switches"] =
      benchmark::Counter(2.0 * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

// Scheduler level, one worker: a yield round (main -> peer -> main, two
// yields) and spawn + join of an empty fiber.
void fiber_yield_round(benchmark::State& state) {
  with_yield_peer([&](auto step) {
    for (auto _ : state) step();
  });
}

void fiber_spawn_join(benchmark::State& state) {
  with_spawn_join([&](auto step) {
    for (auto _ : state) step();
  });
}

class RatioReporter : public BestOfReporter {
 public:
  void Finalize() override {
    ConsoleReporter::Finalize();
    std::FILE* out = stdout;
    if (best_.empty()) best_ = median_;
    std::fprintf(out, "\nround trip (A->B->A), ns, %s:\n",
                 median_.empty() || best_ != median_ ? "fastest repetition" : "median of repetitions");
    for (const auto& [name, ns] : best_) std::fprintf(out, "  %-28s %8.2f\n", name.c_str(), ns);
    ratio(out, "round_trip/ariadne", "round_trip/boost-fcontext", "<= 1.05");
    ratio(out, "round_trip/ariadne", "round_trip/boost-fiber", "");
    ratio(out, "round_trip/swapcontext", "round_trip/ariadne", ">= 30");
  }

 private:
  void ratio(std::FILE* out, const std::string& num, const std::string& den, const char* target) {
    auto a = best_.find(num), b = best_.find(den);
    if (a == best_.end() || b == best_.end() || b->second <= 0) return;
    std::fprintf(out, "ratio %s / %s = %.3f%s%s\n", num.c_str(), den.c_str(), a->second / b->second,
                 *target ? "   (target " : "", *target ? (std::string(target) + ")").c_str() : "");
  }
};

}  // namespace

int main(int argc, char** argv) {
  benchmark::RegisterBenchmark("round_trip/ariadne", round_trip<AriadneRoundTrip>)
      ->Unit(benchmark::kNanosecond);
  benchmark::RegisterBenchmark("round_trip/boost-fcontext", round_trip<BoostFcontextRoundTrip>)
      ->Unit(benchmark::kNanosecond);
  benchmark::RegisterBenchmark("round_trip/boost-fiber", round_trip<BoostFiberRoundTrip>)
      ->Unit(benchmark::kNanosecond);
  benchmark::RegisterBenchmark("round_trip/swapcontext", round_trip<SwapcontextRoundTrip>)
      ->Unit(benchmark::kNanosecond);
  benchmark::RegisterBenchmark("round_trip/call-baseline", round_trip<CallBaseline>)
      ->Unit(benchmark::kNanosecond);
  benchmark::RegisterBenchmark("fiber/yield_round", fiber_yield_round)->Unit(benchmark::kNanosecond);
  benchmark::RegisterBenchmark("fiber/spawn_join", fiber_spawn_join)->Unit(benchmark::kNanosecond);
  RatioReporter reporter;
  return run_benchmarks(argc, argv, reporter);
}
