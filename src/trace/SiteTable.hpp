// Every patch site of every loaded module, and the per-site state the
// dispatcher reads on each traced call. Written under the tracer's lock (at
// load, dlopen, dlclose, enable/disable); read without locks by the
// dispatcher on any thread, so records are never freed or moved: a module
// that is unloaded is marked dead and its records stay (Site::loaded = false).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "ariadne/trace.hpp"
#include "patch/ModuleImage.hpp"

namespace ariadne::trace::detail {

struct SiteRecord {
  Site site;                          // the public view handed to handlers
  std::atomic<bool> enabled{false};
  std::uint32_t module = 0;           // index into SiteTable's modules
  std::uintptr_t symbol_start = 0;    // [start, end) of the covering symbol
  std::uintptr_t symbol_end = 0;
};

struct ModuleRecord {
  std::atomic<bool> live{false};
  std::uintptr_t first_site = 0;      // [first_site, end) covers every site
  std::uintptr_t end = 0;
  SiteRecord* sites = nullptr;        // sorted by address
  std::size_t count = 0;
  patch::ModuleImage* image = nullptr;  // kept for veneers and re-scans
};

class SiteTable {
 public:
  static constexpr std::size_t kMaxModules = 4096;

  // Under the tracer's lock. Takes the image; returns the module index, or
  // -1 when the table is full.
  long add_module(patch::ModuleImage* image);
  void retire_module(std::size_t index);

  // Lock-free: the record of the site at `pc`, or nullptr.
  SiteRecord* find(std::uintptr_t pc) const noexcept;
  // The record whose symbol covers `address` (or that is at it), or nullptr.
  SiteRecord* find_covering(std::uintptr_t address) const noexcept;

  std::size_t site_count() const noexcept { return site_count_.load(std::memory_order_acquire); }
  SiteRecord* by_id(std::size_t id) const noexcept;

  std::size_t module_count() const noexcept { return module_count_.load(std::memory_order_acquire); }
  ModuleRecord& module(std::size_t i) noexcept { return modules_[i]; }
  const ModuleRecord& module(std::size_t i) const noexcept { return modules_[i]; }

 private:
  static constexpr std::size_t kChunkBits = 16;
  static constexpr std::size_t kChunkSize = std::size_t{1} << kChunkBits;
  static constexpr std::size_t kMaxChunks = 256;  // 16 Mi sites

  ModuleRecord modules_[kMaxModules];
  std::atomic<std::size_t> module_count_{0};
  std::atomic<SiteRecord**> chunks_[kMaxChunks] = {};
  std::atomic<std::size_t> site_count_{0};
};

SiteTable& sites() noexcept;

// How a site is named to people: demangled, else as in the ELF file.
inline const char* display_name(const Site& s) noexcept { return s.name[0] ? s.name : s.mangled; }

}  // namespace ariadne::trace::detail
