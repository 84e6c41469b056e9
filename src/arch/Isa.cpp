#include "arch/Isa.hpp"

#include <elf.h>

namespace ariadne::arch {

namespace {

struct IsaInfo {
  Isa isa;
  std::string_view name;
  std::uint16_t elf_machine;
  InstrumentFlags flags;  // defined once, in cmake/AriadneTarget.cmake
  std::string_view qemu;
  std::size_t sled_bytes;  // the patchable entry's NOPs (-fpatchable-function-entry=N)
};

constexpr IsaInfo kIsas[] = {
    {Isa::x86_64,
     "x86_64",
     EM_X86_64,
     {ARIADNE_INSTRUMENT_CFLAGS_X86_64, ARIADNE_INSTRUMENT_LDFLAGS, ARIADNE_REPLAYABLE_CFLAGS},
     "qemu-x86_64",
     5},
    {Isa::aarch64,
     "aarch64",
     EM_AARCH64,
     {ARIADNE_INSTRUMENT_CFLAGS_AARCH64, ARIADNE_INSTRUMENT_LDFLAGS, ARIADNE_REPLAYABLE_CFLAGS},
     "qemu-aarch64",
     8},
};

const IsaInfo& info(Isa isa) {
  for (const auto& i : kIsas)
    if (i.isa == isa) return i;
  __builtin_unreachable();
}

}  // namespace

std::string_view name(Isa isa) { return info(isa).name; }

std::optional<Isa> from_name(std::string_view n) {
  for (const auto& i : kIsas)
    if (i.name == n) return i.isa;
  if (n == "arm64") return Isa::aarch64;
  if (n == "amd64" || n == "x86-64") return Isa::x86_64;
  return std::nullopt;
}

std::optional<Isa> from_elf_machine(std::uint16_t m) {
  for (const auto& i : kIsas)
    if (i.elf_machine == m) return i.isa;
  return std::nullopt;
}

std::string_view elf_machine_name(std::uint16_t m) {
  switch (m) {
    case EM_386:
      return "i386";
    case EM_X86_64:
      return "x86-64";
    case EM_ARM:
      return "32-bit ARM";
    case EM_AARCH64:
      return "AArch64";
    case EM_RISCV:
      return "RISC-V";
    case EM_PPC:
      return "PowerPC";
    case EM_PPC64:
      return "PowerPC64";
    case EM_S390:
      return "s390";
    case EM_MIPS:
      return "MIPS";
    case EM_SPARCV9:
      return "SPARC v9";
    case EM_LOONGARCH:
      return "LoongArch";
    case EM_BPF:
      return "BPF";
    default:
      return "unknown machine";
  }
}

InstrumentFlags instrument_flags(Isa isa) { return info(isa).flags; }

std::string_view qemu_user_binary(Isa isa) { return info(isa).qemu; }
std::size_t sled_bytes(Isa isa) { return info(isa).sled_bytes; }

}  // namespace ariadne::arch
