// AArch64's direct branch B (imm26, +-128 MiB) as the code that diverts one
// instruction of the program into a stub of its own writes it (an `mrs`:
// NondetInsn.cpp; an `svc #0`: SyscallTrap.cpp), and the aligned word it
// reads the program's code by.
#pragma once

#include <cstdint>
#include <cstring>

namespace ariadne::arch {

inline std::uint32_t load_word(std::uintptr_t at) {
  std::uint32_t w;
  std::memcpy(&w, reinterpret_cast<const void*>(at), sizeof w);
  return w;
}

// Can a B at `from` reach `to`?
inline bool b_reaches(std::uintptr_t from, std::uintptr_t to) {
  const auto delta = static_cast<std::int64_t>(to - from);
  return delta >= -(std::int64_t{1} << 27) && delta < (std::int64_t{1} << 27);
}

// B from `from` to `to` (the caller checked b_reaches).
inline std::uint32_t encode_b(std::uintptr_t from, std::uintptr_t to) {
  const auto delta = static_cast<std::int64_t>(to - from);
  return 0x14000000u | (static_cast<std::uint32_t>(delta >> 2) & 0x03ffffffu);
}

}  // namespace ariadne::arch
