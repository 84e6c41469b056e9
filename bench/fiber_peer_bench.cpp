// Ariadne's fiber scheduler beside Boost.Fiber, in one run (fiber_peers.hpp
// says exactly what each row measures). After Google Benchmark's table,
// prints each operation's time per unit and the ratio ariadne / boost,
// from the fastest repetition (noise on a shared VM only ever adds time) and,
// with --benchmark_repetitions, the median.
//
//   fiber_peer_bench [Google Benchmark flags]
//   fiber_peer_bench insns MODE N    N units between insn_count markers
//                                    (bench/fiber_peers_insns.sh), no timing
#include <benchmark/benchmark.h>

#include <algorithm>
#include <boost/context/stack_traits.hpp>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "best_of_reporter.hpp"
#include "fiber/StackPool.hpp"
#include "fiber_peers.hpp"
#include "insn_marker.h"

namespace {

using namespace ariadne::bench;

struct Row {
  const char* name;
  void (*bench)(benchmark::State&);
  void (*count)(unsigned long n);
};

template <class With>
struct Op {
  static void bench(benchmark::State& state) {
    With::run([&](auto step) {
      for (auto _ : state) step();
    });
  }
  static void count(unsigned long n) {
    With::run([&](auto step) {
      ariadne_insn_mark(ARIADNE_INSN_MARK_BEGIN);
      for (unsigned long i = 0; i < n; i++) step();
      ariadne_insn_mark(ARIADNE_INSN_MARK_END);
    });
  }
};

// One operation's with_<op>(body) as a type.
#define ARIADNE_FIBER_OP(Name, call) \
  struct Name {                      \
    template <class Body>            \
    static void run(Body body) {     \
      call(body);                    \
    }                                \
  };
ARIADNE_FIBER_OP(SpawnJoinAriadne, fibers_spawn_join<AriadneFibers>)
ARIADNE_FIBER_OP(SpawnJoinAriadneThread, ariadne_spawn_join_from_thread)
ARIADNE_FIBER_OP(SpawnJoinBoost, fibers_spawn_join<BoostFibers>)
ARIADNE_FIBER_OP(SpawnJoinBoostGuarded, boost_spawn_join_guarded)
ARIADNE_FIBER_OP(YieldAriadne, fibers_yield<AriadneFibers>)
ARIADNE_FIBER_OP(YieldBoost, fibers_yield<BoostFibers>)
ARIADNE_FIBER_OP(PingpongAriadne, fibers_pingpong<AriadneFibers>)
ARIADNE_FIBER_OP(PingpongBoost, fibers_pingpong<BoostFibers>)
ARIADNE_FIBER_OP(ChannelAriadne, fibers_channel<AriadneFibers>)
ARIADNE_FIBER_OP(ChannelBoost, fibers_channel<BoostFibers>)
#undef ARIADNE_FIBER_OP

template <class With>
Row row(const char* name) {
  return {name, &Op<With>::bench, &Op<With>::count};
}

const std::vector<Row>& rows() {
  static const std::vector<Row> all = {
      row<SpawnJoinAriadne>("spawn_join/ariadne"),
      row<SpawnJoinBoost>("spawn_join/boost"),
      row<SpawnJoinBoostGuarded>("spawn_join/boost-guarded"),
      row<SpawnJoinAriadneThread>("spawn_join/ariadne-from-thread"),
      row<YieldAriadne>("yield/ariadne"),
      row<YieldBoost>("yield/boost"),
      row<PingpongAriadne>("pingpong/ariadne"),
      row<PingpongBoost>("pingpong/boost"),
      row<ChannelAriadne>("channel/ariadne"),
      row<ChannelBoost>("channel/boost"),
  };
  return all;
}

class RatioReporter : public BestOfReporter {
 public:
  void Finalize() override {
    ConsoleReporter::Finalize();
    if (best_.empty()) best_ = median_;
    print("fastest repetition", best_);
    if (!median_.empty()) print("median of repetitions", median_);
    const auto s = ariadne::fiber::stack_pool_stats();
    std::printf("stack pool: %llu mapped, %llu reused, %llu unmapped, %llu released\n",
                static_cast<unsigned long long>(s.mapped), static_cast<unsigned long long>(s.reused),
                static_cast<unsigned long long>(s.unmapped), static_cast<unsigned long long>(s.released));
  }

 private:
  static void print(const char* what, const std::map<std::string, double>& ns) {
    std::printf("\nns per unit, %s:\n", what);
    for (const auto& [name, v] : ns) std::printf("  %-32s %10.1f\n", name.c_str(), v);
    for (const char* op : {"spawn_join", "yield", "pingpong", "channel"}) {
      auto a = ns.find(std::string(op) + "/ariadne"), b = ns.find(std::string(op) + "/boost");
      if (a == ns.end() || b == ns.end() || b->second <= 0) continue;
      std::printf("ratio %s ariadne / boost = %.3f\n", op, a->second / b->second);
    }
  }
};

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 2 && std::strcmp(argv[1], "insns") == 0) {
    for (const Row& r : rows()) {
      if (argc == 4 && std::strcmp(argv[2], r.name) == 0) {
        r.count(std::strtoul(argv[3], nullptr, 10));
        return 0;
      }
    }
    std::fprintf(stderr, "usage: %s insns MODE N; MODE:", argv[0]);
    for (const Row& r : rows()) std::fprintf(stderr, " %s", r.name);
    std::fprintf(stderr, "\n");
    return 2;
  }
  std::printf("Boost.Fiber default stack: %zu bytes (fixedsize_stack, malloc); Ariadne: %zu + guard page\n",
              boost::context::stack_traits::default_size(), ariadne::fiber::kDefaultStackSize);
  for (const Row& r : rows()) benchmark::RegisterBenchmark(r.name, r.bench)->Unit(benchmark::kNanosecond);
  RatioReporter reporter;
  return run_benchmarks(argc, argv, reporter);
}
