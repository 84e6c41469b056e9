/* x86-64 level-1 preemption stub (src/fiber/Preempt.hpp): where a fiber
 * whose slice is over goes from an instrumented function's entry. The trace
 * runtime's entry path resumes here instead of in the function's body
 * (Frame::resume), with the function's entry registers: RSP at the entry,
 * the caller's return address on top, the arguments in their registers.
 *
 * Saves every register into a PreemptFrame (PreemptFrame.hpp, PF_* offsets)
 * on the fiber's stack, calls ariadne_preempt_at_entry() (which yields the
 * fiber and, once it runs again, returns where the function goes on),
 * restores them all and jumps into the body. Only the arguments (rdi..r9,
 * rax, r10, xmm/ymm0-7) are live at an entry, but the whole file is cheap
 * next to a switch and exact whatever the calling convention.
 *
 * Reached by the trampoline's RET, so no IBT landing pad is required; one is
 * there anyway, harmless. The jump into the body is `notrack`: the body has
 * no endbr64.
 */
#include "asm.h"
#include "asm-offsets.h"

	.text
	.globl	ariadne_preempt_entry_stub
	.type	ariadne_preempt_entry_stub, @function
	.p2align 4
ariadne_preempt_entry_stub:
	.cfi_startproc
	endbr64
	/* A frame record {rbp, return address}: debuggers and frame-pointer
	 * walks see the stub as called by the function's caller. */
	pushq	%rbp
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset rbp, 0
	movq	%rsp, %rbp
	.cfi_def_cfa_register rbp
	/* The flags first (nothing below may change them before they are kept). */
	pushfq
	pushq	%rax
	/* The frame: PF_SIZE + the XSAVE image, 64-byte aligned below. */
	movq	ariadne_preempt_frame_size(%rip), %rax
	negq	%rax
	leaq	-16(%rbp, %rax), %rsp
	andq	$-64, %rsp
	/* General registers: the function's arguments and anything else live. */
	movq	-16(%rbp), %rax
	movq	%rax, PF_RAX(%rsp)
	movq	%rbx, PF_RBX(%rsp)
	movq	%rcx, PF_RCX(%rsp)
	movq	%rdx, PF_RDX(%rsp)
	movq	%rsi, PF_RSI(%rsp)
	movq	%rdi, PF_RDI(%rsp)
	movq	%r8, PF_R8(%rsp)
	movq	%r9, PF_R9(%rsp)
	movq	%r10, PF_R10(%rsp)
	movq	%r11, PF_R11(%rsp)
	movq	%r12, PF_R12(%rsp)
	movq	%r13, PF_R13(%rsp)
	movq	%r14, PF_R14(%rsp)
	movq	%r15, PF_R15(%rsp)	/* rbx, r12-r15: kept by the C call too */
	movq	-8(%rbp), %rax
	movq	%rax, PF_RFLAGS(%rsp)
	/* FP/SIMD and control state (x87 CW, MXCSR, xmm, ymm uppers, ...):
	 * XSAVE of every component XCR0 enables. The 64-byte header must be
	 * zero first: XSAVE writes only the XSTATE_BV bits of the components
	 * it saves (the others keep whatever the stack held), and XRSTOR
	 * refuses a header with any other bit set. */
	xorl	%eax, %eax
	movq	%rax, PF_SIZE + 512(%rsp)
	movq	%rax, PF_SIZE + 512 + 8(%rsp)
	movq	%rax, PF_SIZE + 512 + 16(%rsp)
	movq	%rax, PF_SIZE + 512 + 24(%rsp)
	movq	%rax, PF_SIZE + 512 + 32(%rsp)
	movq	%rax, PF_SIZE + 512 + 40(%rsp)
	movq	%rax, PF_SIZE + 512 + 48(%rsp)
	movq	%rax, PF_SIZE + 512 + 56(%rsp)
	movl	$-1, %eax
	movl	$-1, %edx
	xsave	PF_SIZE(%rsp)
	cld				/* SysV: DF clear at a call */

	call	ariadne_preempt_at_entry
	/* rax = where the function goes on (its body). */
	movq	%rax, %r11

	movl	$-1, %eax
	movl	$-1, %edx
	xrstor	PF_SIZE(%rsp)
	movq	PF_RFLAGS(%rsp), %rax
	movq	%rax, -8(%rbp)
	movq	PF_RAX(%rsp), %rax
	movq	PF_RCX(%rsp), %rcx
	movq	PF_RDX(%rsp), %rdx
	movq	PF_RSI(%rsp), %rsi
	movq	PF_RDI(%rsp), %rdi
	movq	PF_R8(%rsp), %r8
	movq	PF_R9(%rsp), %r9
	movq	PF_R10(%rsp), %r10
	/* r11 carries the body's address: scratch at a function's entry. */
	leaq	-8(%rbp), %rsp
	popfq
	popq	%rbp
	.cfi_def_cfa rsp, 8
	.cfi_restore rbp
	notrack jmpq *%r11
	.cfi_endproc
	.size	ariadne_preempt_entry_stub, . - ariadne_preempt_entry_stub

	ariadne_object_notes (GNU_PROPERTY_X86_FEATURE_1_IBT)
