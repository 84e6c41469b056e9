/* AArch64: the code a diverted nondeterministic `mrs` runs instead
 * (src/arch/NondetInsn.hpp, docs/replay.md "Nondeterministic instructions").
 *
 * The site's `mrs Rt, <reg>` becomes `b stub`; each site has its own copy of
 * the template below, placed within branch reach of its module, with four
 * fields filled in (NondetInsn.cpp names them by the labels):
 *
 *   +0x00  the site's own instruction       runs first: record keeps its result
 *   +0x04  stp x16, x17, [sp, #-32]!        x16/x17/x30 are live at the site,
 *   +0x08  str x30, [sp, #16]               not free as at a call
 *   +0x0c  ldr x16, handler                 the common code below
 *   +0x10  ldr x17, index                   the site's number
 *   +0x14  blr x16
 *   +0x18  ldr x30, [sp, #16]               the program's x16/x17/x30, as the
 *   +0x1c  ldp x16, x17, [sp], #32          common code left them (Rt may be one)
 *   +0x20  b site + 4                       filled in
 *   +0x28  handler: .quad                   filled in
 *   +0x30  index: .quad                     filled in
 *
 * AAPCS64 has no red zone: the stub may push below the program's SP.
 *
 * ariadne_nondet_common builds a NondetFrame (arch/aarch64/AsmLayout.hpp,
 * offsets from asm-offsets.h) below the stub's 32 bytes:
 *
 *   +0             x0 ... x30    NF_X(n); x16, x17, x30 copied from the stub's slots
 *   +NF_NZCV       nzcv          +NF_FPCR fpcr   +NF_FPSR fpsr
 *   +NF_BACK       x30 on entry: the return into the stub
 *   +NF_Q0         q0 ... q31    NF_Q(n)
 *   +NF_SIZE       the stub's slots {x16, x17}, {x30, pad}
 *
 * then calls ariadne_nondet_arrived(frame, index) (replay's NondetInsns.cpp),
 * which may rewrite x[Rt] and nzcv, and loads everything back.
 */

#include "asm.h"
#include "asm-offsets.h"

	.text

/* The per-site template: copied, never run where it is. */
	.globl	ariadne_nondet_stub_template
	.hidden	ariadne_nondet_stub_template
	.globl	ariadne_nondet_stub_back
	.hidden	ariadne_nondet_stub_back
	.globl	ariadne_nondet_stub_handler
	.hidden	ariadne_nondet_stub_handler
	.globl	ariadne_nondet_stub_index
	.hidden	ariadne_nondet_stub_index
	.globl	ariadne_nondet_stub_end
	.hidden	ariadne_nondet_stub_end
	.p2align 3
ariadne_nondet_stub_template:
	nop				/* replaced by the site's instruction */
	stp	x16, x17, [sp, #-32]!
	str	x30, [sp, #16]
	ldr	x16, ariadne_nondet_stub_handler
	ldr	x17, ariadne_nondet_stub_index
	blr	x16
	ldr	x30, [sp, #16]
	ldp	x16, x17, [sp], #32
ariadne_nondet_stub_back:
	b	.			/* replaced by b site + 4 */
	nop				/* the literals below are 8-byte aligned */
ariadne_nondet_stub_handler:
	.quad	0
ariadne_nondet_stub_index:
	.quad	0
ariadne_nondet_stub_end:

/* ariadne_nondet_common: see the header. Entry: x16 = this function, x17 =
 * the site's index, x30 = the return into the stub, SP = the stub's slots. */
	.globl	ariadne_nondet_common
	.hidden	ariadne_nondet_common
	.type	ariadne_nondet_common, %function
	.p2align 4
ariadne_nondet_common:
	.cfi_startproc
	bti	c
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
	bl	ariadne_nondet_arrived

	/* Everything back, the result (x[Rt], nzcv) as the C++ side left it. */
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
	.cfi_endproc
	.size	ariadne_nondet_common, . - ariadne_nondet_common

/* GNU property: this object is BTI- and PAC-compatible (the common code is
 * entered by BLR and starts with `bti c`; x30 is never signed here). */
	ariadne_object_notes (GNU_PROPERTY_AARCH64_FEATURE_1_BTI | GNU_PROPERTY_AARCH64_FEATURE_1_PAC)
