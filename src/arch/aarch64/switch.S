/* AArch64 context switch: implements src/arch/context.h.
 *
 * A suspended context is the SP at which ariadne_ctx_switch pushed this
 * 0xb0-byte frame (struct SwitchFrame in AsmLayout.hpp; the SF_* offsets come
 * from it through asm-offsets.h; offsets from the saved SP; x29/x30 first so the saved
 * context starts with an ordinary AAPCS64 frame record {FP, LR} that a
 * frame-pointer walk, and tools/gdb/ariadne-fibers.py, can follow):
 *
 *   +0x00  x29 (FP)   +0x08  x30 (LR: where the context resumes)
 *   +0x10  x19        +0x18  x20
 *   +0x20  x21        +0x28  x22
 *   +0x30  x23        +0x38  x24
 *   +0x40  x25        +0x48  x26
 *   +0x50  x27        +0x58  x28
 *   +0x60  d8         +0x68  d9
 *   +0x70  d10        +0x78  d11
 *   +0x80  d12        +0x88  d13
 *   +0x90  d14        +0x98  d15
 *   +0xa0  FPCR       +0xa8  (pad, keeps SP 16-byte aligned)
 *   +0xb0  = SP of the context while it runs
 *
 * Per-fiber vs per-thread state:
 *   switched (per fiber): x19-x28, x29, x30, SP, d8-d15 (AAPCS64 callee-saved;
 *     only the low 64 bits of v8-v15 are callee-saved), FPCR (rounding mode,
 *     flush-to-zero, default-NaN, trap enables: a fiber that sets its rounding
 *     mode must not change the rounding of the fiber that runs next on the
 *     thread -- the OSv fix for the seed bug saves FPCR for the same reason).
 *   NOT switched (per OS thread):
 *     FPSR: the cumulative (sticky) exception flags belong to the thread that
 *       computed, like errno; fenv users test them around their own code.
 *     TPIDR_EL0 (TLS base): fibers migrate between worker threads and must
 *       see the TLS of the thread they currently run on (errno, malloc arenas).
 *   Caller-saved registers (x0-x18, v0-v7/v16-v31 and the upper halves of
 *   v8-v15) are dead across a call by the ABI, so the switch leaves them.
 *
 * BTI: the two global functions are called with BL/BLR and start with
 * `bti c`. The entry trampoline is reached only by the RET at the end of the
 * first switch into a new context; RET is not checked by BTI, so the
 * trampoline deliberately has NO landing pad and is no valid BR/BLR target.
 *
 * PAC: LR is saved and restored raw (unsigned). That is safe: x30 is stored
 * and reloaded by this function and consumed by its own RET without ever
 * being exposed to another function; callers compiled with
 * -mbranch-protection=pac-ret sign LR in their own prologue (modifier SP)
 * and authenticate in their epilogue, and the switch returns to them with
 * SP and x30 bit-identical to the values they had at the call.
 *
 * Mutation: -DARIADNE_SWITCH_DROP_REGISTER builds a switch that does not
 * restore x19 (the first register GCC allocates for values live across a
 * call). -DARIADNE_SWITCH_DROP_FPCTL builds one that does not restore FPCR.
 * Used only by the torture test to prove it can fail.
 */

#include "asm.h"
#include "asm-offsets.h"

#define FRAME SF_SIZE

	.text

/* ariadne_transfer_t ariadne_ctx_switch(ariadne_ctx_t to, void* data)
 * x0 = to, x1 = data; returns {from, data} in x0/x1. */
	.global ariadne_ctx_switch
	.type ariadne_ctx_switch, %function
	.p2align 4
ariadne_ctx_switch:
	.cfi_startproc
	bti	c
	sub	sp, sp, #FRAME
	.cfi_def_cfa_offset FRAME
	/* Frame record first: the suspended context reads as a normal frame. */
	stp	x29, x30, [sp, #SF_X29]
	.cfi_offset x29, -FRAME + SF_X29
	.cfi_offset x30, -FRAME + SF_X30
	/* AAPCS64 callee-saved GPRs: the caller keeps values live in them
	 * across this call; the seed's OSv bug lost exactly these at -O0. */
	stp	x19, x20, [sp, #SF_X(19)]
	stp	x21, x22, [sp, #SF_X(21)]
	stp	x23, x24, [sp, #SF_X(23)]
	stp	x25, x26, [sp, #SF_X(25)]
	stp	x27, x28, [sp, #SF_X(27)]
	.cfi_offset x19, -FRAME + SF_X(19)
	.cfi_offset x20, -FRAME + SF_X(20)
	.cfi_offset x21, -FRAME + SF_X(21)
	.cfi_offset x22, -FRAME + SF_X(22)
	.cfi_offset x23, -FRAME + SF_X(23)
	.cfi_offset x24, -FRAME + SF_X(24)
	.cfi_offset x25, -FRAME + SF_X(25)
	.cfi_offset x26, -FRAME + SF_X(26)
	.cfi_offset x27, -FRAME + SF_X(27)
	.cfi_offset x28, -FRAME + SF_X(28)
	/* d8-d15: callee-saved FP (low 64 bits of v8-v15). */
	stp	d8, d9, [sp, #SF_D(8)]
	stp	d10, d11, [sp, #SF_D(10)]
	stp	d12, d13, [sp, #SF_D(12)]
	stp	d14, d15, [sp, #SF_D(14)]
	/* FPCR: the rounding mode etc. is a property of the computation the
	 * fiber runs, so it travels with the fiber. */
	mrs	x9, fpcr
	str	x9, [sp, #SF_FPCR]

	/* Switch stacks: from here on we run on the target context. */
	mov	x9, sp
	mov	sp, x0
	.cfi_def_cfa sp, FRAME

	ldr	x10, [sp, #SF_FPCR]
#ifndef ARIADNE_SWITCH_DROP_FPCTL
	msr	fpcr, x10
#endif
	ldp	d8, d9, [sp, #SF_D(8)]
	ldp	d10, d11, [sp, #SF_D(10)]
	ldp	d12, d13, [sp, #SF_D(12)]
	ldp	d14, d15, [sp, #SF_D(14)]
#ifdef ARIADNE_SWITCH_DROP_REGISTER
	ldr	x20, [sp, #SF_X(20)]	/* mutant: x19 keeps the other context's value */
#else
	ldp	x19, x20, [sp, #SF_X(19)]
#endif
	ldp	x21, x22, [sp, #SF_X(21)]
	ldp	x23, x24, [sp, #SF_X(23)]
	ldp	x25, x26, [sp, #SF_X(25)]
	ldp	x27, x28, [sp, #SF_X(27)]
	ldp	x29, x30, [sp, #SF_X29]
	add	sp, sp, #FRAME
	.cfi_def_cfa_offset 0
	/* transfer = {from: the frame we just saved, data: x1 unchanged}. */
	mov	x0, x9
	ret
	.cfi_endproc
	.size ariadne_ctx_switch, . - ariadne_ctx_switch

/* ariadne_ctx_t ariadne_ctx_make(void* stack_top, size_t size, void (*entry)(ariadne_transfer_t))
 * Builds a switch frame whose LR is the trampoline and whose x20 is entry. */
	.global ariadne_ctx_make
	.type ariadne_ctx_make, %function
	.p2align 4
ariadne_ctx_make:
	.cfi_startproc
	bti	c
	and	x0, x0, #~15		/* AAPCS64: SP 16-byte aligned */
	/* 16 zero bytes above the frame: a terminating {FP=0, LR=0} record. */
	stp	xzr, xzr, [x0, #-16]!
	sub	x0, x0, #FRAME
	/* Zero the whole frame so a new context starts with known registers. */
	mov	x9, #0
1:	str	xzr, [x0, x9]
	add	x9, x9, #8
	cmp	x9, #FRAME
	b.lo	1b
	adr	x9, ariadne_ctx_trampoline
	str	x9, [x0, #SF_X30]		/* LR: the first switch RETs into it */
	str	x2, [x0, #SF_X(20)]		/* x20 = entry */
	/* A new context starts with the creator's FPCR (as a new thread
	 * inherits its parent's): same rounding, FZ, DN. */
	mrs	x9, fpcr
	str	x9, [x0, #SF_FPCR]
	ret
	.cfi_endproc
	.size ariadne_ctx_make, . - ariadne_ctx_make

/* First code a new context runs. x0/x1 = the transfer from the switch that
 * started it, x20 = entry, x29 = 0. LR is zeroed and marked undefined so
 * gdb and the libgcc unwinder stop here: this is the fiber's outermost
 * frame. No `bti c`: reached only by RET (see header). */
	.type ariadne_ctx_trampoline, %function
	.p2align 4
ariadne_ctx_trampoline:
	.cfi_startproc
	.cfi_undefined x30
	mov	x29, #0
	mov	x30, #0
	blr	x20
	/* entry must never return: it has no context to return to. */
	bl	abort
	.cfi_endproc
	.size ariadne_ctx_trampoline, . - ariadne_ctx_trampoline

/* The frame's layout for tools/gdb/ariadne-fibers.py, which reads it from
 * the program (no debug info needed): frame size, resume address, frame
 * pointer, then the offsets of x19-x28. */
	.section .rodata
	.p2align 3
	.globl	ariadne_fiber_switch_layout
	.hidden	ariadne_fiber_switch_layout
	.type	ariadne_fiber_switch_layout, %object
ariadne_fiber_switch_layout:
	.quad	SF_SIZE, SF_X30, SF_X29
	.quad	SF_X(19), SF_X(20), SF_X(21), SF_X(22), SF_X(23)
	.quad	SF_X(24), SF_X(25), SF_X(26), SF_X(27), SF_X(28)
	.size	ariadne_fiber_switch_layout, . - ariadne_fiber_switch_layout

/* GNU property: this object is BTI- and PAC-compatible (see header). */
	ariadne_object_notes (GNU_PROPERTY_AARCH64_FEATURE_1_BTI | GNU_PROPERTY_AARCH64_FEATURE_1_PAC)
