// See VeneerPool.hpp. A veneer address v is usable when call_reaches holds
// from the module's first and from its last site: the reachable window is
// one interval, so the two ends stand for every site in between. Candidate
// pages are tried just below the module and just above it, alternately,
// stepping further away until a step would leave the call's reach.
#include "patch/VeneerPool.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "arch/CodePatch.hpp"

// clang-format off
#include "runtime/NoLibcSyscalls.hpp"  // last: libc's syscall wrappers unusable below
// clang-format on

namespace ariadne::patch {
namespace {

std::uintptr_t page_size() {
  static const std::uintptr_t size = static_cast<std::uintptr_t>(sysconf(_SC_PAGESIZE));
  return size;
}

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

constexpr unsigned kAttemptsPerSide = 64;  // bounded: QEMU may move every one of them

}  // namespace

VeneerPool::~VeneerPool() {
  for (const ModuleVeneers& module : modules_)
    for (const Page& page : module.pages) sys_munmap(reinterpret_cast<void*>(page.base), page_size());
}

VeneerPool::ModuleVeneers* VeneerPool::find(const ModuleImage& module) {
  for (ModuleVeneers& entry : modules_)
    if (entry.module_lowest == module.lowest) return &entry;
  return nullptr;
}

std::size_t VeneerPool::pages_of(const ModuleImage& module) const {
  for (const ModuleVeneers& entry : modules_)
    if (entry.module_lowest == module.lowest) return entry.pages.size();
  return 0;
}

std::uintptr_t VeneerPool::map_near(const ModuleVeneers& owner, std::string* error) {
  const std::uintptr_t page = page_size();
  const std::uintptr_t reach = arch::call_reach();
  auto reachable = [&](std::uintptr_t base) {
    const std::uintptr_t last = base + page - arch::veneer_size();
    return arch::call_reaches(owner.reach_low, base) && arch::call_reaches(owner.reach_high, base) &&
           arch::call_reaches(owner.reach_low, last) && arch::call_reaches(owner.reach_high, last);
  };
  // Steps are page multiples, coarse enough that the attempts span the reach.
  const std::uintptr_t step = std::max(page, (reach / kAttemptsPerSide) & ~(page - 1));
  // Start right outside the module's own mappings, where a hint can succeed.
  const std::uintptr_t below = (owner.module_lowest & ~(page - 1)) - page;
  const std::uintptr_t above = (owner.module_highest + page - 1) & ~(page - 1);
  int last_errno = 0;
  for (unsigned attempt = 0; attempt < 2 * kAttemptsPerSide; ++attempt) {
    const std::uintptr_t distance = (attempt / 2) * step;
    const bool down = attempt % 2 == 0;
    if (down && below < distance) continue;
    const std::uintptr_t hint = down ? below - distance : above + distance;
    if (!reachable(hint)) continue;
    void* got = sys_mmap(reinterpret_cast<void*>(hint), page, PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0, &last_errno);
    if (got == MAP_FAILED) continue;  // EEXIST: something lives there, try further away
    const auto base = reinterpret_cast<std::uintptr_t>(got);
    if (reachable(base)) return base;
    sys_munmap(got, page);  // the hint was ignored (old kernel, QEMU): not usable
  }
  if (error != nullptr) {
    char text[200];
    std::snprintf(
        text, sizeof text,
        "no page within call reach of [0x%lx, 0x%lx] could be mapped for veneers (last mmap error: %s)",
        static_cast<unsigned long>(owner.reach_low), static_cast<unsigned long>(owner.reach_high),
        last_errno != 0 ? std::strerror(last_errno) : "none, hints were moved");
    *error = text;
  }
  return 0;
}

VeneerPool::ModuleVeneers& VeneerPool::owner_of(const ModuleImage& module) {
  if (ModuleVeneers* owner = find(module)) return *owner;
  ModuleVeneers fresh{};
  fresh.module_lowest = module.lowest;
  fresh.module_highest = module.highest;
  fresh.reach_low = module.sites.empty() ? module.lowest : module.sites.front().address;
  fresh.reach_high = module.sites.empty() ? module.highest : module.sites.back().address;
  modules_.push_back(std::move(fresh));
  return modules_.back();
}

std::uintptr_t VeneerPool::veneer_for(const ModuleImage& module, std::uintptr_t target, std::string* error) {
  ModuleVeneers& owner = owner_of(module);
  for (const Veneer& veneer : owner.veneers)
    if (veneer.target == target) return veneer.address;
  const std::uintptr_t address = place(
      module, arch::veneer_size(),
      [](std::byte* at, void* ctx) {
        arch::write_veneer(at, *static_cast<std::uintptr_t*>(ctx));
        return true;
      },
      &target, error);
  if (address != 0) owner.veneers.push_back({target, address});  // place() adds no module: `owner` stands
  return address;
}

std::uintptr_t VeneerPool::place(const ModuleImage& module, std::size_t bytes, CodeWriter emit, void* ctx,
                                 std::string* error) {
  ModuleVeneers* owner = &owner_of(module);
  const std::uintptr_t page = page_size();
  const std::size_t size = (bytes + 15) & ~std::size_t{15};  // keep code 16-byte aligned
  if (size > page) return 0;
  Page* room = nullptr;
  for (Page& candidate : owner->pages)
    if (candidate.used + size <= page) room = &candidate;

  std::uintptr_t address = 0;
  if (room != nullptr) {
    // The page's other code may be running right now: keep it executable
    // while the new piece (not referenced by any site yet) is written.
    void* base = reinterpret_cast<void*>(room->base);
    if (const int rc = sys_mprotect(base, page, PROT_READ | PROT_WRITE | PROT_EXEC); rc != 0) {
      if (error != nullptr) *error = std::string("mprotect of a veneer page failed: ") + std::strerror(-rc);
      return 0;
    }
    address = room->base + room->used;
    const bool written = emit(reinterpret_cast<std::byte*>(address), ctx);
    sys_mprotect(base, page, PROT_READ | PROT_EXEC);
    if (!written) {
      if (error != nullptr) *error = "code placed near the module cannot reach its target";
      return 0;
    }
    room->used += size;
  } else {
    const std::uintptr_t base = map_near(*owner, error);
    if (base == 0) return 0;
    // A fresh page: no one executes it yet, so RW then R-X (never W+X).
    const bool written = emit(reinterpret_cast<std::byte*>(base), ctx);
    const int rc = written ? sys_mprotect(reinterpret_cast<void*>(base), page, PROT_READ | PROT_EXEC) : 0;
    if (!written || rc != 0) {
      if (error != nullptr)
        *error = written ? std::string("mprotect of a veneer page failed: ") + std::strerror(-rc)
                         : "code placed near the module cannot reach its target";
      sys_munmap(reinterpret_cast<void*>(base), page);
      return 0;
    }
    owner->pages.push_back({base, size});
    address = base;
  }
  __builtin___clear_cache(reinterpret_cast<char*>(address), reinterpret_cast<char*>(address + size));
  return address;
}

void VeneerPool::release(const ModuleImage& module) {
  auto entry = std::find_if(modules_.begin(), modules_.end(),
                            [&](const ModuleVeneers& m) { return m.module_lowest == module.lowest; });
  if (entry == modules_.end()) return;
  for (const Page& page : entry->pages) sys_munmap(reinterpret_cast<void*>(page.base), page_size());
  modules_.erase(entry);
}

}  // namespace ariadne::patch
