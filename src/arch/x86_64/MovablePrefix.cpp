// x86-64: instructions are decoded with capstone (variable length); one with
// a RIP-relative memory operand or any branch, call or return ends the
// search, as does an undecodable byte.
#include "arch/MovablePrefix.hpp"

#include <capstone/capstone.h>

#include <cstdint>

namespace ariadne::arch {

namespace {
bool runs_anywhere(const cs_insn& insn) {
  for (std::uint8_t i = 0; i < insn.detail->groups_count; ++i) {
    const std::uint8_t g = insn.detail->groups[i];
    if (g == CS_GRP_JUMP || g == CS_GRP_CALL || g == CS_GRP_RET || g == CS_GRP_BRANCH_RELATIVE ||
        g == CS_GRP_INT || g == CS_GRP_IRET)
      return false;
  }
  const cs_x86& x86 = insn.detail->x86;
  for (std::uint8_t i = 0; i < x86.op_count; ++i)
    if (x86.operands[i].type == X86_OP_MEM && x86.operands[i].mem.base == X86_REG_RIP) return false;
  return true;
}
}  // namespace

std::size_t movable_prefix(const std::byte* code, std::size_t size, std::size_t at_least) noexcept {
  csh handle = 0;
  if (cs_open(CS_ARCH_X86, CS_MODE_64, &handle) != CS_ERR_OK) return 0;
  cs_option(handle, CS_OPT_DETAIL, CS_OPT_ON);
  cs_insn* insn = cs_malloc(handle);
  const auto* p = reinterpret_cast<const std::uint8_t*>(code);
  std::size_t left = size;
  std::uint64_t address = reinterpret_cast<std::uintptr_t>(code);
  std::size_t covered = 0;
  while (covered < at_least && cs_disasm_iter(handle, &p, &left, &address, insn) && runs_anywhere(*insn))
    covered += insn->size;
  cs_free(insn, 1);
  cs_close(&handle);
  return covered >= at_least ? covered : 0;
}

}  // namespace ariadne::arch
