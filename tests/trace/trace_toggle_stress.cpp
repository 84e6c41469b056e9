// Live-toggle stress: worker threads call traced functions in tight loops
// while another thread enables and disables every site of them, as fast as
// it can. Every call checks its own arguments (a corrupted register would
// show), entry and exit handlers check the frame, and at the end every
// traced entry has had its exit.
//
//   trace_toggle_stress THREADS TOGGLES CALLS_PER_THREAD
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
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
std::atomic<bool> g_stop{false};

extern "C" {
__attribute__((noipa)) long stress_a(long i, long three_i) {
  if (three_i != 3 * i) g_wrong.fetch_add(1);
  return i + 1;
}
__attribute__((noipa)) long stress_b(long i, long x, long y, long z) {
  if (x != i + 1 || y != i + 2 || z != i + 3) g_wrong.fetch_add(1);
  return stress_a(i, 3 * i);
}
__attribute__((noipa)) double stress_fp(double a, double b) {
  if (b != a * 2) g_wrong.fetch_add(1);
  return a + b;
}
}

namespace {

void on_entry(const t::Site& s, t::Frame& f, void*) {
  g_entries.fetch_add(1, std::memory_order_relaxed);
  if (std::strcmp(s.name, "stress_a") == 0 && f.arg(1) != 3 * f.arg(0)) g_wrong.fetch_add(1);
}

void on_exit(const t::Site&, t::Frame& f, void*) {
  if ((f.flags & t::kFrameUnwound) != 0) g_wrong.fetch_add(1);  // nothing here unwinds
  g_exits.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace

// Spins until `counter` moves past `from` (bounded). Busy, not yielding: with
// 8 busy callers on 2 cores a yielding toggler waits a whole timeslice.
void wait_past(const std::atomic<long>& counter, long from) {
  for (long i = 0; i < 50000000 && counter.load(std::memory_order_relaxed) <= from; ++i) {
  }
}

int main(int argc, char** argv) {
  const int threads = argc > 1 ? std::atoi(argv[1]) : 8;
  const int toggles = argc > 2 ? std::atoi(argv[2]) : 10000;
  const long max_calls = argc > 3 ? std::atol(argv[3]) : 100000000;  // per thread, a safety bound
  t::add_entry_handler(on_entry, nullptr);
  t::add_exit_handler(on_exit, nullptr);

  std::vector<std::thread> pool;
  std::atomic<long> made{0};
  std::atomic<int> started{0};
  for (int k = 0; k < threads; ++k) {
    pool.emplace_back([&, k] {
      // Callers at the lowest priority: on 2 cores, 8 busy callers would
      // otherwise leave the toggler a timeslice per window.
      setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), 19);
      started.fetch_add(1);
      for (long i = 0; i < max_calls && !g_stop.load(std::memory_order_relaxed); ++i) {
        const long v = i + k;
        if (stress_b(v, v + 1, v + 2, v + 3) != v + 1) g_wrong.fetch_add(1);
        if (stress_fp(static_cast<double>(v), static_cast<double>(2 * v)) != 3.0 * static_cast<double>(v)) {
          g_wrong.fetch_add(1);
        }
        made.fetch_add(3, std::memory_order_relaxed);
      }
    });
  }
  while (started.load() < threads) std::this_thread::yield();

  // Each enabled window waits until traced calls arrive; each disabled
  // window waits until untraced calls are made, and may see at most one
  // late entry per thread (a call already past the sled when it flipped).
  long changed = 0, windows_with_traffic = 0, late_entries_max = 0, window_violations = 0;
  for (int i = 0; i < toggles; ++i) {
    const long before = g_entries.load();
    changed += t::enable(t::by_regex("^stress_"));
    wait_past(g_entries, before);
    if (g_entries.load() > before) ++windows_with_traffic;
    changed += t::disable(t::by_regex("^stress_"));
    const long at_disable = g_entries.load();
    wait_past(made, made.load() + 3L * threads);
    const long late = g_entries.load() - at_disable;
    late_entries_max = std::max(late_entries_max, late);
    if (late > threads) ++window_violations;
  }
  g_stop = true;
  for (auto& th : pool) th.join();
  const long entries = g_entries.load(), exits = g_exits.load();
  std::printf(
      "toggle-stress: %d threads, %d enable/disable pairs (%ld site flips), %ld calls, %ld traced entries, "
      "%ld exits, %ld wrong, %ld/%d enabled windows saw calls, at most %ld late entries after a disable\n",
      threads, toggles, changed, made.load(), entries, exits, g_wrong.load(), windows_with_traffic, toggles,
      late_entries_max);
  const bool ok = g_wrong.load() == 0 && entries == exits && entries <= made.load() && entries > 0 &&
                  changed == 2L * toggles * 3 && window_violations == 0;
  std::printf("%s\n", ok ? "toggle-stress: OK" : "toggle-stress: FAILED");
  return ok ? 0 : 1;
}
