/* long ariadne_raw_syscall(long nr, long a0, long a1, long a2, long a3,
 *                          long a4, long a5)  (src/arch/RawSyscall.hpp)
 *
 * The preloaded runtime's only way into the kernel: the result is the
 * kernel's own, -errno on failure (-4095..-1), and errno is never written,
 * so a runtime slow path inside a traced call cannot leave its failures in
 * the program's errno the way libc's wrappers do. The replay subsystem will
 * exempt this one `svc #0` from its rewriting (docs/replay.md).
 *
 * AAPCS64 call -> svc: nr x0 -> x8; a0..a5 x1..x6 -> x0..x5; result x0.
 * No frame: a leaf that touches only x0..x8. */

#include "asm.h"
        .text
        .globl  ariadne_raw_syscall
        .hidden ariadne_raw_syscall     /* the runtime's own: not exported */
        .type   ariadne_raw_syscall, %function
        .balign 16
ariadne_raw_syscall:
        .cfi_startproc
        bti     c
        mov     x8, x0
        mov     x0, x1
        mov     x1, x2
        mov     x2, x3
        mov     x3, x4
        mov     x4, x5
        mov     x5, x6
        svc     #0
        ret
        .cfi_endproc
        .size   ariadne_raw_syscall, . - ariadne_raw_syscall

	ariadne_object_notes (GNU_PROPERTY_AARCH64_FEATURE_1_BTI | GNU_PROPERTY_AARCH64_FEATURE_1_PAC)
