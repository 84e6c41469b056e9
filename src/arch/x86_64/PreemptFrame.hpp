// x86-64: the frame src/arch/x86_64/preempt.S saves on a fiber's stack when
// the fiber is preempted at a function entry (level 1; src/fiber/Preempt.hpp).
// A fiber preempted by the timer signal (level 2) is held instead by the
// kernel's signal frame (struct rt_sigframe: <asm/sigcontext.h> gregs, then
// the XSAVE image), which the kernel places below the 128-byte red zone;
// rt_sigreturn restores it.
//
// Layout, from the frame's (64-byte aligned) base; offsets reach the
// assembly as PF_* (src/asmoffsets), and tools/gdb/ariadne-fibers.py finds
// the frame of a preempted fiber through the stub's CFI:
//   gpr[0..14]  rax rbx rcx rdx rsi rdi r8 .. r15 (all but rbp and rsp: rbp
//               is the stub's frame pointer, saved above the frame with the
//               entry RSP's return address, as an ordinary frame record)
//   rflags
//   xsave       the XSAVE image (x87 incl. the control word, MXCSR, xmm0-15,
//               ymm upper halves and whatever else XCR0 enables), of the
//               size CPUID reports (ariadne_preempt_xsave_size)
#pragma once

#include <cstddef>
#include <cstdint>

namespace ariadne::arch {

struct alignas(64) PreemptFrame {
  std::uint64_t rax, rbx, rcx, rdx, rsi, rdi, r8, r9, r10, r11, r12, r13, r14, r15;
  std::uint64_t rflags;
  std::uint64_t pad[1];
  // Here: the XSAVE image, 64-byte aligned.
};
static_assert(sizeof(PreemptFrame) % 64 == 0, "XSAVE needs a 64-byte aligned image");

#define ARIADNE_PREEMPT_FIELD(macro, field) \
  { #macro, offsetof(PreemptFrame, field) }
inline constexpr AsmField kPreemptFrameFields[] = {
    ARIADNE_PREEMPT_FIELD(PF_RAX, rax),       ARIADNE_PREEMPT_FIELD(PF_RBX, rbx),
    ARIADNE_PREEMPT_FIELD(PF_RCX, rcx),       ARIADNE_PREEMPT_FIELD(PF_RDX, rdx),
    ARIADNE_PREEMPT_FIELD(PF_RSI, rsi),       ARIADNE_PREEMPT_FIELD(PF_RDI, rdi),
    ARIADNE_PREEMPT_FIELD(PF_R8, r8),         ARIADNE_PREEMPT_FIELD(PF_R9, r9),
    ARIADNE_PREEMPT_FIELD(PF_R10, r10),       ARIADNE_PREEMPT_FIELD(PF_R11, r11),
    ARIADNE_PREEMPT_FIELD(PF_R12, r12),       ARIADNE_PREEMPT_FIELD(PF_R13, r13),
    ARIADNE_PREEMPT_FIELD(PF_R14, r14),       ARIADNE_PREEMPT_FIELD(PF_R15, r15),
    ARIADNE_PREEMPT_FIELD(PF_RFLAGS, rflags),
};
#undef ARIADNE_PREEMPT_FIELD

}  // namespace ariadne::arch
