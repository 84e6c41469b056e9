// The trace runtime through its public API (include/ariadne/trace.hpp), in a
// program that links libariadne-rt.so: exact call counts in the executable,
// a DSO linked at start and a dlopen'ed DSO; dlclose and reopen elsewhere;
// arguments (past the registers too), return values, skip, redirect; and no
// writable+executable page after start or after any batch.
#include <dlfcn.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <cstring>
#include <string>
#include <thread>

#include "ariadne/trace.hpp"
#include "maps_util.hpp"
#include "trace_test_fns.hpp"

namespace t = ariadne::trace;

extern "C" {
__attribute__((noipa)) long exe_add(long a, long b) { return a + b; }
__attribute__((noipa)) long exe_mul(long a, long b) { return a * b; }
std::atomic<long> g_body_runs{0};
__attribute__((noipa)) long exe_counted(long a) {
  g_body_runs.fetch_add(1);
  return a + 1;
}
__attribute__((noipa)) double exe_hypot(double a, double b) { return std::sqrt(a * a + b * b); }
// 10 integer and 10 floating-point arguments: some of each go on the stack.
__attribute__((noipa)) double exe_many(long a0, long a1, long a2, long a3, long a4, long a5, long a6, long a7,
                                       long a8, long a9, double d0, double d1, double d2, double d3,
                                       double d4, double d5, double d6, double d7, double d8, double d9) {
  return static_cast<double>(a0 + 2 * a1 + 3 * a2 + 4 * a3 + 5 * a4 + 6 * a5 + 7 * a6 + 8 * a7 + 9 * a8 +
                             10 * a9) +
         d0 + 2 * d1 + 3 * d2 + 4 * d3 + 5 * d4 + 6 * d5 + 7 * d6 + 8 * d7 + 9 * d8 + 10 * d9;
}
}

namespace {

const char* kDlLib = ARIADNE_TEST_DL_LIB;

// "" when no mapping is writable and executable; else the offenders.
std::string wx_report() {
  std::string text;
  for (const auto& m : ariadne::test::writable_and_executable()) {
    text += m.perms + " " + m.path + " @" + std::to_string(m.start) + "\n";
  }
  return text;
}

bool address_is_executable(std::uintptr_t a) { return ariadne::test::mapping_of(a).executable(); }

// Counts entries of one site.
struct SiteCounter {
  const t::Site* site = nullptr;
  std::atomic<long> entries{0};
  std::atomic<long> exits{0};
};

void count_entry(const t::Site& s, t::Frame&, void* user) {
  auto* c = static_cast<SiteCounter*>(user);
  if (&s == c->site) c->entries.fetch_add(1);
}
void count_exit(const t::Site& s, t::Frame&, void* user) {
  auto* c = static_cast<SiteCounter*>(user);
  if (&s == c->site) c->exits.fetch_add(1);
}

// Scoped handler registration so a failing test does not leak handlers.
struct Handlers {
  int entry = -1, exit = -1;
  Handlers(t::EntryHandler e, t::ExitHandler x, void* user) {
    if (e) entry = t::add_entry_handler(e, user);
    if (x) exit = t::add_exit_handler(x, user);
  }
  ~Handlers() {
    if (entry >= 0) t::remove_handler(entry);
    if (exit >= 0) t::remove_handler(exit);
    t::disable(t::all());
  }
};

long call_n(long (*fn)(long, long), int n) {
  long sum = 0;
  for (int i = 0; i < n; ++i) sum += fn(i, 1);
  return sum;
}

}  // namespace

TEST(TraceApi, FindsSitesWithNames) {
  const t::Site* s = t::find_site(reinterpret_cast<std::uintptr_t>(&exe_add));
  ASSERT_NE(s, nullptr) << t::diagnostics();
  EXPECT_STREQ(s->name, "exe_add");
  EXPECT_TRUE(s->loaded);
  const t::Site* l = t::find_site(reinterpret_cast<std::uintptr_t>(&linked_add));
  ASSERT_NE(l, nullptr);
  EXPECT_NE(std::string(l->module).find("libtrace_linked"), std::string::npos) << l->module;
  EXPECT_GT(t::site_count(), 5u);
}

TEST(TraceApi, ExactCountsInExecutableAndLinkedDso) {
  SiteCounter exe, lib;
  exe.site = t::find_site(reinterpret_cast<std::uintptr_t>(&exe_add));
  lib.site = t::find_site(reinterpret_cast<std::uintptr_t>(&linked_add));
  ASSERT_NE(exe.site, nullptr);
  ASSERT_NE(lib.site, nullptr);
  Handlers h1(count_entry, count_exit, &exe);
  Handlers h2(count_entry, count_exit, &lib);
  ASSERT_EQ(t::enable(t::by_name("exe_add")), 1) << t::error();
  ASSERT_EQ(t::enable(t::by_address(reinterpret_cast<std::uintptr_t>(&linked_add))), 1);
  EXPECT_TRUE(wx_report().empty()) << wx_report();
  EXPECT_EQ(call_n(exe_add, 1000), 1000 * 999 / 2 + 1000);
  EXPECT_EQ(call_n(linked_add, 700), 700 * 699 / 2 + 700);
  EXPECT_EQ(exe.entries.load(), 1000);
  EXPECT_EQ(exe.exits.load(), 1000);
  EXPECT_EQ(lib.entries.load(), 700);
  EXPECT_EQ(lib.exits.load(), 700);
  ASSERT_EQ(t::disable(t::by_name("exe_add")), 1);
  EXPECT_TRUE(wx_report().empty());
  call_n(exe_add, 10);
  EXPECT_EQ(exe.entries.load(), 1000);  // disabled: not seen
}

TEST(TraceApi, DlopenedDsoCountedAndReopenedElsewhere) {
  void* h = dlopen(kDlLib, RTLD_NOW);
  ASSERT_NE(h, nullptr) << dlerror();
  auto square = reinterpret_cast<long (*)(long)>(dlsym(h, "dl_square"));
  ASSERT_NE(square, nullptr);
  const t::Site* first = t::find_site(reinterpret_cast<std::uintptr_t>(square));
  ASSERT_NE(first, nullptr) << t::diagnostics();
  SiteCounter c;
  c.site = first;
  {
    Handlers handlers(count_entry, count_exit, &c);
    // A rule made before the reopen applies to the reopened module too.
    ASSERT_EQ(t::enable(t::by_regex("^dl_")), 2);
    long sum = 0;
    for (long i = 0; i < 300; ++i) sum += square(i);
    EXPECT_EQ(sum, 299L * 300 * 599 / 6);
    EXPECT_EQ(c.entries.load(), 300);
    EXPECT_EQ(c.exits.load(), 300);

    const std::uintptr_t old_address = first->address;
    Dl_info info{};
    ASSERT_NE(dladdr(reinterpret_cast<void*>(square), &info), 0);
    const auto old_base = reinterpret_cast<std::uintptr_t>(info.dli_fbase);
    ASSERT_EQ(dlclose(h), 0);
    EXPECT_FALSE(first->loaded);
    EXPECT_EQ(first->address, 0u);
    EXPECT_FALSE(t::is_enabled(*first));
    // Occupy the old place so the reopen lands at another address.
    const long page = sysconf(_SC_PAGESIZE);
    void* blocker = mmap(reinterpret_cast<void*>(old_base), static_cast<std::size_t>(page), PROT_NONE,
                         MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    ASSERT_EQ(blocker, reinterpret_cast<void*>(old_base)) << "could not occupy the old load address";
    h = dlopen(kDlLib, RTLD_NOW);
    ASSERT_NE(h, nullptr) << dlerror();
    square = reinterpret_cast<long (*)(long)>(dlsym(h, "dl_square"));
    const t::Site* second = t::find_site(reinterpret_cast<std::uintptr_t>(square));
    ASSERT_NE(second, nullptr);
    EXPECT_NE(second->address, old_address);
    EXPECT_TRUE(t::is_enabled(*second));
    // Every loaded, enabled site lies in mapped executable code.
    for (std::size_t id = 0; id < t::site_count(); ++id) {
      const t::Site* s = t::site(id);
      if (!s->loaded) continue;
      EXPECT_TRUE(address_is_executable(s->address)) << s->name << " at " << s->address;
    }
    c.site = second;
    c.entries = 0;
    c.exits = 0;
    for (long i = 0; i < 200; ++i) square(i);
    EXPECT_EQ(c.entries.load(), 200);
    EXPECT_EQ(c.exits.load(), 200);
    EXPECT_TRUE(wx_report().empty());
    munmap(blocker, static_cast<std::size_t>(page));
  }
  dlclose(h);
}

TEST(TraceApi, ReadsAndChangesArgumentsIncludingStackedOnes) {
  struct Seen {
    long ints[10];
    double fps[10];
  };
  static Seen seen;
  Handlers h(
      +[](const t::Site& s, t::Frame& f, void*) {
        if (std::strcmp(s.name, "exe_many") != 0) return;
        unsigned stacked = 0;
        for (unsigned i = 0; i < 10; ++i) {
          seen.ints[i] =
              i < t::kIntArgRegs ? static_cast<long>(f.arg(i)) : static_cast<long>(*f.stack_arg(stacked++));
        }
        for (unsigned i = 0; i < 10; ++i) {
          if (i < t::kFpArgRegs) {
            seen.fps[i] = f.fp_arg(i);
          } else {
            std::memcpy(&seen.fps[i], f.stack_arg(stacked++), sizeof(double));
          }
        }
        // Change a register argument of each kind and the last stacked one.
        f.set_arg(0, 1000);
        f.set_fp_arg(0, 0.5);
        const double nine = 9.0;
        std::memcpy(f.stack_arg(stacked - 1), &nine, sizeof nine);
      },
      nullptr, nullptr);
  ASSERT_EQ(t::enable(t::by_name("exe_many")), 1);
  const double r = exe_many(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5, 8.5, 9.5, 10.5);
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(seen.ints[i], i + 1) << "int argument " << i;
    EXPECT_EQ(seen.fps[i], i + 1.5) << "fp argument " << i;
  }
  // a0: 1 -> 1000 (+999), d0: 1.5 -> 0.5 (-1), d9: 10.5 -> 9 (-15).
  const double expected =
      385.0 +
      (1.5 + 2 * 2.5 + 3 * 3.5 + 4 * 4.5 + 5 * 5.5 + 6 * 6.5 + 7 * 7.5 + 8 * 8.5 + 9 * 9.5 + 10 * 10.5) +
      999 - 1 - 15;
  EXPECT_DOUBLE_EQ(r, expected);
}

TEST(TraceApi, ReadsAndReplacesReturnValues) {
  static long seen_ret = 0;
  static double seen_fp = 0;
  Handlers h(
      nullptr,
      +[](const t::Site& s, t::Frame& f, void*) {
        if (std::strcmp(s.name, "exe_mul") == 0) {
          seen_ret = static_cast<long>(f.ret());
          f.set_ret(42);
        } else if (std::strcmp(s.name, "exe_hypot") == 0) {
          seen_fp = f.fp_ret();
          f.set_fp_ret(-1.25);
        }
      },
      nullptr);
  ASSERT_EQ(t::enable(t::by_regex("^exe_(mul|hypot)$")), 2);
  EXPECT_EQ(exe_mul(6, 7), 42);
  EXPECT_EQ(seen_ret, 42);
  EXPECT_EQ(exe_mul(3, 3), 42);
  EXPECT_EQ(seen_ret, 9);
  EXPECT_EQ(exe_hypot(3, 4), -1.25);
  EXPECT_EQ(seen_fp, 5.0);
}

TEST(TraceApi, SkipAndRedirect) {
  Handlers h(
      +[](const t::Site& s, t::Frame& f, void*) {
        if (std::strcmp(s.name, "exe_counted") == 0 && f.arg(0) == 7) f.skip(-7);
        if (std::strcmp(s.name, "exe_add") == 0 && f.arg(0) == 5)
          f.redirect(reinterpret_cast<std::uintptr_t>(&exe_mul));
      },
      nullptr, nullptr);
  ASSERT_EQ(t::enable(t::by_regex("^exe_(counted|add)$")), 2);
  const long before = g_body_runs.load();
  EXPECT_EQ(exe_counted(1), 2);
  EXPECT_EQ(exe_counted(7), -7);  // skipped: the body did not run
  EXPECT_EQ(g_body_runs.load(), before + 1);
  EXPECT_EQ(exe_add(5, 6), 30);  // redirected to exe_mul
  EXPECT_EQ(exe_add(4, 6), 10);
}

TEST(TraceApi, BadSelectorsAreReported) {
  EXPECT_EQ(t::enable(t::by_regex("(")), -1);
  EXPECT_NE(std::string(t::error()).find("invalid regex"), std::string::npos) << t::error();
  EXPECT_EQ(t::enable(t::by_name("no_such_function_anywhere")), 0);
}

TEST(TraceApi, TicksCountTracedEntries) {
  Handlers h(
      +[](const t::Site&, t::Frame&, void*) {}, nullptr, nullptr);
  ASSERT_EQ(t::enable(t::by_name("exe_add")), 1);
  const std::uint64_t before = t::thread_ticks();
  call_n(exe_add, 50);
  EXPECT_EQ(t::thread_ticks() - before, 50u);
}

// Replay's clock: the tick handler runs only at the entries that reach the
// thread's budget (the tick path counts the others), every entry is counted
// once, the arguments cross the tick path intact, and the last entry's site
// is known; a thread with no budget gets the handler at every entry.
std::uint64_t g_tick_budget = 0;
std::atomic<long> g_tick_handler_runs{0};
TEST(TraceApi, TickHandlerRunsAtTheBudgetOnly) {
  auto many = [](long i) {
    return exe_many(i, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5, 8.5, 9.5 + i);
  };
  const double expected = many(3);
  const t::Site* site = t::find_site(reinterpret_cast<std::uintptr_t>(&exe_many));
  ASSERT_NE(site, nullptr);
  g_tick_handler_runs = 0;
  const int id = t::add_tick_handler(
      +[](const t::Site&, t::Frame&, void*) {
        ++g_tick_handler_runs;
        if (t::thread_ticks() >= g_tick_budget) g_tick_budget = t::thread_ticks() + 10;
      },
      nullptr);
  ASSERT_GE(id, 0);
  ASSERT_EQ(t::enable(t::by_name("exe_many")), 1);
  g_tick_budget = t::thread_ticks() + 10;
  t::set_tick_budget(&g_tick_budget);
  const std::uint64_t before = t::thread_ticks();
  long wrong = 0;
  for (int i = 0; i < 100; ++i) wrong += many(3) != expected;
  const std::uint64_t counted = t::thread_ticks() - before;
  const long runs = g_tick_handler_runs.load();
  const std::uintptr_t last = t::last_entry_site();
  t::set_tick_budget(nullptr);
  g_tick_handler_runs = 0;
  for (int i = 0; i < 7; ++i) wrong += many(3) != expected;
  const long runs_without_budget = g_tick_handler_runs.load();
  t::remove_handler(id);
  t::disable(t::all());
  EXPECT_EQ(wrong, 0);
  EXPECT_EQ(counted, 100u);
  EXPECT_EQ(runs, 10);
  EXPECT_EQ(last, site->address);
  EXPECT_EQ(runs_without_budget, 7);
}

// The compiler-inserted ticks of `ariadne flags --replayable` go to the same
// per-thread count as function entries.
TEST(TraceApi, CountTickAddsOneToTheThreadsTicks) {
  const std::uint64_t before = t::thread_ticks();
  EXPECT_EQ(t::count_tick(), before + 1);
  EXPECT_EQ(t::count_tick(), before + 2);
  EXPECT_EQ(t::thread_ticks(), before + 2);
  std::thread([] {
    for (int i = 0; i < 3; ++i) t::count_tick();
  }).join();
  EXPECT_EQ(t::thread_ticks(), before + 2);  // per thread
}

TEST(TraceApi, NoWritableExecutablePagesAfterStart) {
  EXPECT_TRUE(wx_report().empty()) << wx_report();
  ASSERT_GT(t::enable(t::all()), 0);
  EXPECT_TRUE(wx_report().empty()) << wx_report();
  ASSERT_GT(t::disable(t::all()), 0);
  EXPECT_TRUE(wx_report().empty()) << wx_report();
}

// Recursion through a volatile pointer: at -O2 GCC would turn direct
// self-recursion into a loop (one call).
extern "C" long exe_recurse(long n);
long (*volatile g_recurse)(long) = exe_recurse;
extern "C" __attribute__((noipa)) long exe_recurse(long n) { return n <= 0 ? 0 : n + g_recurse(n - 1); }

TEST(TraceApi, CallDataCarriesFromEntryToExit) {
  static std::atomic<long> matched{0}, mismatched{0};
  matched = mismatched = 0;
  Handlers h(
      +[](const t::Site&, t::Frame& f, void*) {
        auto* data = static_cast<std::uint64_t*>(t::call_data());
        if (data == nullptr) ++mismatched;
        if (data) data[0] = f.arg(0) + 1;
      },
      +[](const t::Site&, t::Frame& f, void*) {
        auto* data = static_cast<std::uint64_t*>(t::call_data());
        // exe_recurse(n) returns n(n+1)/2: check the entry argument came back.
        const std::uint64_t n = data ? data[0] - 1 : ~0ull;
        if (data != nullptr && f.ret() == n * (n + 1) / 2)
          ++matched;
        else
          ++mismatched;
      },
      nullptr);
  ASSERT_EQ(t::enable(t::by_name("exe_recurse")), 1);
  EXPECT_EQ(exe_recurse(20), 210);
  EXPECT_EQ(matched.load(), 21);
  EXPECT_EQ(mismatched.load(), 0);
  EXPECT_EQ(t::call_data(), nullptr);  // outside handlers
}
