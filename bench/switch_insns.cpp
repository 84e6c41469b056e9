// switch_insns MODE N: N context-switch round trips (A -> B -> A) of one
// kind, bracketed by insn_count region markers, for instruction counting
// under `qemu-<arch> -plugin libinsn_count.so` (bench/insns_per_switch.sh).
// Setting up the peer context happens before the region begins.
//
// MODE: ariadne | boost-fcontext | boost-fiber | swapcontext | call-baseline
//       fiber-yield (one yield round: 2 yields) | fiber-spawn-join
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "fiber_ops.hpp"
#include "insn_marker.h"
#include "switch_peers.hpp"

namespace {

template <class RoundTrip>
int run(unsigned long n) {
  RoundTrip rt;
  ariadne_insn_mark(ARIADNE_INSN_MARK_BEGIN);
  for (unsigned long i = 0; i < n; i++) rt.round_trip();
  ariadne_insn_mark(ARIADNE_INSN_MARK_END);
  return 0;
}

// Scheduler operations: the markers go inside the scheduler's main fiber,
// around the rounds only (scheduler and worker start-up stay outside).
template <class With>
int run_fiber(With with, unsigned long n) {
  with([&](auto step) {
    ariadne_insn_mark(ARIADNE_INSN_MARK_BEGIN);
    for (unsigned long i = 0; i < n; i++) step();
    ariadne_insn_mark(ARIADNE_INSN_MARK_END);
  });
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace ariadne::bench;
  if (argc != 3) {
    std::fprintf(
        stderr,
        "usage: switch_insns "
        "ariadne|boost-fcontext|boost-fiber|swapcontext|call-baseline|fiber-yield|fiber-spawn-join N\n");
    return 2;
  }
  const char* mode = argv[1];
  unsigned long n = std::strtoul(argv[2], nullptr, 10);
  if (!std::strcmp(mode, "ariadne")) return run<AriadneRoundTrip>(n);
  if (!std::strcmp(mode, "boost-fcontext")) return run<BoostFcontextRoundTrip>(n);
  if (!std::strcmp(mode, "boost-fiber")) return run<BoostFiberRoundTrip>(n);
  if (!std::strcmp(mode, "swapcontext")) return run<SwapcontextRoundTrip>(n);
  if (!std::strcmp(mode, "call-baseline")) return run<CallBaseline>(n);
  if (!std::strcmp(mode, "fiber-yield")) return run_fiber([](auto b) { with_yield_peer(b); }, n);
  if (!std::strcmp(mode, "fiber-spawn-join")) return run_fiber([](auto b) { with_spawn_join(b); }, n);
  std::fprintf(stderr, "switch_insns: unknown mode '%s'\n", mode);
  return 2;
}
