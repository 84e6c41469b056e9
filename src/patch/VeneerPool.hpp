// Veneers for modules too far from the trampoline for a direct call
// (AArch64 BL reaches +-128 MiB; a DSO mapped at 0x7f.. and a PIE at 0x55..
// are much further apart). Why a pool per module: every site of a module
// must reach the same veneer, so it is placed in pages mapped right next to
// that module, and those pages go away with the module at dlclose. Mapping
// hints are checked, never trusted: QEMU user mode ignores
// MAP_FIXED_NOREPLACE and may put the mapping anywhere.
//
// Not a hot path; not thread-safe: the caller serializes (the trace core's
// patch lock).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "patch/ModuleImage.hpp"

namespace ariadne::patch {

class VeneerPool {
 public:
  VeneerPool() = default;
  VeneerPool(const VeneerPool&) = delete;
  VeneerPool& operator=(const VeneerPool&) = delete;
  // Unmaps everything: only when no site can call a veneer any more.
  ~VeneerPool();

  // The address of a veneer that jumps to `target` and that every site of
  // `module` reaches with a direct call (arch::call_reaches); the same
  // address for the same (module, target) every time. 0 if no reachable
  // page could be mapped; then *error (if given) says why.
  std::uintptr_t veneer_for(const ModuleImage& module, std::uintptr_t target, std::string* error = nullptr);

  // Room for `size` bytes of code that every site of `module` reaches
  // directly (x86-64 site stubs), written by `write(at, ctx)` while the page
  // is writable; the address, or 0 if no page could be had or `write`
  // refused (then *error, if given, says why).
  using CodeWriter = bool (*)(std::byte* at, void* ctx);
  std::uintptr_t place(const ModuleImage& module, std::size_t size, CodeWriter write, void* ctx,
                       std::string* error = nullptr);

  // Unmaps the veneers of `module` (after dlclose, once its sites are gone).
  void release(const ModuleImage& module);

  // Pages currently mapped for `module` (tests, diagnostics).
  std::size_t pages_of(const ModuleImage& module) const;

 private:
  struct Veneer {
    std::uintptr_t target;
    std::uintptr_t address;
  };
  struct Page {
    std::uintptr_t base;
    std::size_t used;  // bytes of veneers written from base
  };
  struct ModuleVeneers {
    std::uintptr_t module_lowest;  // identifies the module while it is loaded
    std::uintptr_t module_highest;
    std::uintptr_t reach_low;  // first and last site (or the module span)
    std::uintptr_t reach_high;
    std::vector<Page> pages;
    std::vector<Veneer> veneers;
  };

  ModuleVeneers* find(const ModuleImage& module);
  ModuleVeneers& owner_of(const ModuleImage& module);
  std::uintptr_t map_near(const ModuleVeneers& owner, std::string* error);

  std::vector<ModuleVeneers> modules_;
};

}  // namespace ariadne::patch
