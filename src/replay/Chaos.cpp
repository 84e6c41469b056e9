// Chaos mode's decisions (Chaos.hpp). Pure arithmetic on a seeded
// generator: no system call, no allocation.
#include "replay/Chaos.hpp"

#include "replay/Session.hpp"

namespace ariadne::replay::chaos {

namespace {

enum Priority : std::uint8_t { kHigh = 0, kMediumUntilDescheduled = 1, kLow = 2 };

constinit bool g_on = false;
constinit std::uint64_t g_state = 0;  // splitmix64
constinit Priority g_priority[kMaxThreads];
constinit std::uint32_t g_threads = 0;  // slots with a priority
// The run's clock for priorities: the ticks of all turns drawn so far (an
// upper bound of the ticks run; a turn cut short by a call counts whole).
constinit std::uint64_t g_ticks_drawn = 0;
constinit std::uint64_t g_refresh_at = 0;  // when priorities are drawn again
// Up to ten million ticks between draws (rr: up to 20 s): a starved thread
// stays starved long enough to matter, not for ever (a spin wait on it ends).
constexpr std::uint64_t kRefreshTicks = 10000000;
constinit long g_cores = 0;
constinit std::uint64_t g_longest = 0;  // the run's longest turn
constinit unsigned g_point_switch = 0;  // per mille: a switch at a runtime point to an equal

std::uint64_t next() noexcept {
  std::uint64_t z = (g_state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}
// Uniform in [0, n), n > 0 (the bias of a 64-bit modulo is negligible here).
std::uint64_t below(std::uint64_t n) noexcept { return next() % n; }
// True with probability per_mille / 1000.
bool chance(unsigned per_mille) noexcept { return below(1000) < per_mille; }

Priority draw_priority(std::uint32_t index) noexcept {
  // Few threads low, so that the one starved is a victim among runners; the
  // main thread more often, since starving it is often what matters.
  if (!chance(index == 0 ? 300 : 100)) return kHigh;
  // Some run until their first turn ends before they sink: they can get a
  // high-priority thread going and then be starved.
  return chance(200) ? kMediumUntilDescheduled : kLow;
}

// Priorities are drawn again for all now and then: a starved thread is not
// starved for ever, and each stretch of the run gets its own victims.
void decided() noexcept {
  if (g_ticks_drawn < g_refresh_at) return;
  for (std::uint32_t i = 0; i < g_threads; ++i) g_priority[i] = draw_priority(i);
  g_refresh_at = g_ticks_drawn + 1 + below(kRefreshTicks);
}

Priority priority_of(std::uint32_t index) noexcept { return index < g_threads ? g_priority[index] : kHigh; }

}  // namespace

void start(std::uint64_t seed, std::uint64_t quantum) noexcept {
  if (seed == 0) return;
  g_on = true;
  g_state = seed;
  g_cores = static_cast<long>(1 + below(8));
  g_refresh_at = 1 + below(kRefreshTicks);
  // How often a runtime point switches to a queued thread of equal or higher
  // priority: never in a quarter of the runs, up to every other point.
  static constexpr unsigned kPointSwitch[] = {0, 30, 125, 500};
  g_point_switch = kPointSwitch[below(4)];
  // The run's scale, log-uniform from 16 ticks to twice the quantum: some
  // runs switch every few ticks everywhere, others seldom.
  const std::uint64_t top = quantum > 8 ? 2 * quantum : 16;
  int steps = 0;
  while ((std::uint64_t{16} << steps) < top) ++steps;
  g_longest = std::uint64_t{16} << below(static_cast<std::uint64_t>(steps) + 1);
  if (g_longest > top) g_longest = top;
}

bool on() noexcept { return g_on; }

std::uint64_t turn_budget(std::uint64_t quantum) noexcept {
  if (!g_on) return quantum;
  // Tiny turns find the windows of a few ticks, short ones a few calls;
  // the rest keep the run moving (the mix is rr's: a tenth, a tenth, the rest).
  (void)quantum;
  const std::uint64_t kind = below(10);
  std::uint64_t most = kind == 0 ? 64 : kind == 1 ? 2048 : g_longest;
  if (most > g_longest) most = g_longest;
  const std::uint64_t budget = 1 + below(most);
  g_ticks_drawn += budget;
  return budget;
}

void thread_made(std::uint32_t index) noexcept {
  if (!g_on || index >= kMaxThreads) return;
  g_priority[index] = draw_priority(index);
  if (index >= g_threads) g_threads = index + 1;
}

int choose(const std::uint32_t* queue, std::uint32_t len, std::uint32_t me, bool me_may_continue) noexcept {
  if (!g_on) return len > 0 ? 0 : -1;
  if (len == 0) return -1;
  Priority best = me_may_continue ? priority_of(me) : kLow;
  for (std::uint32_t i = 0; i < len; ++i)
    if (priority_of(queue[i]) < best) best = priority_of(queue[i]);
  // The candidates: the queued threads of the best priority, and `me` if it
  // may run on and is of it (the last slot of the draw).
  std::uint32_t candidates = 0;
  for (std::uint32_t i = 0; i < len; ++i) candidates += priority_of(queue[i]) == best ? 1 : 0;
  const bool me_candidate = me_may_continue && priority_of(me) == best;
  std::uint64_t pick = below(candidates + (me_candidate ? 1 : 0));
  int chosen = -1;
  for (std::uint32_t i = 0; i < len && chosen < 0; ++i) {
    if (priority_of(queue[i]) != best) continue;
    if (pick == 0) chosen = static_cast<int>(i);
    --pick;
  }
  if (chosen >= 0 && me < g_threads && g_priority[me] == kMediumUntilDescheduled) g_priority[me] = kLow;
  decided();
  return chosen;
}

bool switch_at_point(const std::uint32_t* queue, std::uint32_t len, std::uint32_t me) noexcept {
  if (!g_on) return false;
  bool peer = false;
  for (std::uint32_t i = 0; i < len; ++i) {
    if (priority_of(queue[i]) < priority_of(me)) return true;
    peer = peer || priority_of(queue[i]) == priority_of(me);
  }
  return peer && chance(g_point_switch);
}

long pretend_cores() noexcept { return g_cores; }

}  // namespace ariadne::replay::chaos
