/* Planted ABI violations for the abicheck tests (x86-64, SysV AMD64 ABI).
 *
 *   abi_clobber_r12, abi_clobber_rbx   instrumented: each carries the sled GCC
 *       emits for -fpatchable-function-entry=5 (five 1-byte NOPs after the
 *       landing pad, their address recorded in __patchable_function_entries),
 *       so the runtime traces them like compiled code; each then overwrites
 *       one callee-saved register and returns: the exit check must see it.
 *   abi_run_clobberers                 not instrumented: calls both and
 *       restores the two registers itself, so its C caller is unharmed when
 *       the checker lets the program go on (CONTINUE).
 *   abi_call_misaligned(fn)            not instrumented: calls fn with RSP
 *       8 bytes off the alignment a call must arrive with.
 *   abi_lose_sp                        instrumented: returns with RSP 16 bytes
 *       lower than it was entered with (the return address copied down), so
 *       its caller's frame is lost: the runtime's fatal "did not restore SP".
 *
 * Frames: abi_run_clobberers  [rbp][rbx][r12] below the return address
 *         abi_call_misaligned [rbp][8-byte gap] below the return address
 */
#include "arch/x86_64/asm.h"

	.text

/* One instrumented function that loads `value` into `reg` and returns. */
.macro planted_clobber name, reg, value
	.p2align 4
	.globl	\name
	.type	\name, @function
\name:
	.cfi_startproc
	endbr64
	.section __patchable_function_entries, "awo", @progbits, \name
	.p2align 3
	.quad	1f
	.text
1:	nop
	nop
	nop
	nop
	nop
	/* The violation: a callee-saved register changed and not restored. */
	movabsq	$\value, %\reg
	ret
	.cfi_endproc
	.size	\name, . - \name
.endm

	planted_clobber abi_clobber_r12, r12, 0x0000abcd00001234
	planted_clobber abi_clobber_rbx, rbx, 0x0000abcd00005678

	.p2align 4
	.globl	abi_lose_sp
	.type	abi_lose_sp, @function
abi_lose_sp:
	.cfi_startproc
	endbr64
	.section __patchable_function_entries, "awo", @progbits, abi_lose_sp
	.p2align 3
	.quad	1f
	.text
1:	nop
	nop
	nop
	nop
	nop
	/* The violation: return 16 bytes below the entry RSP (rax: scratch). */
	movq	(%rsp), %rax
	subq	$16, %rsp
	.cfi_adjust_cfa_offset 16
	movq	%rax, (%rsp)
	ret
	.cfi_endproc
	.size	abi_lose_sp, . - abi_lose_sp

	.p2align 4
	.globl	abi_run_clobberers
	.type	abi_run_clobberers, @function
abi_run_clobberers:
	.cfi_startproc
	endbr64
	/* rbp: a frame record, so the checker's stack walk passes through here. */
	pushq	%rbp
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset rbp, 0
	movq	%rsp, %rbp
	.cfi_def_cfa_register rbp
	/* r12, rbx: the callees break them; our caller must not notice. */
	pushq	%r12
	.cfi_rel_offset r12, -8
	pushq	%rbx
	.cfi_rel_offset rbx, -16
	call	abi_clobber_r12
	call	abi_clobber_rbx
	popq	%rbx
	.cfi_restore rbx
	popq	%r12
	.cfi_restore r12
	popq	%rbp
	.cfi_def_cfa rsp, 8
	.cfi_restore rbp
	ret
	.cfi_endproc
	.size	abi_run_clobberers, . - abi_run_clobberers

	.p2align 4
	.globl	abi_call_misaligned
	.type	abi_call_misaligned, @function
abi_call_misaligned:
	.cfi_startproc
	endbr64
	/* rbp: a frame record (RSP is now 16-aligned), and a way back after. */
	pushq	%rbp
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset rbp, 0
	movq	%rsp, %rbp
	.cfi_def_cfa_register rbp
	/* The violation: 8 more bytes, so fn sees RSP+8 = 8 mod 16. */
	subq	$8, %rsp
	call	*%rdi
	leave
	.cfi_def_cfa rsp, 8
	.cfi_restore rbp
	ret
	.cfi_endproc
	.size	abi_call_misaligned, . - abi_call_misaligned

/* GNU property: IBT-compatible (endbr64 at every indirect-branch target). */
	ariadne_object_notes GNU_PROPERTY_X86_FEATURE_1_IBT
