// Finds the loaded modules and, for each, its patch sites and their names.
// Why this shape: dl_iterate_phdr gives run-time addresses but holds the
// loader lock, so the callback only copies what it needs; the ELF work
// (elfutils, demangling) happens afterwards. Site addresses are read from the
// module's memory, not the file: __patchable_function_entries is allocated
// and the loader has already relocated it (in a PIE/DSO the file holds zeros
// plus RELATIVE relocations). Load-time only; allocates freely.
#pragma once

#include <link.h>

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "patch/ModuleImage.hpp"

namespace ariadne::patch {

// Decides from the cheap facts (path, bias, span, build id already filled in)
// whether a module is left out of the scan entirely, e.g. the runtime library
// itself (by address range). Returning true drops the module from the result.
using SkipModule = std::function<bool(const ModuleImage&)>;

// Every loaded module except the vDSO (it has no file) and those `skip`
// selects, in dl_iterate_phdr order (the main program first). Modules that
// cannot be traced are still listed, with problem set and skip = true.
std::vector<ModuleImage> scan_loaded_modules(const SkipModule& skip = {});

// One module. `loader_name` is dlpi_name ("" for the main program, which is
// then resolved through /proc/self/exe). Sites whose sled is not pristine,
// prepared or calling are dropped and named in `problem`; several problems
// are joined with '\n', each line naming the module.
ModuleImage scan_module(const char* loader_name, std::uintptr_t bias, std::span<const ElfW(Phdr)> phdrs);
inline ModuleImage scan_module(const dl_phdr_info& info) {
  return scan_module(info.dlpi_name, info.dlpi_addr, {info.dlpi_phdr, info.dlpi_phnum});
}

}  // namespace ariadne::patch
