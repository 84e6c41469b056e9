#include "trace/SiteTable.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <new>

#include "arch/CodePatch.hpp"

// clang-format off
#include "runtime/NoLibcSyscalls.hpp"  // last: libc's syscall wrappers unusable below
// clang-format on

namespace ariadne::trace::detail {

namespace {

// malloc, not nothrow new: the latter drags libstdc++'s catch machinery
// (__cxa_begin_catch) into the runtime, and the runtime interposes that.
const char* keep(const std::string& s) {
  auto* p = static_cast<char*>(std::malloc(s.size() + 1));
  if (p == nullptr) return "";
  std::memcpy(p, s.c_str(), s.size() + 1);
  return p;
}

SiteIndex* make_index(std::size_t sites) {
  unsigned bits = 4;
  while ((std::size_t{1} << bits) < 2 * sites) ++bits;
  const std::size_t n = std::size_t{1} << bits;
  void* p = std::calloc(1, offsetof(SiteIndex, slots) + n * sizeof(SiteIndex::Slot));
  if (p == nullptr) return nullptr;
  auto* index = static_cast<SiteIndex*>(p);
  index->shift = 64 - bits;
  index->mask = n - 1;
  return index;
}

void insert(SiteIndex& index, SiteRecord& r) {
  const std::uintptr_t pc = r.site.address;
  for (std::size_t i = SiteIndex::home(pc, index.shift);; i = (i + 1) & index.mask) {
    SiteIndex::Slot& slot = index.slots[i];
    const std::uintptr_t a = slot.pc.load(std::memory_order_relaxed);
    if (a == pc) {
      slot.record = &r;  // a retired module's site (reindexing at its retirement failed)
      return;
    }
    if (a == 0) {
      slot.record = &r;
      slot.pc.store(pc, std::memory_order_release);
      ++index.used;
      return;
    }
  }
}

}  // namespace

constinit SiteTable g_site_table;

bool SiteTable::reindex(bool rebuild, std::size_t added) {
  SiteIndex* current = index_.load(std::memory_order_relaxed);
  std::size_t live = 0;
  // `added` is not counted in module_count_ yet.
  const std::size_t modules = std::max(module_count_.load(std::memory_order_relaxed),
                                       added < kMaxModules ? added + 1 : std::size_t{0});
  for (std::size_t i = 0; i < modules; ++i) {
    if (i == added || modules_[i].live.load(std::memory_order_relaxed)) live += modules_[i].count;
  }
  if (!rebuild && current != nullptr && 2 * live <= current->mask + 1) {
    for (std::size_t k = 0; k < modules_[added].count; ++k) insert(*current, modules_[added].sites[k]);
    return true;
  }
  SiteIndex* index = make_index(live);
  if (index == nullptr) return false;
  for (std::size_t i = 0; i < modules; ++i) {
    if (i != added && !modules_[i].live.load(std::memory_order_relaxed)) continue;
    for (std::size_t k = 0; k < modules_[i].count; ++k) insert(*index, modules_[i].sites[k]);
  }
  index_.store(index, std::memory_order_release);
  return true;
}

long SiteTable::add_module(patch::ModuleImage* image) {
  const std::size_t index = module_count_.load(std::memory_order_relaxed);
  if (index >= kMaxModules) return -1;
  const std::size_t n = image->sites.size();
  const std::size_t first_id = site_count_.load(std::memory_order_relaxed);
  if (first_id + n > kMaxChunks * kChunkSize) return -1;
  void* storage = std::calloc(n == 0 ? 1 : n, sizeof(SiteRecord));
  if (storage == nullptr) return -1;
  auto* records = static_cast<SiteRecord*>(storage);
  for (std::size_t i = 0; i < (n == 0 ? 1 : n); ++i) new (&records[i]) SiteRecord;
  const char* module_path = keep(image->path);
  for (std::size_t i = 0; i < n; ++i) {
    const patch::SiteSymbol& s = image->sites[i];
    SiteRecord& r = records[i];
    r.site.address = s.address;
    r.site.name = keep(s.name);
    r.site.mangled = keep(s.mangled);
    r.site.module = s.library.empty() ? module_path : keep(s.library);
    r.site.id = static_cast<std::uint32_t>(first_id + i);
    r.site.loaded = true;
    r.module = static_cast<std::uint32_t>(index);
    r.symbol_start = s.symbol_start;
    r.symbol_end = s.symbol_end;
    const std::size_t id = first_id + i;
    SiteRecord** chunk = chunks_[id >> kChunkBits].load(std::memory_order_relaxed);
    if (chunk == nullptr) {
      chunk = static_cast<SiteRecord**>(std::calloc(kChunkSize, sizeof(SiteRecord*)));
      if (chunk == nullptr) return -1;
      chunks_[id >> kChunkBits].store(chunk, std::memory_order_release);
    }
    chunk[id & (kChunkSize - 1)] = &r;
  }
  ModuleRecord& m = modules_[index];
  m.sites = records;
  m.count = n;
  m.first_site = n ? records[0].site.address : 0;
  m.end = n ? records[n - 1].site.address + arch::sled_size() : 0;
  m.image = image;
  if (!reindex(false, index)) return -1;
  m.live.store(true, std::memory_order_release);
  site_count_.store(first_id + n, std::memory_order_release);
  module_count_.store(index + 1, std::memory_order_release);
  return static_cast<long>(index);
}

void SiteTable::retire_module(std::size_t index) {
  ModuleRecord& m = modules_[index];
  m.live.store(false, std::memory_order_release);
  // The module's addresses may be reused by the next one loaded.
  (void)reindex(true, kMaxModules);
  for (std::size_t i = 0; i < m.count; ++i) {
    m.sites[i].enabled.store(false, std::memory_order_relaxed);
    m.sites[i].site.loaded = false;
    m.sites[i].site.address = 0;
  }
}

SiteRecord* SiteTable::find_covering(std::uintptr_t address) const noexcept {
  if (SiteRecord* exact = find(address)) return exact;
  const std::size_t n = module_count_.load(std::memory_order_acquire);
  for (std::size_t i = 0; i < n; ++i) {
    const ModuleRecord& m = modules_[i];
    if (!m.live.load(std::memory_order_acquire)) continue;
    for (std::size_t k = 0; k < m.count; ++k) {
      const SiteRecord& r = m.sites[k];
      if (r.symbol_start != 0 && address >= r.symbol_start && address < r.symbol_end) return &m.sites[k];
    }
  }
  return nullptr;
}

SiteRecord* SiteTable::by_id(std::size_t id) const noexcept {
  if (id >= site_count()) return nullptr;
  SiteRecord** chunk = chunks_[id >> kChunkBits].load(std::memory_order_acquire);
  return chunk ? chunk[id & (kChunkSize - 1)] : nullptr;
}

}  // namespace ariadne::trace::detail
