/* Byte offsets of ariadne::trace::Regs (include/ariadne/trace.hpp, AArch64)
 * for trampoline.S. Frame.cpp static_asserts every one against offsetof, so
 * the assembly and the C++ struct cannot drift apart. Plain #defines: this
 * header is included by both the assembler and C++. */
#ifndef ARIADNE_ARCH_AARCH64_FRAME_H
#define ARIADNE_ARCH_AARCH64_FRAME_H

#define REGS_X(n) ((n) * 8) /* x0-x30: 0x000 .. 0x0f0 */
#define REGS_X29 232
#define REGS_X30 240
#define REGS_SP 248
#define REGS_PC 256
#define REGS_NZCV 264
#define REGS_Q(n) (272 + (n) * 16) /* q0-q7: 0x110 .. 0x180 */
#define REGS_D8_15 400             /* d8-d15, 8 bytes each */
#define REGS_FPCR 464
#define REGS_FPSR 472
#define REGS_RESUME 480
#define REGS_FLAGS 488
#define REGS_SIZE 496

#endif
