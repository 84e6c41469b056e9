/* Test-only register torture helper for x86-64 (see src/arch/torture_regs.h).
 *
 * struct ariadne_torture_regs slots (expect[] at +0, seen[] at +192,
 * rounding at +384):
 *   0 rbx  1 rbp  2 r12  3 r13  4 r14  5 r15
 *   6 MXCSR control bits (status flags 0-5 masked: per thread)
 *   7 x87 control word   8 RSP
 *
 * Own frame (RSP-relative after the prologue):
 *   +0x00 regs pointer  +0x08 result pointer  +0x10 scratch
 *   +0x18 r15  +0x20 r14  +0x28 r13  +0x30 r12  +0x38 rbx  +0x40 rbp
 *   +0x48 return address
 */

#include "asm.h"
#define SEEN 192
#define ROUNDING 384

	.text
	.globl ariadne_torture_switch
	.type ariadne_torture_switch, @function
	.p2align 4
/* void ariadne_torture_switch(regs rdi, to rsi, data rdx, result rcx) */
ariadne_torture_switch:
	.cfi_startproc
	endbr64
	/* Our caller's callee-saved registers: we overwrite them with patterns. */
	ariadne_push_callee_saved
	subq	$24, %rsp
	.cfi_def_cfa_offset 80
	/* Kept on our own stack: it comes back only if RSP was switched right. */
	movq	%rdi, 0(%rsp)
	movq	%rcx, 8(%rsp)

	/* Rounding: abstract (nearest, up, down, zero) -> x86 RC (0, 2, 1, 3). */
	movl	ROUNDING(%rdi), %eax
	andl	$3, %eax
	movl	%eax, %ecx
	shrl	$1, %ecx
	andl	$1, %eax
	addl	%eax, %eax
	orl	%ecx, %eax		/* eax = RC */
	/* MXCSR.RC bits 14:13; stays set so the caller's C code uses it. */
	stmxcsr	16(%rsp)
	movl	16(%rsp), %ecx
	andl	$~0x6000, %ecx
	movl	%eax, %r8d
	shll	$13, %r8d
	orl	%r8d, %ecx
	movl	%ecx, 16(%rsp)
	ldmxcsr	16(%rsp)
	andl	$~0x3f, %ecx
	movq	%rcx, 6 * 8(%rdi)
	/* x87 CW.RC bits 11:10, same encoding. */
	fnstcw	16(%rsp)
	movzwl	16(%rsp), %ecx
	andl	$~0xc00, %ecx
	shll	$10, %eax
	orl	%eax, %ecx
	movw	%cx, 16(%rsp)
	fldcw	16(%rsp)
	movq	%rcx, 7 * 8(%rdi)
	movq	%rsp, 8 * 8(%rdi)

	/* Patterns into every callee-saved register. */
	movq	0 * 8(%rdi), %rbx
	movq	1 * 8(%rdi), %rbp
	movq	2 * 8(%rdi), %r12
	movq	3 * 8(%rdi), %r13
	movq	4 * 8(%rdi), %r14
	movq	5 * 8(%rdi), %r15

	movq	%rsi, %rdi
	movq	%rdx, %rsi
	call	ariadne_ctx_switch

	/* Record immediately, before anything else can touch them. */
	movq	0(%rsp), %r8
	movq	%rbx, SEEN + 0 * 8(%r8)
	movq	%rbp, SEEN + 1 * 8(%r8)
	movq	%r12, SEEN + 2 * 8(%r8)
	movq	%r13, SEEN + 3 * 8(%r8)
	movq	%r14, SEEN + 4 * 8(%r8)
	movq	%r15, SEEN + 5 * 8(%r8)
	stmxcsr	16(%rsp)
	movl	16(%rsp), %ecx
	andl	$~0x3f, %ecx
	movq	%rcx, SEEN + 6 * 8(%r8)
	movq	$0, 16(%rsp)
	fnstcw	16(%rsp)
	movzwl	16(%rsp), %ecx
	movq	%rcx, SEEN + 7 * 8(%r8)
	movq	%rsp, SEEN + 8 * 8(%r8)
	movq	8(%rsp), %rcx
	movq	%rax, 0(%rcx)
	movq	%rdx, 8(%rcx)

	addq	$24, %rsp
	.cfi_def_cfa_offset 56
	ariadne_pop_callee_saved
	ret
	.cfi_endproc
	.size ariadne_torture_switch, . - ariadne_torture_switch

	.section .rodata
	.globl ariadne_torture_reg_names
	.type ariadne_torture_reg_names, @object
ariadne_torture_reg_names:
	.asciz "rbx rbp r12 r13 r14 r15 mxcsr x87cw rsp"
	.size ariadne_torture_reg_names, . - ariadne_torture_reg_names
	.globl ariadne_torture_reg_count
	.type ariadne_torture_reg_count, @object
	.p2align 2
ariadne_torture_reg_count:
	.long 9
	.size ariadne_torture_reg_count, 4

	ariadne_object_notes (GNU_PROPERTY_X86_FEATURE_1_IBT)
