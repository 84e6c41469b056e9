// What `ariadne abicheck` costs per checked call (docs/performance.md,
// "abicheck overhead"). The program does not link the runtime: it is run the
// way users run it, with libariadne-rt.so preloaded,
//   ariadne exec -- abicheck_bench ...       (c) prepared: the sites as the runtime leaves them
//   ariadne abicheck -- abicheck_bench ...   (f) every site checked at entry and exit
// on the workloads of trace_workload.hpp (the Workload<Sled::prepared> copy):
// `call` (a loop of calls to a trivial function) and `fib` (recursive fib(10),
// 177 calls per operation, each one checked).
//   abicheck_bench ns {call,fib} [N]     ns per call (thread CPU time), best of 5 runs of N operations
//   abicheck_bench insns {call,fib} N    N operations between insn_count region
//                                        markers (abicheck_insns.sh); prints "calls_per_op K"
// Only the workload is instrumented; this file is not.
#include <time.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "insn_marker.h"
#include "trace_workload.hpp"

namespace {

using namespace ariadne::bench;
using Fn = Workload<Sled::prepared>;
constexpr long kFibDepth = 10;

volatile long g_sink;

double thread_cpu_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}

[[gnu::noinline]] void run(bool fib, unsigned long n) {
  long acc = 0;
  if (fib) {
    for (unsigned long i = 0; i < n; i++) acc += Fn::fib(kFibDepth);
  } else {
    for (unsigned long i = 0; i < n; i++) acc = Fn::trivial(acc);
  }
  g_sink = acc;
}

int usage() {
  std::fprintf(stderr, "usage: abicheck_bench {ns,insns} {call,fib} [N]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) return usage();
  const bool ns = std::strcmp(argv[1], "ns") == 0;
  if (!ns && std::strcmp(argv[1], "insns") != 0) return usage();
  const bool fib = std::strcmp(argv[2], "fib") == 0;
  if (!fib && std::strcmp(argv[2], "call") != 0) return usage();
  const unsigned long n = argc > 3 ? std::strtoul(argv[3], nullptr, 10) : (fib ? 20000 : 2000000);
  if (n == 0 || n > 100000000) return usage();
  const double calls_per_op = fib ? static_cast<double>(fib_calls(kFibDepth)) : 1.0;

  if (!ns) {
    std::printf("calls_per_op %.0f\n", calls_per_op);
    std::fflush(stdout);
    ariadne_insn_mark(ARIADNE_INSN_MARK_BEGIN);
    run(fib, n);
    ariadne_insn_mark(ARIADNE_INSN_MARK_END);
    return 0;
  }
  double best = 0;
  for (int rep = 0; rep < 5; rep++) {
    const double t0 = thread_cpu_ns();
    run(fib, n);
    const double per_call = (thread_cpu_ns() - t0) / (static_cast<double>(n) * calls_per_op);
    if (rep == 0 || per_call < best) best = per_call;
  }
  std::printf("ns_per_call %s %.2f\n", fib ? "fib" : "call", best);
  std::fflush(stdout);  // before the checker's summary, which is written at exit
  return 0;
}
