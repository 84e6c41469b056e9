/* Byte offsets of ariadne::trace::Regs (include/ariadne/trace.hpp, x86-64)
 * for trampoline.S. Frame.cpp static_asserts every one against offsetof, so
 * a change to the struct that is not made here too fails the build. */
#ifndef ARIADNE_ARCH_X86_64_FRAME_H
#define ARIADNE_ARCH_X86_64_FRAME_H

#define REGS_RDI 0
#define REGS_RSI 8
#define REGS_RDX 16
#define REGS_RCX 24
#define REGS_R8 32
#define REGS_R9 40
#define REGS_RAX 48
#define REGS_RBX 56
#define REGS_RBP 64
#define REGS_R10 72
#define REGS_R11 80
#define REGS_R12 88
#define REGS_R13 96
#define REGS_R14 104
#define REGS_R15 112
#define REGS_RSP 120
#define REGS_PC 128
#define REGS_RFLAGS 136
#define REGS_XMM 144 /* xmm<n> at REGS_XMM + 16 * n; 16-byte aligned */
#define REGS_MXCSR 272
#define REGS_X87CW 276
#define REGS_PAD0 278
#define REGS_RESUME 280
#define REGS_FLAGS 288
#define REGS_SIZE 304 /* a multiple of 16: the frame keeps RSP aligned */

#if !defined(__ASSEMBLER__) && defined(__cplusplus)
#include <cstdint>
namespace ariadne::arch {
// SIGTRAPs the patch trap handler (CodePatch.cpp) has resolved as transient
// int3s of toggle_live, since the process started. Diagnostics and tests.
std::uint64_t patch_traps_handled() noexcept;
// Tests only: called on the patching thread after phase 1 (int3s planted)
// and phase 2 (the other 4 bytes written) of the int3 protocol, each synced,
// so a test can run into the transient int3 deterministically. nullptr: none.
void set_int3_phase_hook(void (*hook)(unsigned phase)) noexcept;
}  // namespace ariadne::arch
#endif

#endif
