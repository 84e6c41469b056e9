// System V AMD64 ABI (3.2.1, 3.2.3): rbx, rbp, r12-r15 belong to the caller,
// as do the control bits of MXCSR and the x87 control word; RSP comes back
// where the call left it. MXCSR's status flags (bits 0-5) are sticky results
// any floating-point code may set, so only bits 6-15 are compared.
#include "arch/AbiRegisters.hpp"

#include <cstddef>

// clang-format off
#include "runtime/NoLibcSyscalls.hpp"  // last: libc's syscall wrappers unusable below
// clang-format on

namespace ariadne::arch {
namespace {

using trace::Regs;
#define ARIADNE_GPR(r)                             \
  {                                                \
#r, offsetof(Regs, r), 8, ~std::uint64_t { 0 } \
  }
const AbiRegister kRegisters[] = {
    ARIADNE_GPR(rbx),
    ARIADNE_GPR(rbp),
    ARIADNE_GPR(r12),
    ARIADNE_GPR(r13),
    ARIADNE_GPR(r14),
    ARIADNE_GPR(r15),
    ARIADNE_GPR(rsp),
    {"mxcsr", offsetof(Regs, mxcsr), 4, 0xffc0},
    {"x87cw", offsetof(Regs, x87cw), 2, 0xffff},
};
#undef ARIADNE_GPR
static_assert(sizeof kRegisters / sizeof kRegisters[0] <= kMaxAbiRegisters);

const AbiRules kRules = {kRegisters, sizeof kRegisters / sizeof kRegisters[0],
                         "RSP+8 not 16-byte aligned at entry (System V AMD64 ABI 3.2.2)"};

}  // namespace

const AbiRules& abi_rules() noexcept { return kRules; }

// The call pushed the return address onto a 16-byte aligned stack.
bool entry_stack_aligned(const trace::Frame& frame) noexcept { return ((frame.rsp + 8) & 15) == 0; }

std::uintptr_t frame_record(const trace::Frame& frame) noexcept { return frame.rbp; }

}  // namespace ariadne::arch
