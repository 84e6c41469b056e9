// x86-64: the register frame's fields as the trampolines name them, and the
// context switch's frame (src/arch/x86_64/switch.S). Included through
// arch/AsmLayout.hpp only.
#pragma once

#include <cstddef>
#include <cstdint>

#include "arch/x86_64/PreemptFrame.hpp"
#include "ariadne/trace.hpp"

namespace ariadne::arch {

// The frame ariadne_ctx_switch pushes (rbp first, so it sits next to the
// return address as in a normal frame); a suspended context is its address.
struct SwitchFrame {
  std::uint32_t mxcsr;  // FP control state travels with the fiber
  std::uint16_t x87cw;
  std::uint16_t pad;
  std::uint64_t r15, r14, r13, r12, rbx;  // SysV callee-saved GPRs
  std::uint64_t rbp;                      // saved frame pointer
  std::uint64_t rip;                      // where the context resumes
};
static_assert(sizeof(SwitchFrame) % 16 == 0, "RSP stays 16-byte aligned across the switch");

#define ARIADNE_REGS_FIELD(macro, field) \
  { #macro, offsetof(trace::Regs, field) }
inline constexpr AsmField kRegsFields[] = {
    ARIADNE_REGS_FIELD(REGS_RDI, rdi),       ARIADNE_REGS_FIELD(REGS_RSI, rsi),
    ARIADNE_REGS_FIELD(REGS_RDX, rdx),       ARIADNE_REGS_FIELD(REGS_RCX, rcx),
    ARIADNE_REGS_FIELD(REGS_R8, r8),         ARIADNE_REGS_FIELD(REGS_R9, r9),
    ARIADNE_REGS_FIELD(REGS_RAX, rax),       ARIADNE_REGS_FIELD(REGS_RBX, rbx),
    ARIADNE_REGS_FIELD(REGS_RBP, rbp),       ARIADNE_REGS_FIELD(REGS_R10, r10),
    ARIADNE_REGS_FIELD(REGS_R11, r11),       ARIADNE_REGS_FIELD(REGS_R12, r12),
    ARIADNE_REGS_FIELD(REGS_R13, r13),       ARIADNE_REGS_FIELD(REGS_R14, r14),
    ARIADNE_REGS_FIELD(REGS_R15, r15),       ARIADNE_REGS_FIELD(REGS_RSP, rsp),
    ARIADNE_REGS_FIELD(REGS_PC, pc),         ARIADNE_REGS_FIELD(REGS_RFLAGS, rflags),
    ARIADNE_REGS_FIELD(REGS_XMM, xmm),       ARIADNE_REGS_FIELD(REGS_MXCSR, mxcsr),
    ARIADNE_REGS_FIELD(REGS_X87CW, x87cw),   ARIADNE_REGS_FIELD(REGS_PAD0, pad0),
    ARIADNE_REGS_FIELD(REGS_RESUME, resume), ARIADNE_REGS_FIELD(REGS_FLAGS, flags),
};
#undef ARIADNE_REGS_FIELD

#define ARIADNE_SWITCH_FIELD(macro, field) \
  { #macro, offsetof(SwitchFrame, field) }
inline constexpr AsmField kSwitchFrameFields[] = {
    ARIADNE_SWITCH_FIELD(SF_MXCSR, mxcsr), ARIADNE_SWITCH_FIELD(SF_X87CW, x87cw),
    ARIADNE_SWITCH_FIELD(SF_R15, r15),     ARIADNE_SWITCH_FIELD(SF_R14, r14),
    ARIADNE_SWITCH_FIELD(SF_R13, r13),     ARIADNE_SWITCH_FIELD(SF_R12, r12),
    ARIADNE_SWITCH_FIELD(SF_RBX, rbx),     ARIADNE_SWITCH_FIELD(SF_RBP, rbp),
    ARIADNE_SWITCH_FIELD(SF_RIP, rip),
};
#undef ARIADNE_SWITCH_FIELD

// x86-64 diverts nondeterministic instructions through SIGTRAP (the
// signal's ucontext is the frame): no frame of its own.
inline constexpr AsmField kNondetFrameFields[] = {{"NF_NONE", 0}};

// Lines the generated header carries as they are.
inline constexpr const char* kAsmMacros[] = {
    "/* xmm<n> at REGS_XMM + 16 * n, 16-byte aligned */",
};

}  // namespace ariadne::arch
