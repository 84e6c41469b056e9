/* ariadne_bench_counter (src/arch/BenchCounter.hpp): CNTVCT_EL0. Touches x0. */
#include "asm.h"
	.text
	.globl	ariadne_bench_counter
	.type	ariadne_bench_counter, %function
	.p2align 4
ariadne_bench_counter:
	.cfi_startproc
	bti	c
	mrs	x0, cntvct_el0
	ret
	.cfi_endproc
	.size	ariadne_bench_counter, . - ariadne_bench_counter

	ariadne_object_notes (GNU_PROPERTY_AARCH64_FEATURE_1_BTI | GNU_PROPERTY_AARCH64_FEATURE_1_PAC)
