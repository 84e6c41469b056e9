// Live-toggle stress: worker threads call traced functions in tight loops
// while another thread enables and disables every site of them, as fast as
// it can. Every call checks its own arguments (a corrupted register would
// show), entry and exit handlers check the frame, and at the end every
// traced entry has had its exit.
//
//   trace_toggle_stress THREADS TOGGLES CALLS_PER_THREAD
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

int main(int argc, char** argv) {
  const int threads = argc > 1 ? std::atoi(argv[1]) : 8;
  const int toggles = argc > 2 ? std::atoi(argv[2]) : 10000;
  const long calls = argc > 3 ? std::atol(argv[3]) : 200000;
  t::add_entry_handler(on_entry, nullptr);
  t::add_exit_handler(on_exit, nullptr);

  std::vector<std::thread> pool;
  std::atomic<long> made{0};
  for (int k = 0; k < threads; ++k) {
    pool.emplace_back([&, k] {
      long local = 0;
      for (long i = 0; i < calls && !g_stop.load(std::memory_order_relaxed); ++i) {
        const long v = i + k;
        if (stress_b(v, v + 1, v + 2, v + 3) != v + 1) g_wrong.fetch_add(1);
        if (stress_fp(static_cast<double>(v), static_cast<double>(2 * v)) != 3.0 * static_cast<double>(v)) {
          g_wrong.fetch_add(1);
        }
        local += 3;
      }
      made.fetch_add(local);
    });
  }
  long changed = 0;
  for (int i = 0; i < toggles; ++i) {
    changed += t::enable(t::by_regex("^stress_"));
    changed += t::disable(t::by_regex("^stress_"));
  }
  g_stop = true;
  for (auto& th : pool) th.join();
  // Calls made after the last disable are not traced; entries <= calls made.
  const long entries = g_entries.load(), exits = g_exits.load();
  std::printf("toggle-stress: %d threads, %d enable/disable pairs (%ld site flips), %ld calls, %ld traced entries, "
              "%ld exits, %ld wrong\n",
              threads, toggles, changed, made.load(), entries, exits, g_wrong.load());
  const bool ok = g_wrong.load() == 0 && entries == exits && entries <= made.load() && changed == 2L * toggles * 3;
  std::printf("%s\n", ok ? "toggle-stress: OK" : "toggle-stress: FAILED");
  return ok ? 0 : 1;
}
