// AArch64: the frame src/arch/aarch64/preempt.S saves on a fiber's stack
// when the fiber is preempted at a function entry (level 1;
// src/fiber/Preempt.hpp). A fiber preempted by the timer signal (level 2)
// is held instead by the kernel's signal frame (struct rt_sigframe:
// <asm/sigcontext.h> regs/sp/pc/pstate, then the fpsimd_context record with
// FPSR, FPCR and v0-v31, and SVE state when the thread uses it), which
// rt_sigreturn restores. AArch64 Linux has no red zone.
//
// Layout (offsets reach the assembly as PF_*, src/asmoffsets); the stub's
// frame record {x29, x30} sits just above it, so frame-pointer walks and the
// stub's CFI lead to the preempted function's caller:
//   x[0..28]    general registers (x29/x30 are in the frame record)
//   nzcv, fpcr, fpsr
//   q[0..31]    all 128 bits of every SIMD&FP register
#pragma once

#include <cstddef>
#include <cstdint>

namespace ariadne::arch {

struct alignas(16) PreemptFrame {
  std::uint64_t x[29];
  std::uint64_t nzcv;
  std::uint64_t fpcr;
  std::uint64_t fpsr;
  alignas(16) unsigned char q[32][16];
};
static_assert(sizeof(PreemptFrame) % 16 == 0, "SP stays 16-byte aligned");

inline constexpr AsmField kPreemptFrameFields[] = {
    {"PF_X0", offsetof(PreemptFrame, x)},      {"PF_NZCV", offsetof(PreemptFrame, nzcv)},
    {"PF_FPCR", offsetof(PreemptFrame, fpcr)}, {"PF_FPSR", offsetof(PreemptFrame, fpsr)},
    {"PF_Q0", offsetof(PreemptFrame, q)},
};

}  // namespace ariadne::arch
