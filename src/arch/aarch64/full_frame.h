/* The register frame around a diverted instruction, defined once for the
 * two stubs that divert one (nondet_stub.S, syscall_trap.S). Its own header:
 * its offsets come from asm-offsets.h, which asm.h cannot include (it is
 * generated, and only some targets use it). */
#ifndef ARIADNE_ARCH_AARCH64_FULL_FRAME_H
#define ARIADNE_ARCH_AARCH64_FULL_FRAME_H
/* Assembler macros, not C: clang-format must leave them. */
/* clang-format off */

#include "asm-offsets.h"

/* The common code behind a per-site stub that diverted one instruction of
 * the program (nondet_stub.S: an `mrs`; syscall_trap.S: an `svc #0`): saves
 * every register into a NondetFrame (arch/aarch64/AsmLayout.hpp), calls
 * \callee(frame, x17) and loads everything back, as the C++ side left it.
 * Entry: x17 = the stub's argument, x30 = the return into the stub, SP = the
 * stub's slots {x16, x17}, {x30, pad}, which hold the program's x16, x17
 * and x30. Between .cfi_startproc and `ret`. */
.macro call_in_full_frame callee
	sub	sp, sp, #NF_SIZE
	.cfi_def_cfa_offset NF_SIZE
	/* General registers: the C++ code may change any caller-saved one, and
	 * Rt may be any of x0-x30; all of them are in the frame so that the
	 * C++ side writes the result into one array. */
	stp	x0, x1, [sp, #NF_X(0)]
	stp	x2, x3, [sp, #NF_X(2)]
	stp	x4, x5, [sp, #NF_X(4)]
	stp	x6, x7, [sp, #NF_X(6)]
	stp	x8, x9, [sp, #NF_X(8)]
	stp	x10, x11, [sp, #NF_X(10)]
	stp	x12, x13, [sp, #NF_X(12)]
	stp	x14, x15, [sp, #NF_X(14)]
	stp	x18, x19, [sp, #NF_X(18)]
	stp	x20, x21, [sp, #NF_X(20)]
	stp	x22, x23, [sp, #NF_X(22)]
	stp	x24, x25, [sp, #NF_X(24)]
	stp	x26, x27, [sp, #NF_X(26)]
	stp	x28, x29, [sp, #NF_X(28)]
	str	x30, [sp, #NF_BACK]
	.cfi_offset x30, NF_BACK - NF_SIZE
	/* The program's x16, x17, x30, which the stub pushed. */
	add	x2, sp, #NF_SIZE	/* beyond LDP's reach from SP */
	ldp	x0, x1, [x2]
	stp	x0, x1, [sp, #NF_X(16)]
	ldr	x0, [x2, #16]
	str	x0, [sp, #NF_X(30)]
	/* Flags (RNDR's result is in Z) and the FP control and status words. */
	mrs	x0, nzcv
	str	x0, [sp, #NF_NZCV]
	mrs	x0, fpcr
	mrs	x1, fpsr
	stp	x0, x1, [sp, #NF_FPCR]
	/* All of v0-v31: the C++ code (memcpy, the log) may use any of them,
	 * and only the low halves of v8-v15 survive a call. */
	stp	q0, q1, [sp, #NF_Q(0)]
	stp	q2, q3, [sp, #NF_Q(2)]
	stp	q4, q5, [sp, #NF_Q(4)]
	stp	q6, q7, [sp, #NF_Q(6)]
	stp	q8, q9, [sp, #NF_Q(8)]
	stp	q10, q11, [sp, #NF_Q(10)]
	stp	q12, q13, [sp, #NF_Q(12)]
	stp	q14, q15, [sp, #NF_Q(14)]
	stp	q16, q17, [sp, #NF_Q(16)]
	stp	q18, q19, [sp, #NF_Q(18)]
	stp	q20, q21, [sp, #NF_Q(20)]
	stp	q22, q23, [sp, #NF_Q(22)]
	stp	q24, q25, [sp, #NF_Q(24)]
	stp	q26, q27, [sp, #NF_Q(26)]
	stp	q28, q29, [sp, #NF_Q(28)]
	stp	q30, q31, [sp, #NF_Q(30)]

	mov	x0, sp
	mov	x1, x17
	bl	\callee

	/* Everything back, the result (an mrs: x[Rt], nzcv; an svc: x0) as the
	 * C++ side left it. */
	ldp	q0, q1, [sp, #NF_Q(0)]
	ldp	q2, q3, [sp, #NF_Q(2)]
	ldp	q4, q5, [sp, #NF_Q(4)]
	ldp	q6, q7, [sp, #NF_Q(6)]
	ldp	q8, q9, [sp, #NF_Q(8)]
	ldp	q10, q11, [sp, #NF_Q(10)]
	ldp	q12, q13, [sp, #NF_Q(12)]
	ldp	q14, q15, [sp, #NF_Q(14)]
	ldp	q16, q17, [sp, #NF_Q(16)]
	ldp	q18, q19, [sp, #NF_Q(18)]
	ldp	q20, q21, [sp, #NF_Q(20)]
	ldp	q22, q23, [sp, #NF_Q(22)]
	ldp	q24, q25, [sp, #NF_Q(24)]
	ldp	q26, q27, [sp, #NF_Q(26)]
	ldp	q28, q29, [sp, #NF_Q(28)]
	ldp	q30, q31, [sp, #NF_Q(30)]
	ldp	x0, x1, [sp, #NF_FPCR]
	msr	fpcr, x0
	msr	fpsr, x1
	ldr	x0, [sp, #NF_NZCV]
	msr	nzcv, x0
	/* The program's x16, x17, x30 back into the stub's slots. */
	add	x2, sp, #NF_SIZE
	ldp	x0, x1, [sp, #NF_X(16)]
	stp	x0, x1, [x2]
	ldr	x0, [sp, #NF_X(30)]
	str	x0, [x2, #16]
	ldr	x30, [sp, #NF_BACK]
	ldp	x0, x1, [sp, #NF_X(0)]
	ldp	x2, x3, [sp, #NF_X(2)]
	ldp	x4, x5, [sp, #NF_X(4)]
	ldp	x6, x7, [sp, #NF_X(6)]
	ldp	x8, x9, [sp, #NF_X(8)]
	ldp	x10, x11, [sp, #NF_X(10)]
	ldp	x12, x13, [sp, #NF_X(12)]
	ldp	x14, x15, [sp, #NF_X(14)]
	ldp	x18, x19, [sp, #NF_X(18)]
	ldp	x20, x21, [sp, #NF_X(20)]
	ldp	x22, x23, [sp, #NF_X(22)]
	ldp	x24, x25, [sp, #NF_X(24)]
	ldp	x26, x27, [sp, #NF_X(26)]
	ldp	x28, x29, [sp, #NF_X(28)]
	add	sp, sp, #NF_SIZE
	.cfi_def_cfa_offset 0
	ret
.endm

#endif
