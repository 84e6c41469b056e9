// What tracing a function costs per call (docs/performance.md, "Trace runtime
// overhead"), with libariadne-rt.so linked in (it prepares every site at
// load):
//   (c) prepared     the site as the runtime leaves it, not enabled
//   (d) entry        enabled, one empty entry handler
//   (e) entry+exit   enabled, an empty entry handler and an empty exit handler
//                    (every call also gets a return hook)
//   (f) lean         as (e), both handlers registered with kHandlerLean (lean
//                    frames: what a recorder uses)
// for the trivial function and recursive fib of trace_workload.hpp (the
// Workload<Sled::prepared> copy; with fib enabled every recursion step is traced).
//
//   trace_handler_bench [benchmark flags] [--fib_depth=D]
//       Google Benchmark, ns per call, with the ratios (d)/(c), (e)/(c), (e)/(d).
//   trace_handler_bench insns MODE N
//       Plain harness for bench/trace_insns.sh: N operations between
//       insn_count region markers. MODE = {call,fib}-{prepared,entry,entry+exit,lean};
//       prints "calls_per_op K".
//
// Before measuring, each configuration is checked: the entry handler runs
// once per call (thread_ticks) and the exit handler once per return.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "ariadne/trace.hpp"
#include "insn_marker.h"
#include "trace_bench_report.hpp"
#include "trace_workload.hpp"

namespace {

using namespace ariadne::bench;
namespace trace = ariadne::trace;
using Fn = Workload<Sled::prepared>;

constexpr int kCallBatch = 32;
constexpr long kInsnFibDepth = 10;

enum class Hooks { none, entry, entry_exit, lean };
constexpr const char* kHooksName[] = {"prepared", "entry", "entry+exit", "lean"};
constexpr int kHooksCount = 4;

void empty_handler(const trace::Site&, trace::Frame&, void*) {}
void counting_handler(const trace::Site&, trace::Frame&, void* count) {
  ++*static_cast<std::uint64_t*>(count);
}

std::uintptr_t address_of(long (*fn)(long)) { return reinterpret_cast<std::uintptr_t>(fn); }

// Handlers run for every enabled site: one configuration at a time.
class Tracing {
 public:
  // Sets up `hooks` on `fn` (and nothing else); false with a message on failure.
  bool configure(Hooks hooks, std::uintptr_t fn, trace::EntryHandler entry = empty_handler,
                 trace::ExitHandler exit = empty_handler, void* user = nullptr) {
    clear();
    if (trace::find_site(fn) == nullptr) return fail("the runtime has no site for the function", fn);
    if (hooks == Hooks::none) return true;
    const unsigned flags = hooks == Hooks::lean ? trace::kHandlerLean : trace::kHandlerFullFrame;
    entry_id_ = trace::add_entry_handler(entry, user, flags);
    if (entry_id_ < 0) return fail("add_entry_handler failed", fn);
    if (hooks == Hooks::entry_exit || hooks == Hooks::lean) {
      exit_id_ = trace::add_exit_handler(exit, user, flags);
      if (exit_id_ < 0) return clear(), fail("add_exit_handler failed", fn);
    }
    // On failure the handlers go again: their user data may be on the caller's stack.
    if (trace::enable(trace::by_address(fn)) != 1)
      return clear(), fail("enable did not enable exactly one site", fn);
    enabled_ = fn;
    return true;
  }

  void clear() {
    if (enabled_ != 0) trace::disable(trace::by_address(enabled_));
    if (entry_id_ >= 0) trace::remove_handler(entry_id_);
    if (exit_id_ >= 0) trace::remove_handler(exit_id_);
    enabled_ = 0;
    entry_id_ = exit_id_ = -1;
  }

 private:
  static bool fail(const char* what, std::uintptr_t fn) {
    std::fprintf(stderr, "trace_handler_bench: %s (%#lx): %s\n%s", what, static_cast<unsigned long>(fn),
                 trace::error(), trace::diagnostics());
    return false;
  }
  std::uintptr_t enabled_ = 0;
  int entry_id_ = -1;
  int exit_id_ = -1;
};

Tracing tracing;

// Proves the configuration traces what it claims: `calls` calls through
// `run` must give `calls` entries (and as many exits for entry_exit).
template <class Run>
bool verify(Hooks hooks, std::uintptr_t fn, std::uint64_t calls, Run run) {
  if (hooks == Hooks::none) return tracing.configure(hooks, fn);
  std::uint64_t count = 0;
  const bool exits = hooks == Hooks::entry_exit || hooks == Hooks::lean;
  if (!tracing.configure(hooks, fn, counting_handler, exits ? counting_handler : empty_handler, &count))
    return false;
  const std::uint64_t ticks = trace::thread_ticks();
  run();
  const std::uint64_t entries = trace::thread_ticks() - ticks;
  const std::uint64_t expect = exits ? 2 * calls : calls;
  tracing.clear();
  if (entries != calls || count != expect) {
    std::fprintf(
        stderr,
        "trace_handler_bench: %s: %llu calls gave %llu entries and %llu handler runs (expected %llu)\n",
        kHooksName[static_cast<int>(hooks)], static_cast<unsigned long long>(calls),
        static_cast<unsigned long long>(entries), static_cast<unsigned long long>(count),
        static_cast<unsigned long long>(expect));
    return false;
  }
  return tracing.configure(hooks, fn);
}

bool setup_call(Hooks hooks) {
  return verify(hooks, address_of(&Fn::trivial), 10, [] {
    long acc = 0;
    for (int i = 0; i < 10; i++) acc = Fn::trivial(acc);
    benchmark::DoNotOptimize(acc);
  });
}

bool setup_fib(Hooks hooks, long depth) {
  return verify(hooks, address_of(&Fn::fib), fib_calls(depth),
                [depth] { benchmark::DoNotOptimize(Fn::fib(depth)); });
}

void bm_call(benchmark::State& state, Hooks hooks) {
  if (!setup_call(hooks)) {
    state.SkipWithError("tracing set-up failed");
    return;
  }
  long acc = 0;
  for (auto _ : state) {
    for (int i = 0; i < kCallBatch; i++) acc = Fn::trivial(acc);
  }
  benchmark::DoNotOptimize(acc);
  tracing.clear();
}

void bm_fib(benchmark::State& state, Hooks hooks, long depth) {
  if (!setup_fib(hooks, depth)) {
    state.SkipWithError("tracing set-up failed");
    return;
  }
  for (auto _ : state) benchmark::DoNotOptimize(Fn::fib(depth));
  tracing.clear();
}

int insns_main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: trace_handler_bench insns {call,fib}-{prepared,entry,entry+exit,lean} N\n");
    return 2;
  }
  const std::string mode = argv[2];
  const unsigned long n = std::strtoul(argv[3], nullptr, 10);
  const auto dash = mode.find('-');
  const std::string kind = mode.substr(0, dash),
                    which = dash == std::string::npos ? "" : mode.substr(dash + 1);
  int h = 0;
  while (h < kHooksCount && which != kHooksName[h]) h++;
  if (h == kHooksCount || (kind != "call" && kind != "fib")) {
    std::fprintf(stderr, "trace_handler_bench: unknown mode '%s'\n", mode.c_str());
    return 2;
  }
  const auto hooks = static_cast<Hooks>(h);
  long acc = 0;
  if (kind == "call") {
    if (!setup_call(hooks)) return 1;
    std::printf("calls_per_op 1\n");
    std::fflush(stdout);
    ariadne_insn_mark(ARIADNE_INSN_MARK_BEGIN);
    for (unsigned long i = 0; i < n; i++) acc = Fn::trivial(acc);
    ariadne_insn_mark(ARIADNE_INSN_MARK_END);
  } else {
    if (!setup_fib(hooks, kInsnFibDepth)) return 1;
    std::printf("calls_per_op %llu\n", static_cast<unsigned long long>(fib_calls(kInsnFibDepth)));
    std::fflush(stdout);
    ariadne_insn_mark(ARIADNE_INSN_MARK_BEGIN);
    for (unsigned long i = 0; i < n; i++) acc += Fn::fib(kInsnFibDepth);
    ariadne_insn_mark(ARIADNE_INSN_MARK_END);
  }
  benchmark::DoNotOptimize(acc);
  tracing.clear();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::strcmp(argv[1], "insns") == 0) return insns_main(argc, argv);

  benchmark::Initialize(&argc, argv);
  long fib_depth = 20;
  for (int i = 1; i < argc; i++) {
    if (parse_flag(argv[i], "fib_depth", &fib_depth)) continue;
    std::fprintf(stderr, "trace_handler_bench: unrecognized argument '%s'\n", argv[i]);
    return 1;
  }
  if (fib_depth < 1 || fib_depth > 35) {
    std::fprintf(stderr, "trace_handler_bench: --fib_depth 1..35\n");
    return 1;
  }

  PerCallReporter reporter;
  const std::string fib = "fib(" + std::to_string(fib_depth) + ")/";
  for (Hooks h : {Hooks::none, Hooks::entry, Hooks::entry_exit, Hooks::lean}) {
    const std::string name = kHooksName[static_cast<int>(h)];
    benchmark::RegisterBenchmark(("call/" + name).c_str(), bm_call, h)->Unit(benchmark::kNanosecond);
    benchmark::RegisterBenchmark((fib + name).c_str(), bm_fib, h, fib_depth)->Unit(benchmark::kNanosecond);
    reporter.calls_per_iteration("call/" + name, kCallBatch);
    reporter.calls_per_iteration(fib + name, static_cast<double>(fib_calls(fib_depth)));
  }
  for (const std::string& w : {std::string("call/"), fib}) {
    reporter.ratio(w + "entry", w + "prepared");       // (d)/(c)
    reporter.ratio(w + "entry+exit", w + "prepared");  // (e)/(c)
    reporter.ratio(w + "entry+exit", w + "entry");     // (e)/(d)
    reporter.ratio(w + "lean", w + "prepared");        // (f)/(c)
  }
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return 0;
}
