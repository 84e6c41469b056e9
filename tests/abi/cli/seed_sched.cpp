// The seed's failure, reproduced: a cooperative scheduler (built at -O2, like
// OSv's release-built reschedule_from_interrupt()) calls the -O0 switch_to()
// of seed_switch.cpp; the workers keep ten accumulators in callee-saved
// registers across every switch. With switch_to()'s original clobber list
// the resumed worker gets another worker's x23-x28 and computes garbage;
// `ariadne abicheck` names switch_to() and the registers at the first bad
// return. With the fixed list every result is right.
//   seed_sched [ROUNDS]   exit 0: all results right; 1: some result wrong
#include "seed_sched.hpp"

#include <sys/mman.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>

namespace seed {
namespace {

constexpr unsigned kWorkers = 3;
constexpr std::size_t kStackSize = 64 * 1024;
constexpr std::size_t kGuardSize = 64 * 1024;  // a whole page on any page size

thread g_main;
thread g_workers[kWorkers];
thread* g_ring[kWorkers + 1];
unsigned g_rounds = 8;

// Round robin over the threads that have not finished; the caller keeps
// running if it is the only one.
__attribute__((noinline)) void yield() {
  thread* self = current();
  unsigned at = 0;
  while (g_ring[at] != self) ++at;
  for (unsigned step = 1; step <= kWorkers; ++step) {
    thread* next = g_ring[(at + step) % (kWorkers + 1)];
    if (!next->done) {
      next->switch_to();
      return;
    }
  }
}

// Ten values live across each yield(): more than the caller-saved registers
// the compiler may keep them in, so at -O2 they sit in x19-x28. The loop
// control lives on the stack (volatile), so lost registers give wrong results,
// not a crash, and `abicheck --continue` can watch the run to its end.
__attribute__((noinline)) std::uint64_t work(unsigned id) {
  volatile unsigned rounds = g_rounds;
  std::uint64_t k = id + 1;
  std::uint64_t a0 = k * 0x9e3779b97f4a7c15u, a1 = k << 8, a2 = k * 3, a3 = k ^ 0x55, a4 = k + 77, a5 = k * k,
                a6 = ~k, a7 = k << 20, a8 = k * 1001, a9 = k + 0xabcdef;
  volatile unsigned i = 0;
  while (i < rounds) {
    a0 = a0 * 6364136223846793005u + rounds;
    a1 += a0 >> 7;
    a2 ^= a1 + k;
    a3 += a2 * 3;
    a4 ^= a3 >> 3;
    a5 += a4 + (a0 & 7);
    a6 ^= a5 << 1;
    a7 += a6 >> 5;
    a8 ^= a7 + a0;
    a9 += a8 * 5;
    yield();
    i = i + 1;
  }
  return a0 ^ a1 ^ a2 ^ a3 ^ a4 ^ a5 ^ a6 ^ a7 ^ a8 ^ a9;
}

// A fresh thread starts here (switch_to() jumps to pc with x0 = arg) and
// never returns: when its work is done it yields for good.
__attribute__((noinline)) void thread_start(thread* self) {
  self->result = work(self->id);
  self->done = true;
  yield();
  std::fprintf(stderr, "seed_sched: finished thread %u resumed\n", self->id);
  std::abort();
}

bool all_done() {
  for (const auto& t : g_workers)
    if (!t.done) return false;
  return true;
}

// The main thread's share of the scheduling. __builtin_unwind_init() makes
// the compiler save every callee-saved register here, so what switch_to()
// loses does not reach main(): only the calls that must be flagged see it.
__attribute__((noinline)) bool schedule_until_done() {
  __builtin_unwind_init();
  volatile unsigned guard = 0;
  while (guard < 4 * g_rounds + 16) {
    yield();
    if (all_done()) return true;
    guard = guard + 1;
  }
  return false;
}

}  // namespace
}  // namespace seed

int main(int argc, char** argv) {
  using namespace seed;
  if (argc > 1) g_rounds = static_cast<unsigned>(std::strtoul(argv[1], nullptr, 10));
  if (g_rounds == 0 || g_rounds > 10000) g_rounds = 8;

  // The reference results: work() on the main thread with nobody to switch to.
  g_main.id = kWorkers;
  set_current(&g_main);
  g_ring[0] = &g_main;
  for (unsigned i = 0; i < kWorkers; ++i) {
    g_ring[i + 1] = &g_workers[i];
    g_workers[i].done = true;
  }
  std::uint64_t expected[kWorkers];
  for (unsigned i = 0; i < kWorkers; ++i) expected[i] = work(i);

  // One mapping per stack, kept apart by a guard page (adjacent mappings with
  // the same protection merge): the trace runtime tells machine stacks apart
  // by mapping.
  for (unsigned i = 0; i < kWorkers; ++i) {
    void* base = ::mmap(nullptr, kGuardSize + kStackSize, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (base == MAP_FAILED || ::mprotect(base, kGuardSize, PROT_NONE) != 0) return 2;
    void* stack = static_cast<char*>(base) + kGuardSize;
    thread& t = g_workers[i];
    t.id = i;
    t.done = false;
    t._state = {nullptr, &t, static_cast<char*>(stack) + kStackSize, reinterpret_cast<void*>(&thread_start)};
  }
  int status = schedule_until_done() ? 0 : 1;
  for (unsigned i = 0; i < kWorkers; ++i) {
    if (g_workers[i].result != expected[i]) {
      std::printf("thread %u: result %016llx, expected %016llx\n", i,
                  static_cast<unsigned long long>(g_workers[i].result),
                  static_cast<unsigned long long>(expected[i]));
      status = 1;
    }
  }
  std::printf(
      status == 0 ? "seed_sched: all %u results right\n" : "seed_sched: %u threads, some result wrong\n",
      kWorkers);
  return status;
}
