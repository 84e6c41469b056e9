/* Planted ABI violations for the abicheck tests (AArch64, AAPCS64).
 *
 *   abi_clobber_x19, abi_clobber_x20   instrumented: each carries the sled GCC
 *       emits for -fpatchable-function-entry=2 (two NOPs after the landing
 *       pad, their address recorded in __patchable_function_entries), so the
 *       runtime traces them like compiled code; each then overwrites one
 *       callee-saved register and returns: the exit check must see it.
 *   abi_run_clobberers                 not instrumented: calls both and
 *       restores the two registers itself, so its C caller is unharmed when
 *       the checker lets the program go on (CONTINUE).
 *   abi_lose_sp                        instrumented: returns with SP 16 bytes
 *       lower than it was entered with, so its caller's frame is lost: the
 *       runtime's fatal "did not restore SP".
 *
 * Frame of abi_run_clobberers (from SP): [x29 x30] [x19 x20]
 * (No misaligned-SP test here: Linux enables SP alignment checking, so a
 * misaligned SP faults at its first use instead of reaching a callee.)
 */
#include "arch/aarch64/asm.h"

	.text

/* One instrumented function that loads `value` into `reg` and returns. */
.macro planted_clobber name, reg, value
	.p2align 4
	.globl	\name
	.type	\name, %function
\name:
	.cfi_startproc
	bti	c
	.section __patchable_function_entries, "awo", @progbits, \name
	.p2align 3
	.8byte	1f
	.text
1:	nop
	nop
	/* The violation: a callee-saved register changed and not restored. */
	mov	\reg, #\value
	ret
	.cfi_endproc
	.size	\name, . - \name
.endm

	planted_clobber abi_clobber_x19, x19, 0x1234
	planted_clobber abi_clobber_x20, x20, 0x5678

	.p2align 4
	.globl	abi_lose_sp
	.type	abi_lose_sp, %function
abi_lose_sp:
	.cfi_startproc
	bti	c
	.section __patchable_function_entries, "awo", @progbits, abi_lose_sp
	.p2align 3
	.8byte	1f
	.text
1:	nop
	nop
	/* The violation: return 16 bytes below the entry SP. */
	sub	sp, sp, #16
	.cfi_adjust_cfa_offset 16
	ret
	.cfi_endproc
	.size	abi_lose_sp, . - abi_lose_sp

	.p2align 4
	.globl	abi_run_clobberers
	.type	abi_run_clobberers, %function
abi_run_clobberers:
	.cfi_startproc
	bti	c
	/* x29, x30: a frame record for the checker's stack walk, and our return. */
	stp	x29, x30, [sp, #-32]!
	.cfi_def_cfa_offset 32
	.cfi_offset x29, -32
	.cfi_offset x30, -24
	mov	x29, sp
	/* x19, x20: the callees break them; our caller must not notice. */
	stp	x19, x20, [sp, #16]
	.cfi_offset x19, -16
	.cfi_offset x20, -8
	bl	abi_clobber_x19
	bl	abi_clobber_x20
	ldp	x19, x20, [sp, #16]
	.cfi_restore x19
	.cfi_restore x20
	ldp	x29, x30, [sp], #32
	.cfi_restore x29
	.cfi_restore x30
	.cfi_def_cfa_offset 0
	ret
	.cfi_endproc
	.size	abi_run_clobberers, . - abi_run_clobberers

/* GNU property: BTI-compatible (bti c at every indirect-branch target). */
	ariadne_object_notes GNU_PROPERTY_AARCH64_FEATURE_1_BTI
