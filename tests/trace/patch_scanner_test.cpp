// ModuleScanner against the test DSOs: site counts equal the instrumented
// functions, names are demangled and land on the right symbol (also after
// bti/endbr and for -O3 clones), and the untraceable cases say why.
#include <dlfcn.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <set>

#include "arch/CodePatch.hpp"
#include "patch/ModuleScanner.hpp"
#include "patch_test_lib.hpp"
#include "patch_test_modules.hpp"

namespace {

using ariadne::patch::ModuleImage;
using ariadne::patch::scan_loaded_modules;
using ariadne::test::find_module;

// patch_traced_lib.cpp + patch_traced_o3.cpp, one site each.
const std::set<std::string> kTracedNames = {
    "ns::f(int)",     "ns::f(double)",       "ns::Widget::get() const", "helper_static(int)",
    "patch_traced_c", "patch_traced_length", "patch_o3_a(int)",         "patch_o3_b(int)",
};
constexpr std::size_t kTracedSites = 9;  // the names above + the scale() clone

bool is_clone_name(const std::string& name) {
  return name.rfind("scale(int", 0) == 0 && (name.find("[clone .constprop") != std::string::npos ||
                                             name.find("[clone .isra") != std::string::npos);
}

void expect_sorted_unique(const ModuleImage& module) {
  for (std::size_t i = 1; i < module.sites.size(); ++i)
    EXPECT_LT(module.sites[i - 1].address, module.sites[i].address) << module.path;
}

void* open_or_fail(const char* path) {
  void* handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  EXPECT_NE(handle, nullptr) << dlerror();
  return handle;
}

TEST(PatchScanner, TracedModuleHasOneNamedSitePerFunction) {
  ASSERT_EQ(patch_traced_c(1), 8);  // the DSO is linked and runs
  const std::vector<ModuleImage> modules = scan_loaded_modules();
  const ModuleImage* traced = find_module(modules, "/libpatch_traced.so");
  ASSERT_NE(traced, nullptr);
  EXPECT_FALSE(traced->skip);
  EXPECT_EQ(traced->problem, "");
  EXPECT_FALSE(traced->build_id.empty());
  ASSERT_EQ(traced->sites.size(), kTracedSites);
  expect_sorted_unique(*traced);

  std::set<std::string> names;
  std::size_t clones = 0;
  for (const auto& site : traced->sites) {
    EXPECT_GE(site.address, traced->lowest);
    EXPECT_LT(site.address, traced->highest);
    EXPECT_GE(site.address, site.symbol_start) << site.name;
    EXPECT_LT(site.address, site.symbol_end) << site.name;
    const auto state = ariadne::arch::classify(reinterpret_cast<const std::byte*>(site.address), nullptr);
    EXPECT_NE(state, ariadne::arch::SledState::unknown) << site.name;
    if (is_clone_name(site.name))
      ++clones;
    else
      names.insert(site.name);
  }
  EXPECT_EQ(names, kTracedNames);
  EXPECT_EQ(clones, 1u) << "GCC -O3 did not clone scale()";
  for (const auto& s : traced->sites)
    std::printf("  %#lx %s\n", static_cast<unsigned long>(s.address), s.name.c_str());

  // The site of an exported function is its symbol, at its run-time address.
  const auto c_entry = reinterpret_cast<std::uintptr_t>(dlsym(RTLD_DEFAULT, "patch_traced_c"));
  const auto site = std::find_if(traced->sites.begin(), traced->sites.end(),
                                 [](const auto& s) { return s.name == "patch_traced_c"; });
  ASSERT_NE(site, traced->sites.end());
  EXPECT_EQ(site->symbol_start, c_entry);
  EXPECT_EQ(site->mangled, "patch_traced_c");
}

// The PLT slots of an instrumented module: where its library calls are
// redirected (src/trace/LibCalls.hpp), with the version each one binds to.
TEST(PatchScanner, PltSlotsNameTheSymbolAndItsVersion) {
  ASSERT_EQ(patch_traced_length("abc"), 3u);  // bound: the slot holds strlen's implementation
  const std::vector<ModuleImage> modules = scan_loaded_modules();
  const ModuleImage* traced = find_module(modules, "/libpatch_traced.so");
  ASSERT_NE(traced, nullptr);
  const auto slot = std::find_if(traced->plt.begin(), traced->plt.end(),
                                 [](const ModuleImage::PltSlot& s) { return s.symbol == "strlen"; });
  ASSERT_NE(slot, traced->plt.end());
  EXPECT_EQ(slot->name, "strlen");
  EXPECT_EQ(slot->version.rfind("GLIBC_", 0), 0u) << slot->version;
  EXPECT_GE(slot->got, traced->lowest);
  EXPECT_LT(slot->got, traced->highest);
  // The loader bound it to the same function dlsym finds (an IFUNC: to the
  // implementation its resolver picked).
  const std::uintptr_t bound = *reinterpret_cast<const std::uintptr_t*>(slot->got);
  EXPECT_EQ(bound, reinterpret_cast<std::uintptr_t>(dlsym(RTLD_DEFAULT, "strlen")));
}

TEST(PatchScanner, MainProgramWithoutSledsIsNamedAndSkipped) {
  char exe[4096] = {};
  ASSERT_GT(readlink("/proc/self/exe", exe, sizeof exe - 1), 0);
  const std::vector<ModuleImage> modules = scan_loaded_modules();
  ASSERT_FALSE(modules.empty());
  EXPECT_EQ(modules.front().path, exe);  // dl_iterate_phdr lists the program first
  EXPECT_TRUE(modules.front().skip);
  EXPECT_EQ(modules.front().problem,
            std::string(exe) + ": built without -fpatchable-function-entry: not traced");
  for (const ModuleImage& module : modules)
    EXPECT_EQ(module.path.find("vdso"), std::string::npos) << module.path;
}

TEST(PatchScanner, PlainModuleIsSkippedWithAReason) {
  void* handle = open_or_fail(PATCH_PLAIN_SO);
  const std::vector<ModuleImage> modules = scan_loaded_modules();
  const ModuleImage* plain = find_module(modules, "/libpatch_plain.so");
  ASSERT_NE(plain, nullptr);
  EXPECT_TRUE(plain->skip);
  EXPECT_TRUE(plain->sites.empty());
  EXPECT_EQ(plain->problem,
            std::string(PATCH_PLAIN_SO) + ": built without -fpatchable-function-entry: not traced");
  dlclose(handle);
}

TEST(PatchScanner, StrippedModuleKeepsSitesAndDynamicNames) {
  void* handle = open_or_fail(PATCH_STRIPPED_SO);
  const std::vector<ModuleImage> modules = scan_loaded_modules();
  const ModuleImage* stripped = find_module(modules, "/libpatch_stripped.so");
  ASSERT_NE(stripped, nullptr);
  EXPECT_FALSE(stripped->skip);
  EXPECT_EQ(stripped->problem,
            std::string(PATCH_STRIPPED_SO) + ": stripped (no .symtab): names from .dynsym only");
  ASSERT_EQ(stripped->sites.size(), kTracedSites);
  expect_sorted_unique(*stripped);
  std::set<std::string> names;
  std::size_t unnamed = 0;
  for (const auto& site : stripped->sites) {
    if (site.name.empty())
      ++unnamed;
    else
      names.insert(site.name);
  }
  // helper_static and the scale() clone are local: only .symtab had them.
  EXPECT_EQ(unnamed, 2u);
  std::set<std::string> exported = kTracedNames;
  exported.erase("helper_static(int)");
  EXPECT_EQ(names, exported);
  dlclose(handle);
}

TEST(PatchScanner, SitesAfterLandingPadsBelongToTheirFunction) {
  void* handle = open_or_fail(PATCH_BTI_SO);
  const std::vector<ModuleImage> modules = scan_loaded_modules();
  const ModuleImage* bti = find_module(modules, "/libpatch_bti.so");
  ASSERT_NE(bti, nullptr);
  EXPECT_EQ(bti->problem, "");
  ASSERT_EQ(bti->sites.size(), 3u);
  std::set<std::string> names;
  std::size_t after_pad = 0;
  for (const auto& site : bti->sites) {
    names.insert(site.name);
    const std::uintptr_t offset = site.address - site.symbol_start;
    EXPECT_TRUE(offset == 0 || offset == 4) << site.name << " +" << offset;
    if (offset == 4) {
      unsigned char pad[4];
      std::memcpy(pad, reinterpret_cast<const void*>(site.symbol_start), 4);
      const unsigned char bti_c[4] = {0x5f, 0x24, 0x03, 0xd5};  // d503245f, little-endian
      const unsigned char endbr64[4] = {0xf3, 0x0f, 0x1e, 0xfa};
      EXPECT_TRUE(std::memcmp(pad, bti_c, 4) == 0 || std::memcmp(pad, endbr64, 4) == 0) << site.name;
      ++after_pad;
    }
  }
  EXPECT_EQ(names, (std::set<std::string>{"cet::g(long)", "patch_bti_a", "patch_bti_b"}));
  EXPECT_GE(after_pad, 1u);
  std::printf("libpatch_bti.so: %zu sites, %zu of them 4 bytes after a landing pad\n", bti->sites.size(),
              after_pad);
  dlclose(handle);
}

TEST(PatchScanner, SkipPredicateDropsAModule) {
  const auto inside = reinterpret_cast<std::uintptr_t>(dlsym(RTLD_DEFAULT, "patch_traced_c"));
  const auto modules = scan_loaded_modules(
      [inside](const ModuleImage& m) { return inside >= m.lowest && inside < m.highest; });
  EXPECT_EQ(find_module(modules, "/libpatch_traced.so"), nullptr);
  EXPECT_NE(find_module(modules, "/libc.so.6"), nullptr);
}

TEST(PatchScanner, UnknownSledIsReportedAndLeftAlone) {
  void* handle = open_or_fail(PATCH_BTI_SO);
  auto modules = scan_loaded_modules();
  const ModuleImage* bti = find_module(modules, "/libpatch_bti.so");
  ASSERT_NE(bti, nullptr);
  ASSERT_EQ(bti->sites.size(), 3u);
  const std::uintptr_t victim = bti->sites[1].address;
  const long page = sysconf(_SC_PAGESIZE);
  const std::size_t size = ariadne::arch::sled_size();
  const std::uintptr_t mask = ~static_cast<std::uintptr_t>(page - 1);
  void* page_start = reinterpret_cast<void*>(victim & mask);
  // The sled may straddle a page boundary (x86-64).
  const std::size_t length = ((victim + size + page - 1) & mask) - (victim & mask);
  unsigned char saved[8];
  ASSERT_EQ(mprotect(page_start, length, PROT_READ | PROT_WRITE | PROT_EXEC), 0);
  std::memcpy(saved, reinterpret_cast<void*>(victim), size);
  std::memset(reinterpret_cast<void*>(victim), 0xab, size);
  ASSERT_EQ(mprotect(page_start, length, PROT_READ | PROT_EXEC), 0);

  const auto rescanned = scan_loaded_modules();
  const ModuleImage* after = find_module(rescanned, "/libpatch_bti.so");
  ASSERT_NE(after, nullptr);
  EXPECT_EQ(after->sites.size(), 2u);
  char address[32];
  std::snprintf(address, sizeof address, "0x%lx", static_cast<unsigned long>(victim));
  std::string bytes = "ab";
  for (std::size_t i = 1; i < size; ++i) bytes += " ab";
  EXPECT_EQ(after->problem, std::string(PATCH_BTI_SO) + ": unknown NOP pattern at " + address + " (bytes " +
                                bytes + "): site not traced");
  const unsigned char* now = reinterpret_cast<const unsigned char*>(victim);
  EXPECT_EQ(now[0], 0xab);  // not touched by the scan

  ASSERT_EQ(mprotect(page_start, length, PROT_READ | PROT_WRITE | PROT_EXEC), 0);
  std::memcpy(reinterpret_cast<void*>(victim), saved, size);
  ASSERT_EQ(mprotect(page_start, length, PROT_READ | PROT_EXEC), 0);
  dlclose(handle);
}

}  // namespace
