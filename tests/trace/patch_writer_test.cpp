// CodeWriter: prepare turns every pristine sled of a module into the
// prepared form in one pass, the code still runs, and afterwards no mapping
// is writable and executable. apply() is exercised with no-op toggles only
// (toggle_live is the arch side's), plus its mprotect failure path.
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <vector>

#include "arch/CodePatch.hpp"
#include "maps_util.hpp"
#include "patch/CodeWriter.hpp"
#include "patch/ModuleScanner.hpp"
#include "patch_test_lib.hpp"
#include "patch_test_modules.hpp"

namespace {

using ariadne::arch::SledState;
using ariadne::patch::CodeWriter;
using ariadne::patch::ModuleImage;

SledState state_of(std::uintptr_t site) {
  return ariadne::arch::classify(reinterpret_cast<const std::byte*>(site), nullptr);
}

std::string describe(const std::vector<ariadne::test::Mapping>& mappings) {
  std::string text;
  for (const auto& m : mappings) text += m.perms + " " + m.path + "\n";
  return text;
}

ModuleImage traced_module() {
  auto modules = ariadne::patch::scan_loaded_modules();
  const ModuleImage* traced = ariadne::test::find_module(modules, "/libpatch_traced.so");
  return traced != nullptr ? *traced : ModuleImage{};
}

TEST(PatchWriter, PrepareMakesEverySitePreparedAndLeavesNoWritableCode) {
  ModuleImage traced = traced_module();
  ASSERT_FALSE(traced.sites.empty());
  std::size_t pristine = 0;
  for (const auto& site : traced.sites) pristine += state_of(site.address) == SledState::pristine;

  CodeWriter writer;
  const auto result = writer.prepare(traced);
  ASSERT_TRUE(result.ok) << result.error;
  EXPECT_EQ(result.written, pristine);
  for (const auto& site : traced.sites) EXPECT_EQ(state_of(site.address), SledState::prepared) << site.name;
  EXPECT_EQ(describe(ariadne::test::writable_and_executable()), "");
  const auto code = ariadne::test::mapping_of(traced.sites.front().address);
  EXPECT_EQ(code.perms.substr(0, 3), "r-x");

  // The prepared sled is a harmless instruction sequence: the code still runs.
  EXPECT_EQ(patch_traced_c(1), 8);
  EXPECT_EQ(ns::f(1), 2);
  EXPECT_EQ(ns::f(1.0), 3);
  EXPECT_EQ(patch_o3_a(0), 0);

  // A second pass finds nothing left to do.
  const auto again = writer.prepare(traced);
  EXPECT_TRUE(again.ok) << again.error;
  EXPECT_EQ(again.written, 0u);
}

TEST(PatchWriter, ApplyOfNoOpTogglesKeepsWxClean) {
  ModuleImage traced = traced_module();
  ASSERT_FALSE(traced.sites.empty());
  CodeWriter writer;
  ASSERT_TRUE(writer.prepare(traced).ok);
  // Unsorted on purpose; target 0 = "prepared", which they already are.
  std::vector<ariadne::arch::Toggle> batch;
  for (auto it = traced.sites.rbegin(); it != traced.sites.rend(); ++it) batch.push_back({it->address, 0});
  const auto result = writer.apply(batch);
  ASSERT_TRUE(result.ok) << result.error;
  EXPECT_EQ(result.written, batch.size());
  for (const auto& site : traced.sites) EXPECT_EQ(state_of(site.address), SledState::prepared);
  EXPECT_EQ(describe(ariadne::test::writable_and_executable()), "");
  EXPECT_TRUE(writer.apply({}).ok);
}

TEST(PatchWriter, ApplyReportsMprotectFailureWithoutToggling) {
  const long page = sysconf(_SC_PAGESIZE);
  void* hole = mmap(nullptr, static_cast<std::size_t>(page), PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(hole, MAP_FAILED);
  ASSERT_EQ(munmap(hole, static_cast<std::size_t>(page)), 0);
  const ariadne::arch::Toggle toggle{reinterpret_cast<std::uintptr_t>(hole) + 16, 0};
  CodeWriter writer;
  const auto result = writer.apply({&toggle, 1});
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(result.written, 0u);
  EXPECT_NE(result.error.find("mprotect("), std::string::npos) << result.error;
  EXPECT_NE(result.error.find("(errno "), std::string::npos) << result.error;
}

}  // namespace
