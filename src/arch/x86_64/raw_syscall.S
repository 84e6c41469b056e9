/* long ariadne_raw_syscall(long nr, long a0, long a1, long a2, long a3,
 *                          long a4, long a5)  (src/arch/RawSyscall.hpp)
 *
 * The preloaded runtime's only way into the kernel: the result is the
 * kernel's own, -errno on failure (-4095..-1), and errno is never written,
 * so a runtime slow path inside a traced call cannot leave its failures in
 * the program's errno the way libc's wrappers do. The replay subsystem will
 * exempt this one instruction from interception (docs/replay.md).
 *
 * SysV call -> syscall: nr rdi -> rax; a0..a5 rsi, rdx, rcx, r8, r9, [rsp+8]
 * -> rdi, rsi, rdx, r10, r8, r9. The kernel clobbers rcx and r11 only.
 * No frame: a leaf that touches only caller-saved registers. */

#include "asm.h"
        .text
        .globl  ariadne_raw_syscall
        .hidden ariadne_raw_syscall     /* the runtime's own: not exported */
        .type   ariadne_raw_syscall, @function
        .balign 16
ariadne_raw_syscall:
        .cfi_startproc
        endbr64                 /* landing pad: callers may use IBT */
        movq    %rdi, %rax
        movq    %rsi, %rdi
        movq    %rdx, %rsi
        movq    %rcx, %rdx
        movq    %r8, %r10
        movq    %r9, %r8
        movq    8(%rsp), %r9
        syscall
        ret
        .cfi_endproc
        .size   ariadne_raw_syscall, . - ariadne_raw_syscall

/* GNU property note: IBT (endbr64 above) and SHSTK (plain call/ret only). */
	ariadne_object_notes (GNU_PROPERTY_X86_FEATURE_1_IBT | GNU_PROPERTY_X86_FEATURE_1_SHSTK)
