/* x86-64 context switch: implements src/arch/context.h (SysV AMD64 ABI).
 *
 * A suspended context is the RSP at which ariadne_ctx_switch pushed this
 * frame (struct SwitchFrame in AsmLayout.hpp, SF_* in asm-offsets.h;
 * offsets from the saved RSP):
 *
 *   +0x00  MXCSR (4 bytes)   +0x04  x87 FPU control word (2)   +0x06 pad
 *   +0x08  r15
 *   +0x10  r14
 *   +0x18  r13
 *   +0x20  r12
 *   +0x28  rbx
 *   +0x30  rbp              <- saved frame pointer
 *   +0x38  return address   <- where the context resumes (RIP)
 *   +0x40  = RSP of the context after the switch returns
 *
 * rbp/return address sit adjacent as in a normal frame, so a frame-pointer
 * walk from +0x30 works (tools/gdb/ariadne-fibers.py).
 *
 * Per-fiber vs per-thread state:
 *   switched (per fiber): rbx, rbp, r12-r15, RSP (SysV callee-saved);
 *     MXCSR control bits 6-15 (DAZ, exception masks, rounding, FTZ) and the
 *     x87 control word (precision, rounding, masks) -- the ABI says these are
 *     callee-saved, and a fiber's rounding mode must not leak into the next
 *     fiber on the thread.
 *   MXCSR status flags (bits 0-5) travel with the fiber too: the whole saved
 *     MXCSR is loaded on resume. The ABI makes the status bits caller-saved,
 *     so a callee may change them; keeping the thread's current flags
 *     instead needs a stmxcsr-merge-ldmxcsr on every switch, measured at
 *     2x the cost of the whole switch (docs/performance.md). A fiber thus
 *     sees the sticky flags of its own computations.
 *   NOT switched (per OS thread):
 *     the x87 status word (x87 exception flags; nothing in the ABI keeps
 *       live state in it across a call).
 *     FS base (TLS): fibers migrate between worker threads and must see the
 *       TLS of the thread they run on.
 *   Caller-saved registers (rax, rcx, rdx, rsi, rdi, r8-r11, xmm0-15) are
 *   dead across a call by the ABI.
 *
 * CET: both global functions start with endbr64 (IBT). The entry trampoline
 * is reached only by the RET of the first switch into a new context, and
 * RET is not an IBT-tracked branch, so it has no endbr64. The property note
 * claims IBT but deliberately NOT SHSTK: resuming another stack with RET
 * would mismatch a hardware shadow stack (#CP); supporting SHSTK needs a
 * shadow stack per fiber (rstorssp/saveprevssp), not done. Claiming it
 * would let the loader enable shadow stacks for a binary whose fibers die.
 *
 * Mutation: -DARIADNE_SWITCH_DROP_REGISTER builds a switch that does not
 * restore rbx; -DARIADNE_SWITCH_DROP_FPCTL one that does not restore MXCSR
 * and the x87 control word. Used only by the torture test to prove it can fail.
 */

#include "asm.h"
#include "asm-offsets.h"

/* ariadne_push_callee_saved and the return address lay the frame out; they
 * must agree with struct SwitchFrame (AsmLayout.hpp), which gdb reads. */
.if SF_RIP != SF_SIZE - 8 || SF_RBP != SF_RIP - 8 || SF_RBX != SF_RBP - 8 || SF_R12 != SF_RBX - 8 || SF_R13 != SF_R12 - 8 || SF_R14 != SF_R13 - 8 || SF_R15 != SF_R14 - 8 || SF_MXCSR != 0 || SF_R15 != 8
.error "switch.S: the pushes do not lay out struct SwitchFrame"
.endif

	.text

/* ariadne_transfer_t ariadne_ctx_switch(ariadne_ctx_t to, void* data)
 * rdi = to, rsi = data; returns {from, data} in rax:rdx. */
	.globl ariadne_ctx_switch
	.type ariadne_ctx_switch, @function
	.p2align 4
ariadne_ctx_switch:
	.cfi_startproc
	endbr64
	/* SysV callee-saved GPRs: the caller keeps values live in them across
	 * this call. rbp first so it sits next to the return address. */
	ariadne_push_callee_saved
	/* FP control state (rounding mode, masks) travels with the fiber. */
	subq	$8, %rsp
	.cfi_def_cfa_offset 64
	stmxcsr	SF_MXCSR(%rsp)
	fnstcw	SF_X87CW(%rsp)

	/* Switch stacks: from here on we run on the target context. */
	movq	%rsp, %rax		/* transfer.from = the frame just saved */
	movq	%rdi, %rsp

	/* The resume address first, so the final indirect jump's target is
	 * known long before the jump (it is not on the critical path). */
	movq	SF_RIP(%rsp), %r8
	/* FP control state of the resumed context, loaded as saved. */
#ifndef ARIADNE_SWITCH_DROP_FPCTL
	ldmxcsr	SF_MXCSR(%rsp)
	fldcw	SF_X87CW(%rsp)
#endif
	addq	$8, %rsp
	.cfi_def_cfa_offset 56
#ifdef ARIADNE_SWITCH_DROP_REGISTER
	ariadne_pop_callee_saved skip=rbx	/* mutant: rbx keeps the other context's value */
#else
	ariadne_pop_callee_saved
#endif
	/* Return by jump, not RET: RET into another stack always mispredicts
	 * (the return stack buffer holds the caller of the switching context);
	 * an indirect jump is learnt by the branch predictor. `notrack`: the
	 * target is a return address, which has no endbr64. */
	leaq	8(%rsp), %rsp
	.cfi_def_cfa_offset 0
	.cfi_register rip, r8
	movq	%rsi, %rdx		/* transfer.data */
	notrack jmpq *%r8
	.cfi_endproc
	.size ariadne_ctx_switch, . - ariadne_ctx_switch

/* ariadne_ctx_t ariadne_ctx_make(void* stack_top, size_t size, void (*entry)(ariadne_transfer_t))
 * Builds a switch frame whose return address is the trampoline and whose
 * r12 is entry. */
	.globl ariadne_ctx_make
	.type ariadne_ctx_make, @function
	.p2align 4
ariadne_ctx_make:
	.cfi_startproc
	endbr64
	movq	%rdi, %rax
	andq	$-16, %rax		/* SysV: RSP 16-byte aligned at a call */
	/* 16 zero bytes at the top: a terminating {rbp=0, ret=0} record. */
	movq	$0, -8(%rax)
	movq	$0, -16(%rax)
	subq	$(SF_SIZE + 0x10), %rax	/* frame + terminator (0x10) */
	/* Zero the frame so a new context starts with known registers. */
	xorl	%ecx, %ecx
1:	movq	$0, (%rax, %rcx)
	addq	$8, %rcx
	cmpq	$SF_SIZE, %rcx
	jb	1b
	leaq	ariadne_ctx_trampoline(%rip), %rcx
	movq	%rcx, SF_RIP(%rax)	/* the first switch RETs into it */
	movq	%rdx, SF_R12(%rax)	/* r12 = entry */
	/* A new context starts with the creator's FP control state. */
	stmxcsr	SF_MXCSR(%rax)
	andl	$~0x3f, SF_MXCSR(%rax)
	fnstcw	SF_X87CW(%rax)
	ret
	.cfi_endproc
	.size ariadne_ctx_make, . - ariadne_ctx_make

/* First code a new context runs: rax:rdx = the transfer, r12 = entry,
 * rbp = 0, RSP 16-byte aligned with a zero "return address" above it.
 * The return address is marked undefined so gdb and the libgcc unwinder
 * stop here: the fiber's outermost frame. No endbr64: reached by RET. */
	.type ariadne_ctx_trampoline, @function
	.p2align 4
ariadne_ctx_trampoline:
	.cfi_startproc
	.cfi_undefined rip
	xorl	%ebp, %ebp
	movq	%rax, %rdi
	movq	%rdx, %rsi
	call	*%r12
	/* entry must never return: it has no context to return to. */
	call	abort@PLT
	.cfi_endproc
	.size ariadne_ctx_trampoline, . - ariadne_ctx_trampoline

/* The frame's layout for tools/gdb/ariadne-fibers.py, which reads it from
 * the program (no debug info needed): frame size, resume address, frame
 * pointer, then the offsets of rbx, rbp, r12-r15. */
	.section .rodata
	.p2align 3
	.globl	ariadne_fiber_switch_layout
	.hidden	ariadne_fiber_switch_layout
	.type	ariadne_fiber_switch_layout, @object
ariadne_fiber_switch_layout:
	.quad	SF_SIZE, SF_RIP, SF_RBP
	.quad	SF_RBX, SF_RBP, SF_R12, SF_R13, SF_R14, SF_R15
	.size	ariadne_fiber_switch_layout, . - ariadne_fiber_switch_layout

/* GNU property: IBT-compatible; SHSTK deliberately not claimed (header). */
	ariadne_object_notes (GNU_PROPERTY_X86_FEATURE_1_IBT)
