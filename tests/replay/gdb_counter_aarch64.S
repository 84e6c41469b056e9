/* gdb_target's counter read on AArch64: one mrs of cntvct_el0, which replay
 * diverts to a stub (docs/replay.md, "Nondeterministic instructions"). */

#include "asm.h"

	.text
	.globl	read_counter
	.type	read_counter, %function
	.p2align 2
read_counter:
	.cfi_startproc
	bti	c
	mrs	x0, cntvct_el0
	ret
	.cfi_endproc
	.size	read_counter, . - read_counter

	ariadne_object_notes (GNU_PROPERTY_AARCH64_FEATURE_1_BTI | GNU_PROPERTY_AARCH64_FEATURE_1_PAC)
