/* Test-only preemption torture loop for AArch64 (src/arch/preempt_torture.h).
 *
 * Frame (SP-relative after the prologue; a round's loads and stores are
 * addressed from SP and from the register being loaded last / stored
 * first, so every general register can hold a pattern):
 *   +0x000  state pointer   +0x008  round   +0x010  caller's FPCR
 *   +0x018  caller's FPSR   +0x020  SP check
 *   +0x040  E: the pattern loaded  (WORDS words)
 *   E + 8 * WORDS  S: what was found
 * A buffer, word by word:
 *   0-30  x0-x30   31 NZCV   32 FPCR   33 FPSR   34-35 zero
 *   36 + 2n, 37 + 2n   q<n>: low, high
 * Callee-saved registers of the caller (x19-x29, x30, d8-d15) are pushed
 * below the frame record and restored at the end.
 */
#include "asm.h"
#include "asm-offsets.h"

#define WORDS 100
#define E 0x40
#define S (E + 8 * WORDS)
#define FRAME (S + 8 * WORDS)
#define VEC 36

	.text
	.globl	ariadne_preempt_torture_run
	.type	ariadne_preempt_torture_run, %function
	.p2align 4
ariadne_preempt_torture_run:
	bti	c
	/* A patchable entry as -fpatchable-function-entry=2 emits it: the
	 * runtime finds the site and takes this function for instrumented. */
	.section __patchable_function_entries, "awo", @progbits, ariadne_preempt_torture_run
	.p2align 3
	.8byte	.Lsite
	.text
.Lsite:
	nop
	nop
	.cfi_startproc
	/* The caller's frame record and callee-saved registers. */
	stp	x29, x30, [sp, #-160]!
	.cfi_def_cfa_offset 160
	.cfi_offset x29, -160
	.cfi_offset x30, -152
	mov	x29, sp
	stp	x19, x20, [sp, #16]
	stp	x21, x22, [sp, #32]
	stp	x23, x24, [sp, #48]
	stp	x25, x26, [sp, #64]
	stp	x27, x28, [sp, #80]
	stp	d8, d9, [sp, #96]
	stp	d10, d11, [sp, #112]
	stp	d12, d13, [sp, #128]
	stp	d14, d15, [sp, #144]
	.cfi_offset x19, -144
	.cfi_offset x20, -136
	.cfi_offset x21, -128
	.cfi_offset x22, -120
	.cfi_offset x23, -112
	.cfi_offset x24, -104
	.cfi_offset x25, -96
	.cfi_offset x26, -88
	.cfi_offset x27, -80
	.cfi_offset x28, -72
	sub	sp, sp, #FRAME
	.cfi_def_cfa_offset FRAME + 160
	str	x0, [sp, #0]
	str	xzr, [sp, #8]
	mrs	x1, fpcr
	str	x1, [sp, #0x10]
	mrs	x1, fpsr
	str	x1, [sp, #0x18]
	mov	x1, sp
	str	x1, [sp, #0x20]
	/* Both buffers zero: the words no round writes compare equal. */
	add	x1, sp, #E
	mov	x2, #(2 * WORDS)
1:	str	xzr, [x1], #8
	subs	x2, x2, #1
	b.ne	1b

.Lround:
	/* The pattern: an LCG from seed + round * golden ratio. */
	ldr	x0, [sp, #0]
	ldr	x3, [sp, #8]
	ldr	x4, =0x9e3779b97f4a7c15
	ldr	x5, [x0, #PT_SEED]
	madd	x3, x3, x4, x5
	ldr	x4, =6364136223846793005
	ldr	x5, =1442695040888963407
	add	x1, sp, #E
	mov	x2, #0
2:	madd	x3, x3, x4, x5
	str	x3, [x1, x2, lsl #3]
	add	x2, x2, #1
	cmp	x2, #WORDS
	b.lo	2b
	/* NZCV: the four flags. FPCR: AHP, DN, FZ and the rounding mode; no
	 * trap enables. FPSR: QC and the cumulative exception flags. */
	ldr	x2, [x1, #31 * 8]
	and	x2, x2, #0xf0000000
	str	x2, [x1, #31 * 8]
	ldr	x2, [x1, #32 * 8]
	and	x2, x2, #0x07c00000
	str	x2, [x1, #32 * 8]
	ldr	x2, [x1, #33 * 8]
	mov	x6, #0x9f
	movk	x6, #0x0800, lsl #16
	and	x2, x2, x6
	str	x2, [x1, #33 * 8]
	stp	xzr, xzr, [x1, #34 * 8]

	/* ---- load everything; x30 is the base, loaded last ---- */
	add	x30, sp, #E
	ldp	q0, q1, [x30, #(VEC + 2 * 0) * 8]
	ldp	q2, q3, [x30, #(VEC + 2 * 2) * 8]
	ldp	q4, q5, [x30, #(VEC + 2 * 4) * 8]
	ldp	q6, q7, [x30, #(VEC + 2 * 6) * 8]
	ldp	q8, q9, [x30, #(VEC + 2 * 8) * 8]
	ldp	q10, q11, [x30, #(VEC + 2 * 10) * 8]
	ldp	q12, q13, [x30, #(VEC + 2 * 12) * 8]
	ldp	q14, q15, [x30, #(VEC + 2 * 14) * 8]
	ldp	q16, q17, [x30, #(VEC + 2 * 16) * 8]
	ldp	q18, q19, [x30, #(VEC + 2 * 18) * 8]
	ldp	q20, q21, [x30, #(VEC + 2 * 20) * 8]
	ldp	q22, q23, [x30, #(VEC + 2 * 22) * 8]
	ldp	q24, q25, [x30, #(VEC + 2 * 24) * 8]
	ldp	q26, q27, [x30, #(VEC + 2 * 26) * 8]
	ldp	q28, q29, [x30, #(VEC + 2 * 28) * 8]
	ldp	q30, q31, [x30, #(VEC + 2 * 30) * 8]
	ldr	x0, [x30, #31 * 8]
	msr	nzcv, x0
	ldr	x0, [x30, #32 * 8]
	msr	fpcr, x0
	ldr	x0, [x30, #33 * 8]
	msr	fpsr, x0
	ldp	x0, x1, [x30, #0 * 8]
	ldp	x2, x3, [x30, #2 * 8]
	ldp	x4, x5, [x30, #4 * 8]
	ldp	x6, x7, [x30, #6 * 8]
	ldp	x8, x9, [x30, #8 * 8]
	ldp	x10, x11, [x30, #10 * 8]
	ldp	x12, x13, [x30, #12 * 8]
	ldp	x14, x15, [x30, #14 * 8]
	ldp	x16, x17, [x30, #16 * 8]
	ldp	x18, x19, [x30, #18 * 8]
	ldp	x20, x21, [x30, #20 * 8]
	ldp	x22, x23, [x30, #22 * 8]
	ldp	x24, x25, [x30, #24 * 8]
	ldp	x26, x27, [x30, #26 * 8]
	ldp	x28, x29, [x30, #28 * 8]
	ldr	x30, [x30, #30 * 8]

	/* ---- the stretch where the signal lands: touches no register ---- */
	.rept 4096
	nop
	.endr

	/* ---- store everything; x30 first, then it is the base ---- */
	str	x30, [sp, #S + 30 * 8]
	add	x30, sp, #S
	stp	x0, x1, [x30, #0 * 8]
	stp	x2, x3, [x30, #2 * 8]
	stp	x4, x5, [x30, #4 * 8]
	stp	x6, x7, [x30, #6 * 8]
	stp	x8, x9, [x30, #8 * 8]
	stp	x10, x11, [x30, #10 * 8]
	stp	x12, x13, [x30, #12 * 8]
	stp	x14, x15, [x30, #14 * 8]
	stp	x16, x17, [x30, #16 * 8]
	stp	x18, x19, [x30, #18 * 8]
	stp	x20, x21, [x30, #20 * 8]
	stp	x22, x23, [x30, #22 * 8]
	stp	x24, x25, [x30, #24 * 8]
	stp	x26, x27, [x30, #26 * 8]
	stp	x28, x29, [x30, #28 * 8]
	mrs	x0, nzcv
	str	x0, [x30, #31 * 8]
	mrs	x0, fpcr
	str	x0, [x30, #32 * 8]
	mrs	x0, fpsr
	str	x0, [x30, #33 * 8]
	stp	q0, q1, [x30, #(VEC + 2 * 0) * 8]
	stp	q2, q3, [x30, #(VEC + 2 * 2) * 8]
	stp	q4, q5, [x30, #(VEC + 2 * 4) * 8]
	stp	q6, q7, [x30, #(VEC + 2 * 6) * 8]
	stp	q8, q9, [x30, #(VEC + 2 * 8) * 8]
	stp	q10, q11, [x30, #(VEC + 2 * 10) * 8]
	stp	q12, q13, [x30, #(VEC + 2 * 12) * 8]
	stp	q14, q15, [x30, #(VEC + 2 * 14) * 8]
	stp	q16, q17, [x30, #(VEC + 2 * 16) * 8]
	stp	q18, q19, [x30, #(VEC + 2 * 18) * 8]
	stp	q20, q21, [x30, #(VEC + 2 * 20) * 8]
	stp	q22, q23, [x30, #(VEC + 2 * 22) * 8]
	stp	q24, q25, [x30, #(VEC + 2 * 24) * 8]
	stp	q26, q27, [x30, #(VEC + 2 * 26) * 8]
	stp	q28, q29, [x30, #(VEC + 2 * 28) * 8]
	stp	q30, q31, [x30, #(VEC + 2 * 30) * 8]

	/* ---- compare ---- */
	ldr	x0, [sp, #0x10]
	msr	fpcr, x0
	ldr	x0, [sp, #0x18]
	msr	fpsr, x0
	ldr	x0, [sp, #0]
	add	x1, sp, #E
	add	x2, sp, #S
	mov	x3, #0
3:	ldr	x4, [x1, x3, lsl #3]
	ldr	x5, [x2, x3, lsl #3]
	cmp	x4, x5
	b.eq	4f
	ldr	x6, [x0, #PT_MISMATCHES]
	add	x6, x6, #1
	str	x6, [x0, #PT_MISMATCHES]
	ldr	x6, [x0, #PT_FIRST_BAD]
	cbnz	x6, 4f
	add	x6, x3, #1
	str	x6, [x0, #PT_FIRST_BAD]
	str	x4, [x0, #PT_EXPECTED_BAD]
	str	x5, [x0, #PT_SEEN_BAD]
4:	add	x3, x3, #1
	cmp	x3, #WORDS
	b.lo	3b
	/* SP itself: a lost SP would rarely get this far, but count it. */
	ldr	x4, [sp, #0x20]
	mov	x5, sp
	cmp	x4, x5
	b.eq	5f
	ldr	x6, [x0, #PT_MISMATCHES]
	add	x6, x6, #1
	str	x6, [x0, #PT_MISMATCHES]
5:	ldr	x3, [sp, #8]
	add	x3, x3, #1
	str	x3, [sp, #8]
	ldr	x3, [x0, #PT_ROUNDS]
	add	x3, x3, #1
	str	x3, [x0, #PT_ROUNDS]
	ldr	x3, [x0, #PT_STOP]
	cbz	x3, .Lround

	add	sp, sp, #FRAME
	.cfi_def_cfa_offset 160
	ldp	x19, x20, [sp, #16]
	ldp	x21, x22, [sp, #32]
	ldp	x23, x24, [sp, #48]
	ldp	x25, x26, [sp, #64]
	ldp	x27, x28, [sp, #80]
	ldp	d8, d9, [sp, #96]
	ldp	d10, d11, [sp, #112]
	ldp	d12, d13, [sp, #128]
	ldp	d14, d15, [sp, #144]
	ldp	x29, x30, [sp], #160
	.cfi_def_cfa_offset 0
	ret
	.ltorg
	.cfi_endproc
	.size	ariadne_preempt_torture_run, . - ariadne_preempt_torture_run

	.section .rodata
	.globl	ariadne_preempt_torture_names
	.type	ariadne_preempt_torture_names, %object
ariadne_preempt_torture_names:
	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30
	.ascii	"x\n "
	.endr
	.ascii	"nzcv fpcr fpsr pad pad "
	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.ascii	"q\n q\n "
	.endr
	.byte	0
	.size	ariadne_preempt_torture_names, . - ariadne_preempt_torture_names
	.globl	ariadne_preempt_torture_words
	.type	ariadne_preempt_torture_words, %object
	.p2align 2
ariadne_preempt_torture_words:
	.word	WORDS
	.size	ariadne_preempt_torture_words, 4

	ariadne_object_notes (GNU_PROPERTY_AARCH64_FEATURE_1_BTI)
