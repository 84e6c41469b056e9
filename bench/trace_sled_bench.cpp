// What an entry sled costs a function that is not traced (docs/performance.md,
// "Trace runtime overhead"): the same code with
//   (a) none      no sled (compiled without -fpatchable-function-entry)
//   (b) pristine  the compiler's sled (AArch64 nop;nop, x86-64 5 x 0x90)
//   (c) prepared  what Ariadne leaves in every function at load
//                 (AArch64 mov x9,x30;nop, x86-64 one 5-byte NOP)
// for a trivial function and two call-heavy workloads (recursive fib, a
// binary-tree walk), plus "twin", a second pristine copy as the control. The bench prepares the (c) copy's
// sleds itself with arch::write_prepared, as the runtime does, and does not link the runtime.
//
//   trace_sled_bench [benchmark flags] [--rounds=R --fib_depth=D --tree_depth=D]
//       Google Benchmark, ns per call, with the ratios (c)/(b), (b)/(a),
//       (c)/(a), twin/(b); then the call-heavy comparison (c) vs (b): R
//       rounds, each timing pristine, prepared and twin back to back in
//       rotating order, so load bursts hit all alike; prints the median of
//       the per-round ratios (thread CPU time).
//   trace_sled_bench insns MODE N
//       Plain harness for bench/trace_insns.sh: N operations between
//       insn_count region markers. MODE = {call,fib,walk}-{none,pristine,prepared,twin};
//       prints "calls_per_op K" (calls one operation makes).
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "arch/CodePatch.hpp"
#include "insn_marker.h"
#include "trace_bench_report.hpp"
#include "trace_workload.hpp"

namespace {

using namespace ariadne::bench;
namespace arch = ariadne::arch;

constexpr int kCallBatch = 32;  // trivial calls per benchmark iteration (amortises the loop)
constexpr long kInsnFibDepth = 10;
constexpr long kInsnTreeDepth = 6;

// --- Sled preparation ------------------------------------------------------

// The site of an instrumented function: its entry, or just after a 4-byte
// landing pad (endbr64 / bti c) when built with branch protection.
std::byte* pristine_site(void* fn) {
  auto* p = static_cast<std::byte*>(fn);
  if (arch::classify(p, nullptr) == arch::SledState::pristine) return p;
  if (arch::classify(p + 4, nullptr) == arch::SledState::pristine) return p + 4;
  return nullptr;
}

bool set_protection(std::byte* site, int prot) {
  const auto page = static_cast<std::uintptr_t>(sysconf(_SC_PAGESIZE));
  const auto begin = reinterpret_cast<std::uintptr_t>(site) & ~(page - 1);
  const auto end = (reinterpret_cast<std::uintptr_t>(site) + arch::sled_size() + page - 1) & ~(page - 1);
  return mprotect(reinterpret_cast<void*>(begin), end - begin, prot) == 0;
}

// pristine -> prepared, as the runtime does at load (single-threaded here).
bool prepare(void* fn, const char* what) {
  std::byte* site = pristine_site(fn);
  if (site == nullptr) {
    std::fprintf(stderr, "trace_sled_bench: %s: no pristine sled at %p\n", what, fn);
    return false;
  }
  if (!set_protection(site, PROT_READ | PROT_WRITE | PROT_EXEC)) {
    std::perror("trace_sled_bench: mprotect RWX");
    return false;
  }
  arch::write_prepared(site);
  if (!set_protection(site, PROT_READ | PROT_EXEC)) {
    std::perror("trace_sled_bench: mprotect R-X");
    return false;
  }
  if (arch::classify(site, nullptr) != arch::SledState::prepared) {
    std::fprintf(stderr, "trace_sled_bench: %s: not prepared after write_prepared\n", what);
    return false;
  }
  return true;
}

void* addr(long (*fn)(long)) { return reinterpret_cast<void*>(fn); }
void* addr(long (*fn)(const TreeNode*)) { return reinterpret_cast<void*>(fn); }

// Prepares the (c) copy and checks that (b) is pristine and (a) has no sled.
bool prepare_workloads() {
  using A = Workload<Sled::none>;
  using B = Workload<Sled::pristine>;
  using C = Workload<Sled::prepared>;
  using T = Workload<Sled::twin>;
  for (void* fn :
       {addr(&B::trivial), addr(&B::fib), addr(&B::walk), addr(&T::trivial), addr(&T::fib), addr(&T::walk)}) {
    if (pristine_site(fn) == nullptr) {
      std::fprintf(stderr, "trace_sled_bench: a pristine copy has no pristine sled at %p\n", fn);
      return false;
    }
  }
  for (void* fn : {addr(&A::trivial), addr(&A::fib), addr(&A::walk)}) {
    const auto s = arch::classify(static_cast<std::byte*>(fn), nullptr);
    if (s == arch::SledState::pristine || s == arch::SledState::prepared) {
      std::fprintf(stderr, "trace_sled_bench: the no-sled copy has a sled at %p\n", fn);
      return false;
    }
  }
  return prepare(addr(&C::trivial), "trivial") && prepare(addr(&C::fib), "fib") &&
         prepare(addr(&C::walk), "walk");
}

// --- Workload data ----------------------------------------------------------

// A complete binary tree of `depth` levels (2^depth - 1 nodes), in preorder.
class Tree {
 public:
  explicit Tree(long depth) : nodes_(static_cast<std::size_t>((1L << depth) - 1)) {
    std::size_t next = 0;
    build(depth, next);
  }
  const TreeNode* root() const { return nodes_.empty() ? nullptr : nodes_.data(); }
  std::uint64_t calls_per_walk() const { return 2 * nodes_.size() + 1; }

 private:
  const TreeNode* build(long depth, std::size_t& next) {
    if (depth == 0) return nullptr;
    TreeNode& n = nodes_[next];
    n.value = static_cast<long>(next++);
    n.left = build(depth - 1, next);
    n.right = build(depth - 1, next);
    return &n;
  }
  std::vector<TreeNode> nodes_;
};

// --- Google Benchmark -------------------------------------------------------

template <Sled S>
void bm_call(benchmark::State& state) {
  long acc = 0;
  for (auto _ : state) {
    for (int i = 0; i < kCallBatch; i++) acc = Workload<S>::trivial(acc);
  }
  benchmark::DoNotOptimize(acc);
}

template <Sled S>
void bm_fib(benchmark::State& state, long depth) {
  for (auto _ : state) benchmark::DoNotOptimize(Workload<S>::fib(depth));
}

template <Sled S>
void bm_walk(benchmark::State& state, const Tree* tree) {
  for (auto _ : state) benchmark::DoNotOptimize(Workload<S>::walk(tree->root()));
}

constexpr const char* kSledName[] = {"none", "pristine", "prepared", "twin"};

// --- Call-heavy (c) vs (b), interleaved in one process ---------------------

// This thread's CPU time: time the thread spends preempted (the VM is shared)
// is not counted, unlike wall time.
double thread_ns() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}

template <class Run>
double time_ns(Run run) {
  const double t0 = thread_ns();
  run();
  return thread_ns() - t0;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// Times the pristine, prepared and twin copies back to back, `rounds` times,
// rotating the order so none always runs first or last (warm caches, turbo).
// twin/pristine is the control: the spread between two identical copies.
template <class RunB, class RunC, class RunT>
void compare_interleaved(const char* what, std::uint64_t calls, long rounds, RunB run_b, RunC run_c,
                         RunT run_t) {
  run_b();
  run_c();
  run_t();  // warm-up: page in, train the predictors
  std::vector<double> b, c, t, ratio, control;
  for (long r = 0; r < rounds; r++) {
    double tb = 0, tc = 0, tt = 0;
    for (int k = 0; k < 3; k++) {
      switch ((r + k) % 3) {
        case 0:
          tb = time_ns(run_b);
          break;
        case 1:
          tc = time_ns(run_c);
          break;
        default:
          tt = time_ns(run_t);
          break;
      }
    }
    const auto per_call = [calls](double ns) { return ns / static_cast<double>(calls); };
    b.push_back(per_call(tb));
    c.push_back(per_call(tc));
    t.push_back(per_call(tt));
    ratio.push_back(tc / tb);
    control.push_back(tt / tb);
  }
  const auto min = [](const std::vector<double>& v) { return *std::min_element(v.begin(), v.end()); };
  const auto max = [](const std::vector<double>& v) { return *std::max_element(v.begin(), v.end()); };
  std::printf(
      "  %-16s %9llu calls, ns/call median (min):  pristine %.3f (%.3f)  prepared %.3f (%.3f)  twin %.3f "
      "(%.3f)\n",
      what, static_cast<unsigned long long>(calls), median(b), min(b), median(c), min(c), median(t), min(t));
  std::printf(
      "ratio call-heavy %s prepared/pristine = %.4f  (median of %ld paired rounds; range %.4f..%.4f)\n", what,
      median(ratio), rounds, min(ratio), max(ratio));
  std::printf("  control %s twin/pristine = %.4f  (two identical pristine copies; range %.4f..%.4f)\n", what,
              median(control), min(control), max(control));
}

void call_heavy(long rounds, long fib_depth, long tree_depth) {
  using B = Workload<Sled::pristine>;
  using C = Workload<Sled::prepared>;
  using T = Workload<Sled::twin>;
  std::printf(
      "\ncall-heavy (c) prepared vs (b) pristine, all functions instrumented, %ld rounds "
      "interleaved in this process, thread CPU time:\n",
      rounds);
  compare_interleaved(
      "fib", fib_calls(fib_depth), rounds, [&] { benchmark::DoNotOptimize(B::fib(fib_depth)); },
      [&] { benchmark::DoNotOptimize(C::fib(fib_depth)); },
      [&] { benchmark::DoNotOptimize(T::fib(fib_depth)); });
  const Tree tree(tree_depth);
  compare_interleaved(
      "walk", tree.calls_per_walk(), rounds, [&] { benchmark::DoNotOptimize(B::walk(tree.root())); },
      [&] { benchmark::DoNotOptimize(C::walk(tree.root())); },
      [&] { benchmark::DoNotOptimize(T::walk(tree.root())); });
  std::printf("  (fib(%ld), walk of a %ld-level tree)\n", fib_depth, tree_depth);
  std::fflush(stdout);
}

// --- Plain harness for instruction counting --------------------------------

template <Sled S>
int run_insns(const std::string& kind, unsigned long n) {
  long acc = 0;
  if (kind == "call") {
    std::printf("calls_per_op 1\n");
    std::fflush(stdout);
    ariadne_insn_mark(ARIADNE_INSN_MARK_BEGIN);
    for (unsigned long i = 0; i < n; i++) acc = Workload<S>::trivial(acc);
    ariadne_insn_mark(ARIADNE_INSN_MARK_END);
  } else if (kind == "fib") {
    std::printf("calls_per_op %llu\n", static_cast<unsigned long long>(fib_calls(kInsnFibDepth)));
    std::fflush(stdout);
    ariadne_insn_mark(ARIADNE_INSN_MARK_BEGIN);
    for (unsigned long i = 0; i < n; i++) acc += Workload<S>::fib(kInsnFibDepth);
    ariadne_insn_mark(ARIADNE_INSN_MARK_END);
  } else if (kind == "walk") {
    const Tree tree(kInsnTreeDepth);
    std::printf("calls_per_op %llu\n", static_cast<unsigned long long>(tree.calls_per_walk()));
    std::fflush(stdout);
    ariadne_insn_mark(ARIADNE_INSN_MARK_BEGIN);
    for (unsigned long i = 0; i < n; i++) acc += Workload<S>::walk(tree.root());
    ariadne_insn_mark(ARIADNE_INSN_MARK_END);
  } else {
    return 2;
  }
  benchmark::DoNotOptimize(acc);
  return 0;
}

int insns_main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: trace_sled_bench insns {call,fib,walk}-{none,pristine,prepared,twin} N\n");
    return 2;
  }
  const std::string mode = argv[2];
  const unsigned long n = std::strtoul(argv[3], nullptr, 10);
  const auto dash = mode.find('-');
  const std::string kind = mode.substr(0, dash),
                    sled = dash == std::string::npos ? "" : mode.substr(dash + 1);
  int rc = 2;
  if (sled == "none") rc = run_insns<Sled::none>(kind, n);
  if (sled == "pristine") rc = run_insns<Sled::pristine>(kind, n);
  if (sled == "prepared") rc = run_insns<Sled::prepared>(kind, n);
  if (sled == "twin") rc = run_insns<Sled::twin>(kind, n);
  if (rc == 2) std::fprintf(stderr, "trace_sled_bench: unknown mode '%s'\n", mode.c_str());
  return rc;
}

}  // namespace

int main(int argc, char** argv) {
  if (!prepare_workloads()) return 1;
  if (argc > 1 && std::strcmp(argv[1], "insns") == 0) return insns_main(argc, argv);

  benchmark::Initialize(&argc, argv);
  long rounds = 31, fib_depth = 27, tree_depth = 16;
  for (int i = 1; i < argc; i++) {
    if (parse_flag(argv[i], "rounds", &rounds) || parse_flag(argv[i], "fib_depth", &fib_depth) ||
        parse_flag(argv[i], "tree_depth", &tree_depth))
      continue;
    std::fprintf(stderr, "trace_sled_bench: unrecognized argument '%s'\n", argv[i]);
    return 1;
  }
  if (rounds < 1 || fib_depth < 1 || fib_depth > 40 || tree_depth < 1 || tree_depth > 24) {
    std::fprintf(stderr, "trace_sled_bench: --rounds >= 1, --fib_depth 1..40, --tree_depth 1..24\n");
    return 1;
  }

  PerCallReporter reporter;
  const Tree tree(tree_depth);
  const std::string fib = "fib(" + std::to_string(fib_depth) + ")/";
  const std::string walk = "walk(" + std::to_string(tree_depth) + ")/";
  const auto add = [&](Sled s, auto* call, auto* fib_fn, auto* walk_fn) {
    const std::string sled = kSledName[static_cast<int>(s)];
    benchmark::RegisterBenchmark(("call/" + sled).c_str(), call)->Unit(benchmark::kNanosecond);
    benchmark::RegisterBenchmark((fib + sled).c_str(), fib_fn, fib_depth)->Unit(benchmark::kNanosecond);
    benchmark::RegisterBenchmark((walk + sled).c_str(), walk_fn, &tree)->Unit(benchmark::kNanosecond);
    reporter.calls_per_iteration("call/" + sled, kCallBatch);
    reporter.calls_per_iteration(fib + sled, static_cast<double>(fib_calls(fib_depth)));
    reporter.calls_per_iteration(walk + sled, static_cast<double>(tree.calls_per_walk()));
  };
  add(Sled::none, &bm_call<Sled::none>, &bm_fib<Sled::none>, &bm_walk<Sled::none>);
  add(Sled::pristine, &bm_call<Sled::pristine>, &bm_fib<Sled::pristine>, &bm_walk<Sled::pristine>);
  add(Sled::prepared, &bm_call<Sled::prepared>, &bm_fib<Sled::prepared>, &bm_walk<Sled::prepared>);
  add(Sled::twin, &bm_call<Sled::twin>, &bm_fib<Sled::twin>, &bm_walk<Sled::twin>);
  for (const std::string& w : {std::string("call/"), fib, walk}) {
    reporter.ratio(w + "prepared", w + "pristine");  // (c)/(b): the seed's question
    reporter.ratio(w + "pristine", w + "none");      // (b)/(a)
    reporter.ratio(w + "prepared", w + "none");      // (c)/(a)
    reporter.ratio(w + "twin", w + "pristine");      // control: two identical copies
  }
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();

  call_heavy(rounds, fib_depth, tree_depth);
  return 0;
}
