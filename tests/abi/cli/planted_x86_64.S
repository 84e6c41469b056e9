/* Planted calling-convention bugs for the x86-64 `ariadne abicheck` tests.
 * A test fixture, under tests/abi/ on purpose: these functions break the
 * System V ABI so that the checker has something to find.
 *
 *   planted_clobber_r12   instrumented (a patchable entry like GCC's); writes
 *                         r12 and returns without restoring it
 *   planted_call_r12_safe not instrumented; saves r12 around the call above so
 *                         the C caller survives when the run goes on (--continue)
 *   planted_call_misaligned(fn)  not instrumented; calls fn with RSP 16-byte
 *                         aligned at the CALL's return address slot, i.e. RSP
 *                         misaligned by 8 before the call
 */
#include "../../../src/arch/x86_64/asm.h"

	.text
	.p2align 4
	.globl	planted_clobber_r12
	.type	planted_clobber_r12, @function
planted_clobber_r12:
	.cfi_startproc
	endbr64
	/* The patch site: five 1-byte NOPs, listed in __patchable_function_entries
	 * as -fpatchable-function-entry=5 does, so the runtime checks this function. */
	.section __patchable_function_entries, "awo", @progbits, planted_clobber_r12
	.p2align 3
	.quad	.Lplanted_site
	.text
.Lplanted_site:
	nop
	nop
	nop
	nop
	nop
	/* The bug: r12 is callee-saved, and is neither saved nor restored. */
	movabsq	$0x5eed0000dead0012, %r12
	xorl	%eax, %eax
	ret
	.cfi_endproc
	.size	planted_clobber_r12, .-planted_clobber_r12

	.p2align 4
	.globl	planted_call_r12_safe
	.type	planted_call_r12_safe, @function
planted_call_r12_safe:
	.cfi_startproc
	endbr64
	/* r12 is the register the callee breaks: keep the caller's copy. The push
	 * also makes RSP 16-byte aligned for the call. */
	pushq	%r12
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset r12, 0
	call	planted_clobber_r12
	popq	%r12
	.cfi_adjust_cfa_offset -8
	.cfi_restore r12
	ret
	.cfi_endproc
	.size	planted_call_r12_safe, .-planted_call_r12_safe

	.p2align 4
	.globl	planted_call_misaligned
	.type	planted_call_misaligned, @function
planted_call_misaligned:
	.cfi_startproc
	endbr64
	/* The bug: at entry RSP+8 is 16-byte aligned, so calling straight away
	 * leaves RSP 8 bytes off the alignment the callee may assume. Nothing
	 * else is kept, so this is a tail of the caller's frame: just call and return. */
	call	*%rdi
	ret
	.cfi_endproc
	.size	planted_call_misaligned, .-planted_call_misaligned

	ariadne_object_notes GNU_PROPERTY_X86_FEATURE_1_IBT
