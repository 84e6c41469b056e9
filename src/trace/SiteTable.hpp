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
  Site site;  // the public view handed to handlers
  std::atomic<bool> enabled{false};
  // Pinned sites (Tracer.hpp pin_sites): patched, but only the tick handler
  // runs at their calls; enable/disable then flip this instead of the code.
  std::atomic<bool> muted{false};
  std::uint32_t module = 0;         // index into SiteTable's modules
  std::uintptr_t symbol_start = 0;  // [start, end) of the covering symbol
  std::uintptr_t symbol_end = 0;
  std::uintptr_t stub = 0;  // x86-64 site stub (arch::write_site_stub), made once; 0: none
};

struct ModuleRecord {
  std::atomic<bool> live{false};
  std::uintptr_t first_site = 0;  // [first_site, end) covers every site
  std::uintptr_t end = 0;
  SiteRecord* sites = nullptr;  // sorted by address
  std::size_t count = 0;
  patch::ModuleImage* image = nullptr;  // kept for veneers and re-scans
};

// The dispatcher's index: site address -> record, open addressing, at most
// half full. Published whole (release); slots are only ever filled in place
// (pc stored last, release), so readers need no lock. Retiring a module
// publishes a new index without its sites; old indexes are never freed
// (readers may still be in them), which costs memory only at dlclose.
struct SiteIndex {
  struct Slot {
    std::atomic<std::uintptr_t> pc;  // 0: empty
    SiteRecord* record;
  };
  unsigned shift;    // 64 - log2(slot count)
  std::size_t mask;  // slot count - 1
  std::size_t used;  // writer only
  Slot slots[1];     // mask + 1 of them

  // Fibonacci hashing; the fused paths probe with the same constant (SI_HASH).
  static constexpr std::uint64_t kHash = 0x9e3779b97f4a7c15ull;
  static std::size_t home(std::uintptr_t pc, unsigned shift) noexcept {
    return static_cast<std::size_t>((pc * kHash) >> shift);
  }
  SiteRecord* find(std::uintptr_t pc) const noexcept {
    for (std::size_t i = home(pc, shift);; i = (i + 1) & mask) {
      const std::uintptr_t a = slots[i].pc.load(std::memory_order_acquire);
      if (a == pc) return slots[i].record;
      if (a == 0) return nullptr;
    }
  }
};

class SiteTable {
 public:
  static constexpr std::size_t kMaxModules = 4096;

  // Under the tracer's lock. Takes the image; returns the module index, or
  // -1 when the table is full.
  long add_module(patch::ModuleImage* image);
  void retire_module(std::size_t index);

  // Lock-free: the record of the site at `pc` in a loaded module, or nullptr.
  SiteRecord* find(std::uintptr_t pc) const noexcept {
    const SiteIndex* index = index_.load(std::memory_order_acquire);
    return index != nullptr && pc != 0 ? index->find(pc) : nullptr;
  }
  // The record whose symbol covers `address` (or that is at it), or nullptr.
  SiteRecord* find_covering(std::uintptr_t address) const noexcept;

  std::size_t site_count() const noexcept { return site_count_.load(std::memory_order_acquire); }
  SiteRecord* by_id(std::size_t id) const noexcept;

  // Where the index pointer lives (asm-offsets.h ST_INDEX: the fused paths
  // in assembly probe the index themselves).
  static constexpr std::size_t index_offset() noexcept { return offsetof(SiteTable, index_); }

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
  std::atomic<SiteIndex*> index_{nullptr};

  // Under the lock: index the live modules' sites (all of them again when
  // `rebuild`, else only module `added`); false when out of memory.
  bool reindex(bool rebuild, std::size_t added);
};

// Constant-initialised and never destroyed: traced calls may run before
// any constructor and after every destructor.
// Named for the fused paths in assembly (asm-offsets.h).
extern SiteTable g_site_table asm("ariadne_trace_site_table");
inline SiteTable& sites() noexcept { return g_site_table; }

// How a site is named to people: demangled, else as in the ELF file.
inline const char* display_name(const Site& s) noexcept { return s.name[0] ? s.name : s.mangled; }

}  // namespace ariadne::trace::detail
