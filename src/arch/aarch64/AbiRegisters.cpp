// AAPCS64 (6.1.1, 6.1.2): x19-x28, the frame pointer x29, SP, the low 64
// bits of v8-v15 and FPCR must be preserved by a called function. FPSR holds
// cumulative exception flags anyone may set: not compared.
#include "arch/AbiRegisters.hpp"

#include <cstddef>

// clang-format off
#include "runtime/NoLibcSyscalls.hpp"  // last: libc's syscall wrappers unusable below
// clang-format on

namespace ariadne::arch {
namespace {

using trace::Regs;
#define ARIADNE_X(n)                                           \
  {                                                            \
    "x" #n, offsetof(Regs, x) + (n)*8, 8, ~std::uint64_t { 0 } \
  }
#define ARIADNE_D(n)                                                     \
  {                                                                      \
    "d" #n, offsetof(Regs, d8_15) + ((n)-8) * 8, 8, ~std::uint64_t { 0 } \
  }
const AbiRegister kRegisters[] = {
    ARIADNE_X(19), ARIADNE_X(20), ARIADNE_X(21),
    ARIADNE_X(22), ARIADNE_X(23), ARIADNE_X(24),
    ARIADNE_X(25), ARIADNE_X(26), ARIADNE_X(27),
    ARIADNE_X(28), ARIADNE_X(29), {"sp", offsetof(Regs, sp), 8, ~std::uint64_t{0}},
    ARIADNE_D(8),  ARIADNE_D(9),  ARIADNE_D(10),
    ARIADNE_D(11), ARIADNE_D(12), ARIADNE_D(13),
    ARIADNE_D(14), ARIADNE_D(15), {"fpcr", offsetof(Regs, fpcr), 8, ~std::uint64_t{0}},
};
#undef ARIADNE_X
#undef ARIADNE_D
static_assert(sizeof kRegisters / sizeof kRegisters[0] <= kMaxAbiRegisters);

const AbiRules kRules = {kRegisters, sizeof kRegisters / sizeof kRegisters[0],
                         "SP misaligned at entry (AAPCS64 5.2.2.1: SP mod 16 = 0 at a public interface)"};

}  // namespace

const AbiRules& abi_rules() noexcept { return kRules; }

bool entry_stack_aligned(const trace::Frame& frame) noexcept { return (frame.sp & 15) == 0; }

std::uintptr_t frame_record(const trace::Frame& frame) noexcept { return frame.x[29]; }

}  // namespace ariadne::arch
