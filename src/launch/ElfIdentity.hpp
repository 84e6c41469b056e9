// What the launcher must know about a program before starting it: which
// architecture it is for and whether a preloaded library can reach it.
#pragma once

#include <string>

#include "arch/Isa.hpp"

namespace ariadne::launch {

struct ElfIdentity {
  arch::Isa isa;
  bool dynamic;          // has PT_INTERP: the dynamic loader will honour LD_PRELOAD
  std::string build_id;  // NT_GNU_BUILD_ID in hex, "" if the file has none
};

// Throws LaunchError("PATH: reason") for anything we cannot run: a missing or
// unreadable file, not an ELF, 32-bit, big-endian, an unsupported machine, an
// object that is not an executable.
ElfIdentity identify_elf(const std::string& path);

// The GNU build-id of any ELF file (a shared library, the dynamic loader),
// in hex, "" if it has none. Throws LaunchError("PATH: reason") for a
// missing or unreadable file, or one that is not ELF.
std::string file_build_id(const std::string& path);

}  // namespace ariadne::launch
