// Definitions of Workload<S> (trace_workload.hpp). Included by the two
// workload TUs only, which instantiate it under different compile flags.
#ifndef ARIADNE_BENCH_TRACE_WORKLOAD_IMPL_HPP
#define ARIADNE_BENCH_TRACE_WORKLOAD_IMPL_HPP

#include "trace_workload.hpp"

namespace ariadne::bench {

template <Sled S>
long Workload<S>::trivial(long x) {
  return x + 1;
}

template <Sled S>
long Workload<S>::fib(long n) {
  if (n < 2) return n;
  return fib(n - 1) + fib(n - 2);
}

template <Sled S>
long Workload<S>::walk(const TreeNode* node) {
  if (node == nullptr) return 0;
  return node->value + walk(node->left) + walk(node->right);
}

}  // namespace ariadne::bench

#endif
