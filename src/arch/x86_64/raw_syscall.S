/* long ariadne_raw_syscall(long nr, long a0, long a1, long a2, long a3,
 *                          long a4, long a5)  (src/arch/RawSyscall.hpp)
 *
 * The preloaded runtime's only way into the kernel: the result is the
 * kernel's own, -errno on failure (-4095..-1), and errno is never written,
 * so a runtime slow path inside a traced call cannot leave its failures in
 * the program's errno the way libc's wrappers do. The replay subsystem will
 * exempt this one instruction from interception (docs/replay.md): with the
 * restorer below it is the range Syscall User Dispatch lets through
 * (SyscallTrap.cpp), ariadne_syscall_exempt_begin..end.
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
        .globl  ariadne_syscall_exempt_begin
        .hidden ariadne_syscall_exempt_begin
ariadne_syscall_exempt_begin:
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

/* The SIGSYS handler's return (SyscallTrap.cpp): its rt_sigreturn must be
 * made from inside the exempt range, or it would trap again. Reached by the
 * handler's ret, never called: the frame is the kernel's signal frame. */
        .globl  ariadne_syscall_trap_restorer
        .hidden ariadne_syscall_trap_restorer
        .type   ariadne_syscall_trap_restorer, @function
        .balign 16
ariadne_syscall_trap_restorer:
        .cfi_startproc
        .cfi_signal_frame
        endbr64
        movl    $15, %eax       /* __NR_rt_sigreturn */
        syscall
        ud2
        .cfi_endproc
        .size   ariadne_syscall_trap_restorer, . - ariadne_syscall_trap_restorer
        .globl  ariadne_syscall_exempt_end
        .hidden ariadne_syscall_exempt_end
ariadne_syscall_exempt_end:

/* GNU property note: IBT (endbr64 above) and SHSTK (plain call/ret only). */
	ariadne_object_notes (GNU_PROPERTY_X86_FEATURE_1_IBT | GNU_PROPERTY_X86_FEATURE_1_SHSTK)
