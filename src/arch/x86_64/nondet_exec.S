/* x86-64: runs one nondeterministic instruction for replay's recorder
 * (src/arch/NondetInsn.hpp): the program's copy of it was replaced by int3,
 * so the SIGTRAP handler runs it here, with the inputs the program had, and
 * logs what it produced.
 *
 *   uint64_t ariadne_x86_nondet_exec(unsigned kind, uint64_t io[4])
 *
 * io = {rax, rbx, rcx, rdx}: in, the program's (cpuid reads eax and ecx);
 * out, the instruction's results, zero-extended as the instruction leaves
 * them. Returns CF (rdrand, rdseed: 1 when a value was delivered). The kind
 * numbers are NondetInsn.cpp's Kind.
 */

#include "asm.h"

	.text
	.globl	ariadne_x86_nondet_exec
	.hidden	ariadne_x86_nondet_exec
	.type	ariadne_x86_nondet_exec, @function
	.p2align 4
ariadne_x86_nondet_exec:
	.cfi_startproc
	endbr64
	/* rbx is callee-saved and cpuid writes it. */
	ariadne_push rbx
	movq	%rsi, %r8
	cmpl	$0, %edi
	je	.Lrdtsc
	cmpl	$1, %edi
	je	.Lrdtscp
	cmpl	$2, %edi
	je	.Lcpuid
	cmpl	$3, %edi
	je	.Lrdrand
	cmpl	$4, %edi
	je	.Lrdseed
	cmpl	$5, %edi
	je	.Lrdpid
	xorl	%eax, %eax
	jmp	.Lout
.Lrdtsc:
	rdtsc
	movq	%rax, 0(%r8)
	movq	%rdx, 24(%r8)
	xorl	%eax, %eax
	jmp	.Lout
.Lrdtscp:
	rdtscp
	movq	%rax, 0(%r8)
	movq	%rcx, 16(%r8)
	movq	%rdx, 24(%r8)
	xorl	%eax, %eax
	jmp	.Lout
.Lcpuid:
	movl	0(%r8), %eax
	movl	16(%r8), %ecx
	cpuid
	movq	%rax, 0(%r8)
	movq	%rbx, 8(%r8)
	movq	%rcx, 16(%r8)
	movq	%rdx, 24(%r8)
	xorl	%eax, %eax
	jmp	.Lout
.Lrdrand:
	rdrand	%rdx
	setc	%al
	movq	%rdx, 0(%r8)
	movzbl	%al, %eax
	jmp	.Lout
.Lrdseed:
	rdseed	%rdx
	setc	%al
	movq	%rdx, 0(%r8)
	movzbl	%al, %eax
	jmp	.Lout
.Lrdpid:
	rdpid	%rdx
	movq	%rdx, 0(%r8)
	xorl	%eax, %eax
.Lout:
	popq	%rbx
	.cfi_adjust_cfa_offset -8
	.cfi_restore rbx
	ret
	.cfi_endproc
	.size	ariadne_x86_nondet_exec, . - ariadne_x86_nondet_exec

/* GNU property: IBT-compatible (endbr64 at the entry), no shadow-stack games. */
	ariadne_object_notes (GNU_PROPERTY_X86_FEATURE_1_IBT | GNU_PROPERTY_X86_FEATURE_1_SHSTK)
