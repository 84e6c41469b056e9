/* Test-only (tests/replay/nondet.c): the AArch64 reads a program makes of
 * registers whose values differ between runs, one mrs each, as tcmalloc and
 * random-number libraries write them. Replay must divert every one. */

#include "asm.h"

	.section .rodata
.Ldescribe:
	.asciz	"mrs cntvct_el0, cntfrq_el0, midr_el1, mpidr_el1, id_aa64isar0_el1, rndr"

	.text
	.macro probe name
	.globl	\name
	.type	\name, %function
	.p2align 2
\name:
	.cfi_startproc
	bti	c
	.endm
	.macro end_probe name
	.cfi_endproc
	.size	\name, . - \name
	.endm

	probe nd_describe
	adrp	x0, .Ldescribe
	add	x0, x0, :lo12:.Ldescribe
	ret
	end_probe nd_describe

	probe nd_counter
	mrs	x0, cntvct_el0
	ret
	end_probe nd_counter

	probe nd_counter_frequency
	mrs	x0, cntfrq_el0
	ret
	end_probe nd_counter_frequency

	probe nd_identity
	mrs	x0, midr_el1
	ret
	end_probe nd_identity

	/* Two reads into registers other than x0 (the stub writes any Rt). */
	probe nd_identity2
	mrs	x17, id_aa64isar0_el1
	mrs	x9, mpidr_el1
	eor	x0, x17, x9
	ret
	end_probe nd_identity2

	/* RNDR sets Z when no value could be had: the flags are its result too. */
	probe nd_random
	mrs	x1, s3_3_c2_c4_0	/* rndr */
	cset	w2, ne
	str	x1, [x0]
	mov	w0, w2
	ret
	end_probe nd_random

	ariadne_object_notes (GNU_PROPERTY_AARCH64_FEATURE_1_BTI | GNU_PROPERTY_AARCH64_FEATURE_1_PAC)
