// The code the trace-overhead benchmarks call: a trivial function and two
// call-heavy workloads (recursive fib, a recursive binary-tree walk), in
// identical copies that differ only in their entry sled.
//
//   Workload<Sled::none>      trace_sled_plain.cpp, compiled WITHOUT the
//                             instrument flags: no sled at all           (a)
//   Workload<Sled::pristine>  trace_sled_sites.cpp, instrumented, left as
//                             the compiler emitted it                    (b)
//   Workload<Sled::prepared>  trace_sled_sites.cpp, instrumented; the bench
//                             rewrites each entry as the runtime does at
//                             load (arch::write_prepared)                (c)
//   Workload<Sled::twin>      a second pristine copy: the control. Two
//                             identical copies at different addresses can
//                             differ in speed (branch predictor and op-cache
//                             aliasing); twin vs pristine shows by how much.
//
// Every function is noipa: never inlined, cloned or folded with its twin
// (identical code folding would make (b) and (c) one function), and the
// workload TUs are built with -fno-optimize-sibling-calls so every recursion
// step is a real call, whatever the optimisation level. Calls from the
// driver cross a translation unit, so no copy's callers benefit from IPA-RA.
// Every function is aligned to 64 bytes (bench/CMakeLists.txt), so the copies
// sit alike with respect to cache lines and fetch blocks.
#ifndef ARIADNE_BENCH_TRACE_WORKLOAD_HPP
#define ARIADNE_BENCH_TRACE_WORKLOAD_HPP

#include <cstdint>

namespace ariadne::bench {

enum class Sled { none, pristine, prepared, twin };

struct TreeNode {
  const TreeNode* left;
  const TreeNode* right;
  long value;
};

template <Sled S>
struct Workload {
  // x + 1: the cheapest body there is, so the call and its sled are the cost.
  [[gnu::noipa]] static long trivial(long x);
  // Naive recursion: fib_calls(n) calls.
  [[gnu::noipa]] static long fib(long n);
  // Sum of the values below `node`, visiting null children too: a tree of k
  // nodes costs 2k + 1 calls.
  [[gnu::noipa]] static long walk(const TreeNode* node);
};

extern template struct Workload<Sled::none>;
extern template struct Workload<Sled::pristine>;
extern template struct Workload<Sled::prepared>;
extern template struct Workload<Sled::twin>;

// The number of calls fib(n) makes, itself included.
constexpr std::uint64_t fib_calls(long n) {
  std::uint64_t a = 1, b = 1;  // calls for n = 0, 1
  for (long i = 2; i <= n; i++) {
    const std::uint64_t c = a + b + 1;
    a = b;
    b = c;
  }
  return n < 1 ? 1 : b;
}

}  // namespace ariadne::bench

#endif
