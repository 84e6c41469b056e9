/* Test-only (tests/arch/syscall_trap_test.cpp): a getpid `svc #0` with a
 * pattern in every register the kernel preserves, checked afterwards. The
 * site is rewritten like any other (SyscallTrap.hpp); whichever way the stub
 * takes (the kernel, the handler), only x0 may change.
 *
 * unsigned long ariadne_svc_torture(long *result)
 *   returns a mask of the registers that changed: bit n for xn (1-30, x8
 *   holds the number), bit 0 for NZCV, FPCR or SP; *result = x0.
 * unsigned long ariadne_svc_torture_vectors(void)
 *   the vector half, from the same call: bit n for qn (both 64-bit halves).
 *
 * Own frame (0xd0 bytes): +0x00 x29, x30  +0x10..+0x58 x19-x28
 *   +0x60..+0x98 d8-d15  +0xa0 result pointer, the caller's FPCR
 *   +0xb0 SP before the call  +0xc0 x0 and NZCV after it
 */

#include <asm/unistd.h>

#include "asm.h"
#define FRAME 0xd0
#define NZCV_PATTERN 0xa0000000	/* N and C */
#define FPCR_PATTERN 0x00c00000	/* rounding toward zero */

/* \reg = the pattern of register number \n (x: 1-30, q: 32-63). */
.macro pattern reg, n
	movz	\reg, #(0x1000 + \n)
	movk	\reg, #0xa5a5, lsl #16
	movk	\reg, #0x5a5a, lsl #32
	movk	\reg, #(0xc300 + \n), lsl #48
.endm

	.text
	.globl	ariadne_svc_torture
	.type	ariadne_svc_torture, %function
	.p2align 4
ariadne_svc_torture:
	.cfi_startproc
	bti	c
	stp	x29, x30, [sp, #-FRAME]!
	.cfi_def_cfa_offset FRAME
	.cfi_offset x29, -FRAME
	.cfi_offset x30, -FRAME + 8
	/* Our caller's callee-saved registers: they get patterns. */
	stp	x19, x20, [sp, #0x10]
	stp	x21, x22, [sp, #0x20]
	stp	x23, x24, [sp, #0x30]
	stp	x25, x26, [sp, #0x40]
	stp	x27, x28, [sp, #0x50]
	stp	d8, d9, [sp, #0x60]
	stp	d10, d11, [sp, #0x70]
	stp	d12, d13, [sp, #0x80]
	stp	d14, d15, [sp, #0x90]
	/* The result pointer and the caller's FPCR, back at the end. */
	mrs	x1, fpcr
	stp	x0, x1, [sp, #0xa0]
	mov	x1, sp
	str	x1, [sp, #0xb0]

	/* Vector registers, both halves: q0-q31 get patterns 32-63. */
	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	pattern	x1, (32 + \n)
	fmov	d\n, x1
	mov	v\n\().d[1], x1
	.endr
	/* Flags and FPCR. */
	mov	x1, #NZCV_PATTERN
	msr	nzcv, x1
	mov	x1, #FPCR_PATTERN
	msr	fpcr, x1
	/* General registers: xn gets pattern n; x0 is the argument, x8 the
	 * number, x30 too (the return address is in the frame). */
	.irp n, 1,2,3,4,5,6,7,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30
	pattern	x\n, \n
	.endr
	mov	x0, #0
	mov	x8, #__NR_getpid
	svc	#0

	/* The result and NZCV first, before any compare changes it. */
	str	x0, [sp, #0xc0]
	mrs	x0, nzcv
	str	x0, [sp, #0xc8]
	/* x1 holds the mask once checked; x0 is the scratch. */
	pattern	x0, 1
	cmp	x1, x0
	cset	x1, ne
	lsl	x1, x1, #1
	.irp n, 2,3,4,5,6,7,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30
	pattern	x0, \n
	cmp	x\n, x0
	cset	x0, ne
	orr	x1, x1, x0, lsl #\n
	.endr
	cmp	x8, #__NR_getpid
	cset	x0, ne
	orr	x1, x1, x0, lsl #8
	/* NZCV, FPCR and SP: bit 0. x2 and x3 are checked, free. */
	ldr	x2, [sp, #0xc8]
	mov	x3, #NZCV_PATTERN
	cmp	x2, x3
	cset	x0, ne
	orr	x1, x1, x0
	mrs	x2, fpcr
	mov	x3, #FPCR_PATTERN
	cmp	x2, x3
	cset	x0, ne
	orr	x1, x1, x0
	mov	x2, sp
	ldr	x3, [sp, #0xb0]
	cmp	x2, x3
	cset	x0, ne
	orr	x1, x1, x0
	/* The vector half, kept for ariadne_svc_torture_vectors. */
	mov	x4, #0
	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	pattern	x0, (32 + \n)
	fmov	x2, d\n
	mov	x3, v\n\().d[1]
	cmp	x2, x0
	ccmp	x3, x0, #0, eq
	cset	x2, ne
	orr	x4, x4, x2, lsl #\n
	.endr
	adrp	x2, svc_torture_vectors
	str	x4, [x2, :lo12:svc_torture_vectors]
	ldr	x2, [sp, #0xa0]
	ldr	x3, [sp, #0xc0]
	str	x3, [x2]

	mov	x0, x1
	ldr	x1, [sp, #0xa8]
	msr	fpcr, x1
	ldp	x19, x20, [sp, #0x10]
	ldp	x21, x22, [sp, #0x20]
	ldp	x23, x24, [sp, #0x30]
	ldp	x25, x26, [sp, #0x40]
	ldp	x27, x28, [sp, #0x50]
	ldp	d8, d9, [sp, #0x60]
	ldp	d10, d11, [sp, #0x70]
	ldp	d12, d13, [sp, #0x80]
	ldp	d14, d15, [sp, #0x90]
	ldp	x29, x30, [sp], #FRAME
	.cfi_def_cfa_offset 0
	ret
	.cfi_endproc
	.size	ariadne_svc_torture, . - ariadne_svc_torture

	.globl	ariadne_svc_torture_vectors
	.type	ariadne_svc_torture_vectors, %function
	.p2align 4
ariadne_svc_torture_vectors:
	.cfi_startproc
	bti	c
	adrp	x0, svc_torture_vectors
	ldr	x0, [x0, :lo12:svc_torture_vectors]
	ret
	.cfi_endproc
	.size	ariadne_svc_torture_vectors, . - ariadne_svc_torture_vectors

	.bss
	.p2align 3
svc_torture_vectors:
	.quad	0

	ariadne_object_notes (GNU_PROPERTY_AARCH64_FEATURE_1_BTI | GNU_PROPERTY_AARCH64_FEATURE_1_PAC)
