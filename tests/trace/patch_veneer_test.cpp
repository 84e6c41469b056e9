// VeneerPool: a veneer for a far target (> 3 GiB away) is reachable by a
// direct call from every site of the module, sits on an R-X page, is shared
// per (module, target), and goes away with release() (the dlclose path).
// What a veneer contains is the arch side's (write_veneer) and not checked.
#include <dlfcn.h>
#include <gtest/gtest.h>

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
