/* Test-only register torture helper for AArch64 (see src/arch/torture_regs.h).
 *
 * struct ariadne_torture_regs slots (expect[] at +0, seen[] at +192,
 * rounding at +384):
 *   0-9 x19-x28   10 x29   11-18 d8-d15   19 FPCR   20 SP
 *
 * Own frame (0xb0 bytes, SP-relative):
 *   +0x00 x29, x30   +0x10..+0x58 x19-x28   +0x60..+0x98 d8-d15
 *   +0xa0 regs pointer   +0xa8 result pointer
 */

#include "asm.h"
#define SEEN 192
#define ROUNDING 384
#define FRAME 0xb0

	.text
	.global ariadne_torture_switch
	.type ariadne_torture_switch, %function
	.p2align 4
/* void ariadne_torture_switch(regs x0, to x1, data x2, result x3) */
ariadne_torture_switch:
	.cfi_startproc
	bti	c
	stp	x29, x30, [sp, #-FRAME]!
	.cfi_def_cfa_offset FRAME
	.cfi_offset x29, -FRAME
	.cfi_offset x30, -FRAME + 8
	/* Our caller's callee-saved registers: we overwrite them with patterns. */
	stp	x19, x20, [sp, #0x10]
	stp	x21, x22, [sp, #0x20]
	stp	x23, x24, [sp, #0x30]
	stp	x25, x26, [sp, #0x40]
	stp	x27, x28, [sp, #0x50]
	stp	d8, d9, [sp, #0x60]
	stp	d10, d11, [sp, #0x70]
	stp	d12, d13, [sp, #0x80]
	stp	d14, d15, [sp, #0x90]
	/* Kept on our own stack: it comes back only if SP was switched right. */
	stp	x0, x3, [sp, #0xa0]

	/* Rounding mode: FPCR.RMode (bits 23:22) uses the same order as our
	 * abstract one (nearest, +inf, -inf, zero). It stays set on return so
	 * the caller's C code computes under it. */
	ldr	w9, [x0, #ROUNDING]
	and	x9, x9, #3
	mrs	x10, fpcr
	bic	x10, x10, #(3 << 22)
	orr	x10, x10, x9, lsl #22
	msr	fpcr, x10
	str	x10, [x0, #19 * 8]
	mov	x10, sp
	str	x10, [x0, #20 * 8]

	/* Patterns into every callee-saved register, FP included. */
	ldp	x19, x20, [x0, #0]
	ldp	x21, x22, [x0, #16]
	ldp	x23, x24, [x0, #32]
	ldp	x25, x26, [x0, #48]
	ldp	x27, x28, [x0, #64]
	ldr	x29, [x0, #80]
	ldp	d8, d9, [x0, #88]
	ldp	d10, d11, [x0, #104]
	ldp	d12, d13, [x0, #120]
	ldp	d14, d15, [x0, #136]

	mov	x0, x1
	mov	x1, x2
	bl	ariadne_ctx_switch

	/* Record immediately, before anything else can touch them. */
	ldr	x9, [sp, #0xa0]
	add	x9, x9, #SEEN
	stp	x19, x20, [x9, #0]
	stp	x21, x22, [x9, #16]
	stp	x23, x24, [x9, #32]
	stp	x25, x26, [x9, #48]
	stp	x27, x28, [x9, #64]
	str	x29, [x9, #80]
	stp	d8, d9, [x9, #88]
	stp	d10, d11, [x9, #104]
	stp	d12, d13, [x9, #120]
	stp	d14, d15, [x9, #136]
	mrs	x10, fpcr
	str	x10, [x9, #19 * 8]
	mov	x10, sp
	str	x10, [x9, #20 * 8]
	ldr	x3, [sp, #0xa8]
	stp	x0, x1, [x3]

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
	.size ariadne_torture_switch, . - ariadne_torture_switch

	.section .rodata
	.global ariadne_torture_reg_names
	.type ariadne_torture_reg_names, %object
ariadne_torture_reg_names:
	.asciz "x19 x20 x21 x22 x23 x24 x25 x26 x27 x28 x29 d8 d9 d10 d11 d12 d13 d14 d15 fpcr sp"
	.size ariadne_torture_reg_names, . - ariadne_torture_reg_names
	.global ariadne_torture_reg_count
	.type ariadne_torture_reg_count, %object
	.p2align 2
ariadne_torture_reg_count:
	.word 21
	.size ariadne_torture_reg_count, 4

	ariadne_object_notes (GNU_PROPERTY_AARCH64_FEATURE_1_BTI | GNU_PROPERTY_AARCH64_FEATURE_1_PAC)
