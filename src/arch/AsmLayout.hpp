// What src/asmoffsets/AsmOffsets.cpp turns into asm-offsets.h for this
// architecture: the fields of trace::Regs the trampolines store, and the
// context switch's frame (SwitchFrame). One table per architecture, under
// arch/; the generator is arch-neutral.
#pragma once

#include <cstddef>

namespace ariadne::arch {

struct AsmField {
  const char* name;    // the macro the assembly uses
  std::size_t offset;  // offsetof in the C++ struct
};

}  // namespace ariadne::arch

#if defined(__aarch64__)
#include "arch/aarch64/AsmLayout.hpp"
#elif defined(__x86_64__)
#include "arch/x86_64/AsmLayout.hpp"
#else
#error "arch/AsmLayout.hpp: AArch64 or x86-64 only"
#endif
