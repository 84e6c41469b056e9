// Shared by context_switch_bench and fiber_peer_bench: a Google Benchmark
// console reporter that also keeps, per benchmark, the fastest repetition
// (noise on a shared VM only ever adds time) and the median aggregate (with
// --benchmark_repetitions), for the ratio lines printed after the table.
// Times are wall-clock ns (every benchmark there reports in ns).
#ifndef ARIADNE_BENCH_BEST_OF_REPORTER_HPP
#define ARIADNE_BENCH_BEST_OF_REPORTER_HPP

#include <benchmark/benchmark.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

namespace ariadne::bench {

class BestOfReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& r : runs) {
      if (r.error_occurred) continue;
      const double ns = r.GetAdjustedRealTime();
      const std::string& name = r.run_name.function_name;
      if (r.run_type == Run::RT_Iteration) {
        auto [it, fresh] = best_.try_emplace(name, ns);
        if (!fresh) it->second = std::min(it->second, ns);
      } else if (r.aggregate_name == "median") {
        median_[name] = ns;  // all there is with --benchmark_report_aggregates_only
      }
    }
    ConsoleReporter::ReportRuns(runs);
  }

 protected:
  std::map<std::string, double> best_;
  std::map<std::string, double> median_;
};

// Google Benchmark's main with `reporter`; the benchmarks are registered.
inline int run_benchmarks(int argc, char** argv, benchmark::BenchmarkReporter& reporter) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return 0;
}

}  // namespace ariadne::bench

#endif
