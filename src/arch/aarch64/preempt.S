/* AArch64 level-1 preemption stub (src/fiber/Preempt.hpp): where a fiber
 * whose slice is over goes from an instrumented function's entry. The trace
 * runtime's entry path resumes here instead of in the function's body
 * (Frame::resume, `ret x16`), with the function's entry registers: x30 = the
 * caller's return address, SP at the entry, the arguments in x0-x8 and
 * q0-q7.
 *
 * Saves every register into a PreemptFrame (PreemptFrame.hpp, PF_* offsets)
 * on the fiber's stack, calls ariadne_preempt_at_entry() (which yields the
 * fiber and, once it runs again, returns where the function goes on),
 * restores them all and continues into the body with `ret x16` (as the
 * trampoline does: a RET needs no BTI landing pad at the body). x16 (IP0)
 * is free at a function's entry: veneers may clobber it on any call.
 */
#include "asm.h"
#include "asm-offsets.h"

	.text
	.globl	ariadne_preempt_entry_stub
	.type	ariadne_preempt_entry_stub, %function
	.p2align 4
ariadne_preempt_entry_stub:
	.cfi_startproc
	bti	c
	/* A frame record {x29, x30 = the caller's return address}: debuggers
	 * see the stub as called by the function's caller. */
	stp	x29, x30, [sp, #-16]!
	.cfi_def_cfa_offset 16
	.cfi_offset x29, -16
	.cfi_offset x30, -8
	mov	x29, sp
	.cfi_def_cfa_register x29
	sub	sp, sp, #PF_SIZE
	/* General registers: arguments (x0-x8), x18 and the rest. */
	stp	x0, x1, [sp, #PF_X0 + 0x00]
	stp	x2, x3, [sp, #PF_X0 + 0x10]
	stp	x4, x5, [sp, #PF_X0 + 0x20]
	stp	x6, x7, [sp, #PF_X0 + 0x30]
	stp	x8, x9, [sp, #PF_X0 + 0x40]
	stp	x10, x11, [sp, #PF_X0 + 0x50]
	stp	x12, x13, [sp, #PF_X0 + 0x60]
	stp	x14, x15, [sp, #PF_X0 + 0x70]
	stp	x16, x17, [sp, #PF_X0 + 0x80]
	stp	x18, x19, [sp, #PF_X0 + 0x90]
	stp	x20, x21, [sp, #PF_X0 + 0xa0]
	stp	x22, x23, [sp, #PF_X0 + 0xb0]
	stp	x24, x25, [sp, #PF_X0 + 0xc0]
	stp	x26, x27, [sp, #PF_X0 + 0xd0]
	str	x28, [sp, #PF_X0 + 0xe0]
	/* Flags and the FP control/status registers. */
	mrs	x0, nzcv
	str	x0, [sp, #PF_NZCV]
	mrs	x0, fpcr
	str	x0, [sp, #PF_FPCR]
	mrs	x0, fpsr
	str	x0, [sp, #PF_FPSR]
	/* All 128 bits of v0-v31: arguments in q0-q7, and the callee may
	 * clobber the upper halves of v8-v15 and all of the others. */
	add	x0, sp, #PF_Q0
	stp	q0, q1, [x0, #0x000]
	stp	q2, q3, [x0, #0x020]
	stp	q4, q5, [x0, #0x040]
	stp	q6, q7, [x0, #0x060]
	stp	q8, q9, [x0, #0x080]
	stp	q10, q11, [x0, #0x0a0]
	stp	q12, q13, [x0, #0x0c0]
	stp	q14, q15, [x0, #0x0e0]
	stp	q16, q17, [x0, #0x100]
	stp	q18, q19, [x0, #0x120]
	stp	q20, q21, [x0, #0x140]
	stp	q22, q23, [x0, #0x160]
	stp	q24, q25, [x0, #0x180]
	stp	q26, q27, [x0, #0x1a0]
	stp	q28, q29, [x0, #0x1c0]
	stp	q30, q31, [x0, #0x1e0]

	bl	ariadne_preempt_at_entry
	/* x0 = where the function goes on (its body). */
	mov	x16, x0

	add	x0, sp, #PF_Q0
	ldp	q0, q1, [x0, #0x000]
	ldp	q2, q3, [x0, #0x020]
	ldp	q4, q5, [x0, #0x040]
	ldp	q6, q7, [x0, #0x060]
	ldp	q8, q9, [x0, #0x080]
	ldp	q10, q11, [x0, #0x0a0]
	ldp	q12, q13, [x0, #0x0c0]
	ldp	q14, q15, [x0, #0x0e0]
	ldp	q16, q17, [x0, #0x100]
	ldp	q18, q19, [x0, #0x120]
	ldp	q20, q21, [x0, #0x140]
	ldp	q22, q23, [x0, #0x160]
	ldp	q24, q25, [x0, #0x180]
	ldp	q26, q27, [x0, #0x1a0]
	ldp	q28, q29, [x0, #0x1c0]
	ldp	q30, q31, [x0, #0x1e0]
	ldr	x0, [sp, #PF_FPSR]
	msr	fpsr, x0
	ldr	x0, [sp, #PF_FPCR]
	msr	fpcr, x0
	ldr	x0, [sp, #PF_NZCV]
	msr	nzcv, x0
	ldp	x0, x1, [sp, #PF_X0 + 0x00]
	ldp	x2, x3, [sp, #PF_X0 + 0x10]
	ldp	x4, x5, [sp, #PF_X0 + 0x20]
	ldp	x6, x7, [sp, #PF_X0 + 0x30]
	ldp	x8, x9, [sp, #PF_X0 + 0x40]
	ldp	x10, x11, [sp, #PF_X0 + 0x50]
	ldp	x12, x13, [sp, #PF_X0 + 0x60]
	ldp	x14, x15, [sp, #PF_X0 + 0x70]
	/* x16 carries the body's address. */
	ldr	x17, [sp, #PF_X0 + 0x88]
	ldp	x18, x19, [sp, #PF_X0 + 0x90]
	ldp	x20, x21, [sp, #PF_X0 + 0xa0]
	ldp	x22, x23, [sp, #PF_X0 + 0xb0]
	ldp	x24, x25, [sp, #PF_X0 + 0xc0]
	ldp	x26, x27, [sp, #PF_X0 + 0xd0]
	ldr	x28, [sp, #PF_X0 + 0xe0]
	mov	sp, x29
	.cfi_def_cfa_register sp
	ldp	x29, x30, [sp], #16
	.cfi_def_cfa_offset 0
	.cfi_restore x29
	.cfi_restore x30
	ret	x16
	.cfi_endproc
	.size	ariadne_preempt_entry_stub, . - ariadne_preempt_entry_stub

	ariadne_object_notes (GNU_PROPERTY_AARCH64_FEATURE_1_BTI)
