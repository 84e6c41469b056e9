// What the ABI checker (src/abi) compares, per architecture: the registers a
// called function must give back as it found them, and the stack alignment
// a call must arrive with. One table per architecture
// (src/arch/<arch>/AbiRegisters.cpp); the checker itself is arch-neutral.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "ariadne/trace.hpp"

namespace ariadne::arch {

// One callee-saved register (or the preserved part of one): `size` bytes at
// `offset` in trace::Regs, compared under `mask`.
struct AbiRegister {
  const char* name;
  std::uint16_t offset;
  std::uint8_t size;
  std::uint64_t mask;
};

// The checker keeps the entry values of every register in the call's
// 192-byte call_data() next to two words of its own.
inline constexpr std::size_t kMaxAbiRegisters = 22;

struct AbiRules {
  const AbiRegister* registers;
  std::size_t count;
  const char* misaligned_entry;  // the rule an unaligned entry SP breaks, with the ABI's section
};
const AbiRules& abi_rules() noexcept;

inline std::uint64_t read_register(const AbiRegister& r, const trace::Frame& frame) noexcept {
  std::uint64_t v = 0;
  std::memcpy(&v, reinterpret_cast<const unsigned char*>(static_cast<const trace::Regs*>(&frame)) + r.offset,
              r.size);
  return v & r.mask;
}

// At function entry: does SP have the alignment the ABI promises callees?
bool entry_stack_aligned(const trace::Frame& frame) noexcept;

// The caller's frame record at entry (x29 / rbp). Both ABIs lay a record out
// as {previous record, return address}, which is what the checker walks.
std::uintptr_t frame_record(const trace::Frame& frame) noexcept;

}  // namespace ariadne::arch
