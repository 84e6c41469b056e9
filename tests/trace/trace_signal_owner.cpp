// A program with its own SIGTRAP handler, traced while another thread
// toggles tracing live (on x86-64 the int3 protocol plants transient int3s,
// which raise SIGTRAP in threads that run into them), with one thread that
// blocks every signal. The runtime's signal broker must keep both working:
//   * the program's handler sees exactly its own raise(SIGTRAP)s, never a
//     runtime trap, and sigaction still reports the program's handler;
//   * the thread that blocked everything survives transient int3s, and its
//     view of its mask still holds SIGTRAP;
//   * every call returns the right value, entries == exits, and in a last
//     phase with tracing steady on, traced counts are exact.
// The sites cross an 8-byte word on x86-64 (built with -fcf-protection=branch:
// endbr64 first), so every live toggle goes through the int3 protocol.
//
//   trace_signal_owner TOGGLES
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

#include "ariadne/trace.hpp"

namespace t = ariadne::trace;

std::atomic<long> g_wrong{0};
std::atomic<long> g_entries{0};
std::atomic<long> g_exits{0};
std::atomic<long> g_handler_entries{0};  // traced entries of sig_in_handler
std::atomic<long> g_own_traps{0};        // the program's raise(SIGTRAP)s its handler saw
std::atomic<long> g_foreign_traps{0};    // SIGTRAPs its handler saw that it did not raise
std::atomic<bool> g_stop{false};

extern "C" {
__attribute__((noipa)) long sig_a(long i, long three_i) {
  if (three_i != 3 * i) g_wrong.fetch_add(1);
  return i + 1;
}
__attribute__((noipa)) long sig_b(long i, long x, long y) {
  if (x != i + 1 || y != i + 2) g_wrong.fetch_add(1);
  return sig_a(i, 3 * i);
}
__attribute__((noipa)) long sig_in_handler(long v) { return v * 2; }
}

namespace {

void on_entry(const t::Site& s, t::Frame&, void*) {
  g_entries.fetch_add(1, std::memory_order_relaxed);
  if (std::strcmp(s.name, "sig_in_handler") == 0) g_handler_entries.fetch_add(1, std::memory_order_relaxed);
}

void on_exit(const t::Site&, t::Frame&, void*) { g_exits.fetch_add(1, std::memory_order_relaxed); }

void program_trap_handler(int, siginfo_t* info, void*) {
  if (info->si_code == SI_TKILL && info->si_pid == getpid()) {
    g_own_traps.fetch_add(1, std::memory_order_relaxed);
    if (sig_in_handler(21) != 42) g_wrong.fetch_add(1);
  } else {
    g_foreign_traps.fetch_add(1, std::memory_order_relaxed);
  }
}

long run_calls(long k, long n) {
  long made = 0;
  for (long i = 0; i < n && !g_stop.load(std::memory_order_relaxed); ++i) {
    const long v = i + k * 1000003;
    if (sig_b(v, v + 1, v + 2) != v + 1) g_wrong.fetch_add(1);
    ++made;
  }
  return made;
}

bool mask_shows_trap() {
  sigset_t now;
  pthread_sigmask(SIG_BLOCK, nullptr, &now);
  return sigismember(&now, SIGTRAP) == 1;
}

// Phase: callers (one with every signal blocked) and a raiser run until
// stopped or for `calls` each; returns calls made and raises done.
struct Phase {
  long calls = 0;
  long raises = 0;
  bool blocked_view_ok = true;
};

Phase run_phase(int callers, long calls, long raises, void (*control)()) {
  Phase result;
  std::atomic<long> made{0};
  std::atomic<long> raised{0};
  std::atomic<bool> view_ok{true};
  std::vector<std::thread> pool;
  for (int k = 0; k < callers; ++k) {
    pool.emplace_back([&, k] {
      if (k == 0) {
        sigset_t all;
        sigfillset(&all);
        pthread_sigmask(SIG_SETMASK, &all, nullptr);
        if (!mask_shows_trap()) view_ok = false;
      }
      made.fetch_add(run_calls(k, calls));
      if (k == 0 && !mask_shows_trap()) view_ok = false;
    });
  }
  pool.emplace_back([&] {
    for (long i = 0; i < raises && !g_stop.load(std::memory_order_relaxed); ++i) {
      raise(SIGTRAP);
      raised.fetch_add(1);
    }
  });
  if (control != nullptr) control();
  for (auto& th : pool) th.join();
  result.calls = made.load();
  result.raises = raised.load();
  result.blocked_view_ok = view_ok.load();
  return result;
}

int g_toggles = 0;
long g_flips = 0;

void toggle_then_stop() {
  for (int i = 0; i < g_toggles; ++i) {
    g_flips += t::enable(t::by_regex("^sig_"));
    std::this_thread::sleep_for(std::chrono::microseconds(50));
    g_flips += t::disable(t::by_regex("^sig_"));
  }
  g_stop = true;
}

}  // namespace

int main(int argc, char** argv) {
  g_toggles = argc > 1 ? std::atoi(argv[1]) : 2000;
  struct sigaction mine {};
  mine.sa_sigaction = program_trap_handler;
  mine.sa_flags = SA_SIGINFO | SA_RESTART;
  sigemptyset(&mine.sa_mask);
  if (sigaction(SIGTRAP, &mine, nullptr) != 0) return 2;
  t::add_entry_handler(on_entry, nullptr);
  t::add_exit_handler(on_exit, nullptr);

  // 1: live toggling against three callers (one blocking everything) and a
  // raiser, as long as the toggles last.
  const Phase live = run_phase(3, 1L << 40, 1L << 40, toggle_then_stop);
  const long live_entries = g_entries.load(), live_exits = g_exits.load();
  const long live_own = g_own_traps.load();

  // 2: tracing steady on, fixed work: every count exact.
  g_stop = false;
  t::enable(t::by_regex("^sig_"));
  g_entries = 0;
  g_exits = 0;
  g_handler_entries = 0;
  g_own_traps = 0;
  constexpr long kCalls = 20000, kRaises = 500;
  const Phase steady = run_phase(3, kCalls, kRaises, nullptr);
  t::disable(t::by_regex("^sig_"));

  struct sigaction seen {};
  sigaction(SIGTRAP, nullptr, &seen);
  const bool view_ok = seen.sa_sigaction == program_trap_handler && (seen.sa_flags & SA_SIGINFO) != 0;

  std::printf(
      "signal-owner: live: %d toggles (%ld flips), %ld calls, %ld raises, %ld own traps seen, %ld entries, "
      "%ld exits\n",
      g_toggles, g_flips, live.calls, live.raises, live_own, live_entries, live_exits);
  std::printf(
      "signal-owner: steady: %ld calls (expected %ld), %ld raises, %ld own traps seen, %ld entries (expected "
      "%ld), %ld exits, %ld traced calls in the handler\n",
      steady.calls, 3 * kCalls, steady.raises, g_own_traps.load(), g_entries.load(), 2 * 3 * kCalls + kRaises,
      g_exits.load(), g_handler_entries.load());
  std::printf(
      "signal-owner: %ld foreign traps in the program's handler, %ld wrong, blocked thread's view %s, "
      "sigaction view %s\n",
      g_foreign_traps.load(), g_wrong.load(), live.blocked_view_ok && steady.blocked_view_ok ? "ok" : "WRONG",
      view_ok ? "ok" : "WRONG");
  const bool ok = g_wrong.load() == 0 && g_foreign_traps.load() == 0 && live_entries == live_exits &&
                  live_own == live.raises && live.blocked_view_ok && steady.blocked_view_ok && view_ok &&
                  g_flips == 2L * g_toggles * 3 && steady.calls == 3 * kCalls && steady.raises == kRaises &&
                  g_own_traps.load() == kRaises && g_handler_entries.load() == kRaises &&
                  g_entries.load() == 2 * 3 * kCalls + kRaises && g_exits.load() == g_entries.load();
  std::printf("%s\n", ok ? "signal-owner: OK" : "signal-owner: FAILED");
  return ok ? 0 : 1;
}
