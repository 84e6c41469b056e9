/* ariadne_arch_timestamp (src/arch/Timestamp.hpp): the TSC. Touches rax, rdx. */
#include "asm.h"
	.text
	.globl	ariadne_arch_timestamp
	.type	ariadne_arch_timestamp, @function
	.p2align 4
ariadne_arch_timestamp:
	.cfi_startproc
	endbr64
	rdtsc
	shlq	$32, %rdx
	orq	%rdx, %rax
	ret
	.cfi_endproc
	.size	ariadne_arch_timestamp, . - ariadne_arch_timestamp

	ariadne_object_notes (GNU_PROPERTY_X86_FEATURE_1_IBT | GNU_PROPERTY_X86_FEATURE_1_SHSTK)
