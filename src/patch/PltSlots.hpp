// The PLT slots of a module, read from its ELF file: each JUMP_SLOT
// relocation of .rela.plt with the symbol and the version it binds to, so
// the trace core can redirect the slot and resolve a still-lazy one itself
// (dlvsym) exactly as the loader would.
#pragma once

#include <gelf.h>

#include "patch/ModuleImage.hpp"

namespace ariadne::patch {

// Fills module.plt from `elf` (the module's file, open); bias applied.
void read_plt_slots(Elf* elf, ModuleImage& module);

}  // namespace ariadne::patch
