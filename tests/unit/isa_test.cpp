#include "arch/Isa.hpp"

#include <elf.h>
#include <gtest/gtest.h>

#include <string>

using namespace ariadne::arch;

TEST(Isa, NamesRoundTrip) {
  for (Isa isa : kAllIsas) EXPECT_EQ(from_name(name(isa)), isa);
  EXPECT_EQ(from_name("arm64"), Isa::aarch64);
  EXPECT_EQ(from_name("riscv64"), std::nullopt);
}

TEST(Isa, ElfMachines) {
  EXPECT_EQ(from_elf_machine(EM_AARCH64), Isa::aarch64);
  EXPECT_EQ(from_elf_machine(EM_X86_64), Isa::x86_64);
  EXPECT_EQ(from_elf_machine(EM_RISCV), std::nullopt);
  EXPECT_EQ(elf_machine_name(EM_RISCV), "RISC-V");
  EXPECT_EQ(elf_machine_name(EM_386), "i386");
}

TEST(Isa, InstrumentFlagsHavePatchableEntries) {
  EXPECT_NE(std::string(instrument_flags(Isa::aarch64).cflags).find("-fpatchable-function-entry=2"),
            std::string::npos);
  EXPECT_NE(std::string(instrument_flags(Isa::x86_64).cflags).find("-fpatchable-function-entry=5"),
            std::string::npos);
}
