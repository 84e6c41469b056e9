// AArch64: the register frame's fields as the trampolines name them, and the
// context switch's frame (src/arch/aarch64/switch.S). Included through
// arch/AsmLayout.hpp only.
#pragma once

#include <cstddef>
#include <cstdint>

#include "arch/aarch64/PreemptFrame.hpp"
#include "ariadne/trace.hpp"

namespace ariadne::arch {

// The frame ariadne_ctx_switch pushes; a suspended context is its address.
// x29/x30 first: the saved context starts with an ordinary AAPCS64 frame
// record {FP, LR}, which a frame-pointer walk and tools/gdb follow.
struct SwitchFrame {
  std::uint64_t x29;          // FP
  std::uint64_t x30;          // LR: where the context resumes
  std::uint64_t x19_x28[10];  // AAPCS64 callee-saved GPRs
  std::uint64_t d8_d15[8];    // low 64 bits of v8-v15, callee-saved
  std::uint64_t fpcr;         // rounding mode etc. travel with the fiber
  std::uint64_t pad;          // keeps SP 16-byte aligned
};
static_assert(sizeof(SwitchFrame) % 16 == 0, "SP stays 16-byte aligned across the switch");

inline constexpr AsmField kRegsFields[] = {
    {"REGS_X0", offsetof(trace::Regs, x)},
    {"REGS_X29", offsetof(trace::Regs, x) + 29 * sizeof(std::uint64_t)},
    {"REGS_X30", offsetof(trace::Regs, x) + 30 * sizeof(std::uint64_t)},
    {"REGS_SP", offsetof(trace::Regs, sp)},
    {"REGS_PC", offsetof(trace::Regs, pc)},
    {"REGS_NZCV", offsetof(trace::Regs, nzcv)},
    {"REGS_Q0", offsetof(trace::Regs, q)},
    {"REGS_D8_15", offsetof(trace::Regs, d8_15)},
    {"REGS_FPCR", offsetof(trace::Regs, fpcr)},
    {"REGS_FPSR", offsetof(trace::Regs, fpsr)},
    {"REGS_RESUME", offsetof(trace::Regs, resume)},
    {"REGS_FLAGS", offsetof(trace::Regs, flags)},
};

inline constexpr AsmField kSwitchFrameFields[] = {
    {"SF_X29", offsetof(SwitchFrame, x29)},     {"SF_X30", offsetof(SwitchFrame, x30)},
    {"SF_X19", offsetof(SwitchFrame, x19_x28)}, {"SF_D8", offsetof(SwitchFrame, d8_d15)},
    {"SF_FPCR", offsetof(SwitchFrame, fpcr)},
};

// What replay's common stub for a diverted `mrs` saves (nondet_stub.S,
// NondetInsn.hpp): every register the C++ code it calls may change, so the
// program sees only the instruction's own result. x16, x17 and x30 are the
// program's (the per-site stub pushed them before it called in).
struct NondetFrame {
  std::uint64_t x[31];  // x0-x30 as at the site, the result already in Rt
  std::uint64_t nzcv;   // RNDR reports failure in Z
  std::uint64_t fpcr;
  std::uint64_t fpsr;
  std::uint64_t back;  // the return address into the per-site stub
  std::uint64_t pad;
  unsigned __int128 q[32];  // all of v0-v31: the C++ code may use any
};
static_assert(sizeof(NondetFrame) % 16 == 0 && offsetof(NondetFrame, q) % 16 == 0, "SP and q stay aligned");

inline constexpr AsmField kNondetFrameFields[] = {
    {"NF_X0", offsetof(NondetFrame, x)},      {"NF_NZCV", offsetof(NondetFrame, nzcv)},
    {"NF_FPCR", offsetof(NondetFrame, fpcr)}, {"NF_FPSR", offsetof(NondetFrame, fpsr)},
    {"NF_BACK", offsetof(NondetFrame, back)}, {"NF_Q0", offsetof(NondetFrame, q)},
    {"NF_SIZE", sizeof(NondetFrame)},
};

// Lines the generated header carries as they are: indexed registers.
inline constexpr const char* kAsmMacros[] = {
    "#define REGS_X(n) (REGS_X0 + (n) * 8) /* x0-x30 */",
    "#define REGS_Q(n) (REGS_Q0 + (n) * 16) /* q0-q7 */",
    "#define SF_X(n) (SF_X19 + ((n) - 19) * 8) /* x19-x28 */",
    "#define SF_D(n) (SF_D8 + ((n) - 8) * 8) /* d8-d15 */",
    "#define NF_X(n) (NF_X0 + (n) * 8) /* x0-x30 */",
    "#define NF_Q(n) (NF_Q0 + (n) * 16) /* q0-q31 */",
};

}  // namespace ariadne::arch
