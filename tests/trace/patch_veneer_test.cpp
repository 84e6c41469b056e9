// VeneerPool: a veneer for a far target (> 3 GiB away) is reachable by a
// direct call from every site of the module, sits on an R-X page, is shared
// per (module, target), and goes away with release() (the dlclose path).
// What a veneer contains is the arch side's (write_veneer) and not checked.
#include <dlfcn.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdio>
#include <utility>
#include <vector>

#include "arch/CodePatch.hpp"
#include "maps_util.hpp"
#include "patch/ModuleScanner.hpp"
#include "patch/VeneerPool.hpp"
#include "patch_test_modules.hpp"

namespace {

using ariadne::patch::ModuleImage;
using ariadne::patch::VeneerPool;

constexpr std::uintptr_t kFar = std::uintptr_t{3} << 30;  // 3 GiB: beyond BL and beyond call rel32

void expect_reachable_from_every_site(const ModuleImage& module, std::uintptr_t veneer) {
  for (const auto& site : module.sites)
    EXPECT_TRUE(ariadne::arch::call_reaches(site.address, veneer)) << site.name;
}

TEST(PatchVeneer, FarTargetGetsAReachableReadOnlyExecutableVeneer) {
  auto modules = ariadne::patch::scan_loaded_modules();
  const ModuleImage* traced = ariadne::test::find_module(modules, "/libpatch_traced.so");
  ASSERT_NE(traced, nullptr);
  ASSERT_FALSE(traced->sites.empty());
  const std::uintptr_t target = traced->highest + kFar;
  ASSERT_FALSE(ariadne::arch::call_reaches(traced->sites.front().address, target));

  VeneerPool pool;
  std::string error;
  const std::uintptr_t veneer = pool.veneer_for(*traced, target, &error);
  ASSERT_NE(veneer, 0u) << error;
  expect_reachable_from_every_site(*traced, veneer);
  std::printf("module [%#lx, %#lx), veneer to +3 GiB at %#lx\n", static_cast<unsigned long>(traced->lowest),
              static_cast<unsigned long>(traced->highest), static_cast<unsigned long>(veneer));
  const auto page = ariadne::test::mapping_of(veneer);
  EXPECT_EQ(page.perms.substr(0, 3), "r-x");
  EXPECT_EQ(pool.veneer_for(*traced, target), veneer);  // one per (module, target)

  const std::uintptr_t other = pool.veneer_for(*traced, target + 4096, &error);
  ASSERT_NE(other, 0u) << error;
  EXPECT_NE(other, veneer);
  expect_reachable_from_every_site(*traced, other);
  EXPECT_EQ(pool.pages_of(*traced), 1u);  // the second veneer shares the page
  EXPECT_EQ(ariadne::test::writable_and_executable().size(), 0u);

  pool.release(*traced);
  EXPECT_EQ(pool.pages_of(*traced), 0u);
  EXPECT_FALSE(ariadne::test::mapping_of(veneer).contains(veneer));
}

// The first hints (right below and right above the module) are taken: the
// pool must move on, and must not accept a mapping QEMU moved elsewhere.
TEST(PatchVeneer, OccupiedHintsAreSkipped) {
  auto modules = ariadne::patch::scan_loaded_modules();
  const ModuleImage* traced = ariadne::test::find_module(modules, "/libpatch_traced.so");
  ASSERT_NE(traced, nullptr);
  const auto page = static_cast<std::uintptr_t>(sysconf(_SC_PAGESIZE));
  const std::uintptr_t below = (traced->lowest & ~(page - 1)) - 4 * page;
  const std::uintptr_t above = (traced->highest + page - 1) & ~(page - 1);
  std::vector<std::pair<void*, std::size_t>> blockers;
  for (std::uintptr_t hint : {below, above}) {
    void* got = mmap(reinterpret_cast<void*>(hint), 4 * page, PROT_NONE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (got == MAP_FAILED) continue;  // already occupied: blocked anyway
    blockers.emplace_back(got, 4 * page);
  }
  VeneerPool pool;
  std::string error;
  const std::uintptr_t veneer = pool.veneer_for(*traced, traced->highest + kFar, &error);
  ASSERT_NE(veneer, 0u) << error;
  expect_reachable_from_every_site(*traced, veneer);
  EXPECT_FALSE(veneer >= below && veneer < below + 4 * page);
  EXPECT_FALSE(veneer >= above && veneer < above + 4 * page);
  EXPECT_EQ(ariadne::test::mapping_of(veneer).perms.substr(0, 3), "r-x");
  pool.release(*traced);
  for (const auto& [address, length] : blockers) munmap(address, length);
}

TEST(PatchVeneer, DlclosedModuleReleasesItsVeneers) {
  void* handle = dlopen(PATCH_BTI_SO, RTLD_NOW | RTLD_LOCAL);
  ASSERT_NE(handle, nullptr) << dlerror();
  auto modules = ariadne::patch::scan_loaded_modules();
  const ModuleImage* bti = ariadne::test::find_module(modules, "/libpatch_bti.so");
  ASSERT_NE(bti, nullptr);
  const ModuleImage module = *bti;

  VeneerPool pool;
  std::string error;
  const std::uintptr_t veneer = pool.veneer_for(module, module.lowest - kFar, &error);
  ASSERT_NE(veneer, 0u) << error;
  expect_reachable_from_every_site(module, veneer);
  EXPECT_EQ(pool.pages_of(module), 1u);

  dlclose(handle);
  pool.release(module);
  EXPECT_EQ(pool.pages_of(module), 0u);
  EXPECT_FALSE(ariadne::test::mapping_of(veneer).contains(veneer));
}

}  // namespace
