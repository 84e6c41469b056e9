// Shared by the trace-overhead benchmarks (trace_sled_bench,
// trace_handler_bench): a Google Benchmark reporter that turns "ns per
// iteration" into "ns per call" (each benchmark declares how many calls one
// iteration makes) and prints the ratios asked for, from the fastest
// repetition of each benchmark (noise on a shared VM only ever adds time),
// or from the medians when only aggregates are reported. Times are CPU
// times (every benchmark here is single-threaded).
#ifndef ARIADNE_BENCH_TRACE_BENCH_REPORT_HPP
#define ARIADNE_BENCH_TRACE_BENCH_REPORT_HPP

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace ariadne::bench {

class PerCallReporter : public benchmark::ConsoleReporter {
 public:
  // `calls`: calls one iteration of benchmark `name` makes.
  void calls_per_iteration(const std::string& name, double calls) { calls_[name] = calls; }
  // Printed after the table: ratio num / den.
  void ratio(std::string num, std::string den) { ratios_.emplace_back(std::move(num), std::move(den)); }

  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& r : runs) {
      if (r.error_occurred) continue;
      const std::string& name = r.run_name.function_name;
      auto c = calls_.find(name);
      // CPU time: the benchmarks are single-threaded, and on a shared VM the
      // time the process spends preempted says nothing about the code.
      const double ns = r.GetAdjustedCPUTime() / (c == calls_.end() ? 1.0 : c->second);
      if (r.run_type == Run::RT_Iteration) {
        auto [it, fresh] = best_.try_emplace(name, ns);
        if (!fresh) it->second = std::min(it->second, ns);
        all_[name].push_back(ns);
      } else if (r.aggregate_name == "median") {
        median_[name] = ns;  // all there is with --benchmark_report_aggregates_only
      }
    }
    ConsoleReporter::ReportRuns(runs);
  }

  void Finalize() override {
    ConsoleReporter::Finalize();
    const bool from_best = !best_.empty();
    const auto& use = from_best ? best_ : median_;
    std::printf("\nns per call (CPU time), %s:\n",
                from_best ? "fastest repetition [slowest]" : "median of repetitions");
    for (const auto& [name, ns] : use) {
      if (from_best) {
        const auto& v = all_[name];
        std::printf("  %-24s %8.3f  [%.3f]\n", name.c_str(), ns, *std::max_element(v.begin(), v.end()));
      } else {
        std::printf("  %-24s %8.3f\n", name.c_str(), ns);
      }
    }
    for (const auto& [num, den] : ratios_) {
      auto a = use.find(num), b = use.find(den);
      if (a == use.end() || b == use.end() || b->second <= 0) continue;
      std::printf("ratio %s / %s = %.3f  (difference %+.3f ns per call)\n", num.c_str(), den.c_str(),
                  a->second / b->second, a->second - b->second);
    }
    std::fflush(stdout);
  }

 private:
  std::map<std::string, double> calls_;
  std::vector<std::pair<std::string, std::string>> ratios_;
  std::map<std::string, double> best_;
  std::map<std::string, std::vector<double>> all_;
  std::map<std::string, double> median_;
};

// Parses "--NAME=VALUE" for our own flags (after benchmark::Initialize has
// removed its own); returns false if argv[i] is not --NAME=.
inline bool parse_flag(const char* arg, const char* name, long* value) {
  const std::string prefix = std::string("--") + name + "=";
  if (std::string(arg).rfind(prefix, 0) != 0) return false;
  *value = std::strtol(arg + prefix.size(), nullptr, 10);
  return true;
}

}  // namespace ariadne::bench

#endif
