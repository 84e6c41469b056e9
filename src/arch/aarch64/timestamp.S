/* ariadne_arch_timestamp (src/arch/Timestamp.hpp): CNTVCT_EL0. Touches x0. */
#include "asm.h"
	.text
	.globl	ariadne_arch_timestamp
	.type	ariadne_arch_timestamp, %function
	.p2align 4
ariadne_arch_timestamp:
	.cfi_startproc
	bti	c
	mrs	x0, cntvct_el0
	ret
	.cfi_endproc
	.size	ariadne_arch_timestamp, . - ariadne_arch_timestamp

	ariadne_object_notes (GNU_PROPERTY_AARCH64_FEATURE_1_BTI | GNU_PROPERTY_AARCH64_FEATURE_1_PAC)
