// Veneers: a DSO loaded further from libariadne-rt.so than a direct call
// reaches (AArch64 BL: 128 MiB; x86-64 call rel32: 2 GiB) is still patched
// and traced. Address space is reserved first so the loader has to place the
// DSO far away; the test checks the distance it got.
#include <dlfcn.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <vector>

#include "ariadne/trace.hpp"
#include "maps_util.hpp"

namespace t = ariadne::trace;

namespace {

std::uintptr_t distance(std::uintptr_t a, std::uintptr_t b) { return a > b ? a - b : b - a; }

std::atomic<long> g_entries{0}, g_exits{0};

struct Reservation {
  void* at;
  std::size_t size;
};

// Fills every free gap within `radius` of `center` with an inaccessible
// reservation, so the next mapping the loader makes has to go further away.
std::vector<Reservation> fill_gaps_near(std::uintptr_t center, std::uintptr_t radius) {
  const std::uintptr_t page = static_cast<std::uintptr_t>(sysconf(_SC_PAGESIZE));
  const std::uintptr_t lo = (center > radius ? center - radius : page) & ~(page - 1);
  const std::uintptr_t hi = (center + radius) & ~(page - 1);
  std::vector<Reservation> made;
  auto reserve = [&](std::uintptr_t from, std::uintptr_t to) {
    from = std::max(from, lo);
    to = std::min(to, hi);
    if (from >= to) return;
    void* p = mmap(reinterpret_cast<void*>(from), to - from, PROT_NONE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);
    if (p == MAP_FAILED) return;
    if (p != reinterpret_cast<void*>(from)) {  // QEMU user mode ignores NOREPLACE and moves it
      munmap(p, to - from);
      return;
    }
    made.push_back({p, to - from});
  };
  std::uintptr_t previous_end = lo;
  for (const auto& m : ariadne::test::read_self_maps()) {
    reserve(previous_end, m.start);
    previous_end = std::max(previous_end, m.end);
  }
  reserve(previous_end, hi);
  return made;
}

}  // namespace

TEST(TraceFar, DsoOutOfDirectReachIsTracedThroughVeneer) {
  const auto runtime = reinterpret_cast<std::uintptr_t>(&t::enable);
  const std::uintptr_t reach = ARIADNE_TEST_CALL_REACH;
  const std::vector<Reservation> holes = fill_gaps_near(runtime, reach + (std::uintptr_t{16} << 20));
  void* h = dlopen(ARIADNE_TEST_DL_LIB, RTLD_NOW);
  ASSERT_NE(h, nullptr) << dlerror();
  auto square = reinterpret_cast<long (*)(long)>(dlsym(h, "dl_square"));
  ASSERT_NE(square, nullptr);
  const auto fn = reinterpret_cast<std::uintptr_t>(square);
  std::printf("runtime at %#lx, DSO function at %#lx: %.1f MiB apart (direct reach %.0f MiB)\n",
              static_cast<unsigned long>(runtime), static_cast<unsigned long>(fn),
              static_cast<double>(distance(runtime, fn)) / (1 << 20), static_cast<double>(reach) / (1 << 20));
  ASSERT_GT(distance(runtime, fn), reach)
      << "the loader placed the DSO within direct reach; the test proves nothing";

  const int e = t::add_entry_handler(
      +[](const t::Site&, t::Frame&, void*) { g_entries.fetch_add(1); }, nullptr);
  const int x = t::add_exit_handler(
      +[](const t::Site&, t::Frame&, void*) { g_exits.fetch_add(1); }, nullptr);
  ASSERT_EQ(t::enable(t::by_address(fn)), 1) << t::diagnostics();
  long sum = 0;
  for (long i = 0; i < 100; ++i) sum += square(i);
  EXPECT_EQ(sum, 99L * 100 * 199 / 6);
  EXPECT_EQ(g_entries.load(), 100);
  EXPECT_EQ(g_exits.load(), 100);
  t::disable(t::all());
  t::remove_handler(e);
  t::remove_handler(x);
  dlclose(h);
  for (const Reservation& r : holes) munmap(r.at, r.size);
}
