/* ariadne_bench_counter (src/arch/BenchCounter.hpp): the TSC. Touches rax, rdx. */
#include "asm.h"
	.text
	.globl	ariadne_bench_counter
	.type	ariadne_bench_counter, @function
	.p2align 4
ariadne_bench_counter:
	.cfi_startproc
	endbr64
	rdtsc
	shlq	$32, %rdx
	orq	%rdx, %rax
	ret
	.cfi_endproc
	.size	ariadne_bench_counter, . - ariadne_bench_counter

	ariadne_object_notes (GNU_PROPERTY_X86_FEATURE_1_IBT | GNU_PROPERTY_X86_FEATURE_1_SHSTK)
