// The instruction-set architectures Ariadne supports, described as data the
// core can query. What is compiled differently per architecture (switch.S,
// trampolines) lives under src/arch/<arch>/; this header is the only door to it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace ariadne::arch {

enum class Isa : std::uint8_t { x86_64, aarch64 };

inline constexpr Isa kAllIsas[] = {Isa::x86_64, Isa::aarch64};

// "x86_64" / "aarch64": the names used on the command line and in paths.
std::string_view name(Isa isa);
std::optional<Isa> from_name(std::string_view name);

// ELF e_machine of a 64-bit program -> Isa; nullopt for machines we do not run.
std::optional<Isa> from_elf_machine(std::uint16_t e_machine);

// A readable name for any ELF e_machine (for error messages): "RISC-V", "i386"...
std::string_view elf_machine_name(std::uint16_t e_machine);

// The architecture this binary was compiled for (defined in <arch>/host.cpp).
Isa host();

// Compiler and linker flags that make a program instrumentable by Ariadne.
struct InstrumentFlags {
  std::string_view cflags;
  std::string_view ldflags;
  // Added by `ariadne flags --replayable` (with libariadne-cov.so linked):
  // a tick at every basic block, for loops with no calls.
  std::string_view replayable_cflags;
};
InstrumentFlags instrument_flags(Isa isa);

// Bytes of NOPs at a function's entry that make it patchable. On AArch64 the
// function's DWARF range begins after them (GCC's DW_AT_low_pc).
std::size_t sled_bytes(Isa isa);

// Name of the qemu-user binary that runs programs of this ISA on another host.
std::string_view qemu_user_binary(Isa isa);

}  // namespace ariadne::arch
