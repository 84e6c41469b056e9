#include "trace/SiteTable.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>

#include "arch/CodePatch.hpp"

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

// Binary search in a module's sorted records.
SiteRecord* search(const ModuleRecord& m, std::uintptr_t pc) noexcept {
  std::size_t lo = 0, hi = m.count;
  while (lo < hi) {
    const std::size_t mid = lo + (hi - lo) / 2;
    const std::uintptr_t a = m.sites[mid].site.address;
    if (a == pc) return &m.sites[mid];
    if (a < pc) lo = mid + 1; else hi = mid;
  }
  return nullptr;
}

}  // namespace

SiteTable& sites() noexcept {
  static SiteTable table;
  return table;
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
    r.site.module = module_path;
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
  m.live.store(true, std::memory_order_release);
  site_count_.store(first_id + n, std::memory_order_release);
  module_count_.store(index + 1, std::memory_order_release);
  return static_cast<long>(index);
}

void SiteTable::retire_module(std::size_t index) {
  ModuleRecord& m = modules_[index];
  m.live.store(false, std::memory_order_release);
  for (std::size_t i = 0; i < m.count; ++i) {
    m.sites[i].enabled.store(false, std::memory_order_relaxed);
    m.sites[i].site.loaded = false;
    m.sites[i].site.address = 0;
  }
}

SiteRecord* SiteTable::find(std::uintptr_t pc) const noexcept {
  // One-entry cache per thread: calls cluster in a module.
  static thread_local std::size_t last = 0;
  const std::size_t n = module_count_.load(std::memory_order_acquire);
  if (last < n) {
    const ModuleRecord& m = modules_[last];
    if (m.live.load(std::memory_order_acquire) && pc >= m.first_site && pc < m.end) return search(m, pc);
  }
  for (std::size_t i = 0; i < n; ++i) {
    const ModuleRecord& m = modules_[i];
    if (!m.live.load(std::memory_order_acquire) || pc < m.first_site || pc >= m.end) continue;
    last = i;
    return search(m, pc);
  }
  return nullptr;
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
