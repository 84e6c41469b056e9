/* AArch64 trace trampolines: implement the contract of src/trace/Dispatch.hpp
 * for the sleds of src/arch/aarch64/CodePatch.cpp.
 *
 * Both trampolines push one 0x200-byte frame (offsets from the SP after the
 * push; the Regs offsets are asm-offsets.h's, generated from the struct):
 *
 *   +0x000  x0 ... x29      Regs.x[0..29]   (stp pairs)
 *   +0x0f0  x30             Regs.x[30]: the caller's return address
 *   +0x0f8  sp              Regs.sp: the SP the function was entered with
 *   +0x100  pc              Regs.pc: the site
 *   +0x108  nzcv
 *   +0x110  q0 ... q7       16 bytes each
 *   +0x190  d8 ... d15      low halves of v8-v15
 *   +0x1d0  fpcr            +0x1d8  fpsr
 *   +0x1e0  resume          +0x1e8  flags
 *   +0x1f0  frame record {FP, LR} that x29 points at while the core runs
 *   +0x200  = the function-entry SP (the CFA)
 *
 * Entry (sled `mov x9, x30; bl T`, possibly through a veneer `br x16`):
 * x9 = the caller's return address, x30 = site + 8 (the body), SP = the
 * function-entry SP. The frame record at +0x1f0 is {&Regs.x[29], site + 8},
 * and Regs.x[29..30] is itself a record {caller FP, caller LR}, so a
 * frame-pointer walk from a handler sees trampoline -> traced function ->
 * its caller. The CFI says the same for DWARF unwinders: the return address
 * (site + 8) is kept in a column of its own (x16) because the caller's
 * x30 -- what the traced function will return to -- is a different value
 * (Regs.x[30]). The FDE is marked as a signal frame, so unwinders look up
 * the traced function at site + 8 exactly: the compiler's FDE for it begins
 * after the sled, so "site + 8 - 1" would find none. libgcc's unwinder
 * (_Unwind_Backtrace, exceptions) then walks handler -> trampoline -> traced
 * function -> caller. gdb's AArch64 unwinder takes the caller's PC from x30
 * rather than the return column, so `bt` shows handler -> "<signal handler
 * called>" (the trampoline) -> the traced function's caller -> ..., without
 * the traced function itself, and without complaint.
 *
 * Exit: the record at +0x1f0 is {caller FP, 0} and the CFI marks x30
 * undefined: only the core knows the original return address, so walks
 * stop at the exit trampoline.
 *
 * Lean frames (trace.hpp kHandlerLean): while every registered handler is
 * lean (ariadne_trace_lean_frames != 0; the entry trampoline keeps its
 * choice in x19 across the C call) the trampolines skip what only
 * full-frame handlers read: the scratch registers x10-x17, x19-x27 (the C
 * code preserves them), d8-d15 and FPCR. The CFI therefore describes x20-x28
 * as unchanged (true in both kinds: the C code preserves them, and a
 * full-frame handler that edits them is obeyed only after the handlers).
 *
 * BTI: the entry trampoline is a BR x16 target (veneers) and starts with
 * `bti c`. The exit trampoline and the return stub are reached only by RET,
 * which BTI does not check; they have no landing pad and are no valid
 * BR/BLR targets. Everything continues with RET (`ret x16` into a body or a
 * redirect target, which have no BR landing pad of their own).
 *
 * PAC: x30 is handed on raw. A traced function built with pac-ret signs x30
 * after the sled, with the same SP and x30 it would have had without the
 * trampoline.
 */

#include "asm.h"
#include "asm-offsets.h"
#include "arch/fused_path_data.h"

#define FRAME_SIZE 0x200
#define RECORD REGS_SIZE	/* the {FP, LR} record above the Regs */

/* The Regs blocks both trampolines save and load, defined once. */
	.macro save_x10_x17
	stp	x10, x11, [sp, #REGS_X(10)]
	stp	x12, x13, [sp, #REGS_X(12)]
	stp	x14, x15, [sp, #REGS_X(14)]
	stp	x16, x17, [sp, #REGS_X(16)]
	.endm

	.macro save_x20_x27
	stp	x20, x21, [sp, #REGS_X(20)]
	stp	x22, x23, [sp, #REGS_X(22)]
	stp	x24, x25, [sp, #REGS_X(24)]
	stp	x26, x27, [sp, #REGS_X(26)]
	.endm

	.macro save_q0_q7
	stp	q0, q1, [sp, #REGS_Q(0)]
	stp	q2, q3, [sp, #REGS_Q(2)]
	stp	q4, q5, [sp, #REGS_Q(4)]
	stp	q6, q7, [sp, #REGS_Q(6)]
	.endm

	.macro save_d8_d15
	stp	d8, d9, [sp, #REGS_D8_15 + 0x00]
	stp	d10, d11, [sp, #REGS_D8_15 + 0x10]
	stp	d12, d13, [sp, #REGS_D8_15 + 0x20]
	stp	d14, d15, [sp, #REGS_D8_15 + 0x30]
	.endm

	/* FPSR and q0-q7 back from the frame (clobbers x12). */
	.macro load_fpsr_q0_q7
	ldr	x12, [sp, #REGS_FPSR]
	msr	fpsr, x12
	ldp	q0, q1, [sp, #REGS_Q(0)]
	ldp	q2, q3, [sp, #REGS_Q(2)]
	ldp	q4, q5, [sp, #REGS_Q(4)]
	ldp	q6, q7, [sp, #REGS_Q(6)]
	.endm

	.macro load_x0_x7
	ldp	x0, x1, [sp, #REGS_X(0)]
	ldp	x2, x3, [sp, #REGS_X(2)]
	ldp	x4, x5, [sp, #REGS_X(4)]
	ldp	x6, x7, [sp, #REGS_X(6)]
	.endm

/* The frame kind (src/trace/Handlers.hpp): 0 full, else lean. Full until
 * the core says otherwise, so programs that drive the trampolines without
 * the core (the arch tests) get full frames. */
	.data
	.globl	ariadne_trace_lean_frames
	.hidden	ariadne_trace_lean_frames
	.type	ariadne_trace_lean_frames, %object
	.size	ariadne_trace_lean_frames, 1
ariadne_trace_lean_frames:
	.byte	0

	ariadne_fused_path_data

	.text

/* ariadne_trace_entry_trampoline: see the header. */
	.global ariadne_trace_entry_trampoline
	.type ariadne_trace_entry_trampoline, %function
	.p2align 4
ariadne_trace_entry_trampoline:
	.cfi_startproc
	ariadne_sled_entry_cfi
	bti	c
	.cfi_remember_state
	adrp	x16, ariadne_trace_fused_entry
	ldr	x16, [x16, :lo12:ariadne_trace_fused_entry]
	cbnz	x16, .Lentry_fused
	.globl	ariadne_trace_entry_generic
	.hidden	ariadne_trace_entry_generic
ariadne_trace_entry_generic:
	sub	sp, sp, #FRAME_SIZE
	.cfi_def_cfa_offset FRAME_SIZE
	/* x0-x7 arguments, x8 indirect result (x9: the caller's LR, from the
	 * sled): restored below. */
	stp	x0, x1, [sp, #REGS_X(0)]
	stp	x2, x3, [sp, #REGS_X(2)]
	stp	x4, x5, [sp, #REGS_X(4)]
	stp	x6, x7, [sp, #REGS_X(6)]
	stp	x8, x9, [sp, #REGS_X(8)]
	/* x18 (platform register) and x19, which holds the frame kind while
	 * the C code runs (non-zero: lean; see the header). */
	stp	x18, x19, [sp, #REGS_X(18)]
	.cfi_offset x19, REGS_X(19) - FRAME_SIZE
	adrp	x19, ariadne_trace_lean_frames
	ldrb	w19, [x19, :lo12:ariadne_trace_lean_frames]
	cbnz	w19, 1f
	/* Full frames: the scratch registers x10-x17 (a handler may set them,
	 * e.g. for a redirect target), the callee-saved x20-x27 (the exit
	 * frame's ABI check compares them), d8-d15 and FPCR (callee-saved
	 * state, recorded for the ABI check; the handler's C code preserves
	 * them, so they are not restored). */
	save_x10_x17
	save_x20_x27
	save_d8_d15
	mrs	x12, fpcr
	str	x12, [sp, #REGS_FPCR]
1:	stp	x28, x29, [sp, #REGS_X(28)]
	.cfi_offset x29, REGS_X29 - FRAME_SIZE
	/* x[30] = the caller's return address, moved to x9 by the sled. */
	str	x9, [sp, #REGS_X30]
	.cfi_offset x30, REGS_X30 - FRAME_SIZE
	/* sp = function-entry SP; pc = the site (the BL sits at site + 4). */
	add	x10, sp, #FRAME_SIZE
	sub	x11, x30, #8
	stp	x10, x11, [sp, #REGS_SP]
	/* NZCV is dead at a function's entry and after its return (AAPCS64:
	 * not preserved across calls): neither saved nor restored; 0 in the
	 * frame. */
	str	xzr, [sp, #REGS_NZCV]
	/* q0-q7: floating-point / SIMD arguments (whole registers: HFAs of
	 * vectors and short vectors use all 128 bits). */
	save_q0_q7
	/* FPSR: the sticky flags belong to the program, not the handler. */
	mrs	x13, fpsr
	str	x13, [sp, #REGS_FPSR]
	/* resume = the body unless a handler skips or redirects; flags = 0. */
	stp	x30, xzr, [sp, #REGS_RESUME]
	/* Frame record {&Regs.x[29], site + 8}: the traced function appears
	 * as a frame between this one and its caller. */
	add	x12, sp, #REGS_X29
	stp	x12, x30, [sp, #RECORD]
	.cfi_offset x16, RECORD + 8 - FRAME_SIZE
	add	x29, sp, #RECORD

	mov	x0, sp
	bl	ariadne_trace_on_entry
	/* x0 = where to continue (== Regs.resume). */
	mov	x16, x0

	load_fpsr_q0_q7
	load_x0_x7
	ldr	x8, [sp, #REGS_X(8)]
	cbnz	w19, 2f
	/* Full frames: as the frame holds them (a handler may have set them).
	 * x16 carries the continue address, so x16 alone is not restored. */
	ldr	x9, [sp, #REGS_X(9)]
	ldp	x10, x11, [sp, #REGS_X(10)]
	ldp	x12, x13, [sp, #REGS_X(12)]
	ldp	x14, x15, [sp, #REGS_X(14)]
	ldr	x17, [sp, #REGS_X(17)]
	ldp	x20, x21, [sp, #REGS_X(20)]
	ldp	x22, x23, [sp, #REGS_X(22)]
	ldp	x24, x25, [sp, #REGS_X(24)]
	ldp	x26, x27, [sp, #REGS_X(26)]
2:	ldp	x18, x19, [sp, #REGS_X(18)]
	ldp	x28, x29, [sp, #REGS_X(28)]
	/* x30 as the core left it: the caller's return address, or
	 * ariadne_trace_exit_trampoline when the exit is hooked. */
	ldr	x30, [sp, #REGS_X30]
	add	sp, sp, #FRAME_SIZE
	.cfi_def_cfa_offset 0
	.cfi_same_value x19
	.cfi_same_value x29
	.cfi_same_value x30
	.cfi_same_value x16
	ret	x16
.Lentry_fused:
	.cfi_restore_state
	br	x16
	.cfi_endproc
	.size ariadne_trace_entry_trampoline, . - ariadne_trace_entry_trampoline

/* ariadne_trace_exit_trampoline: the return address the core plants for
 * calls with exit handlers; reached by the traced function's RET with
 * SP = its entry SP. The original return address is known only to the
 * core (it is what ariadne_trace_on_exit returns), so the CFI marks x30
 * undefined: unwinders stop here instead of following a wrong address.
 * The leading NOP is inside the FDE so that an unwinder looking up
 * "return address - 1" for a frame that returns here finds this FDE. */
	.p2align 4
	.cfi_startproc
	.cfi_undefined x30
	nop
	.global ariadne_trace_exit_trampoline
	.type ariadne_trace_exit_trampoline, %function
ariadne_trace_exit_trampoline:
	.cfi_remember_state
	adrp	x16, ariadne_trace_fused_exit
	ldr	x16, [x16, :lo12:ariadne_trace_fused_exit]
	cbnz	x16, .Lexit_fused
	.globl	ariadne_trace_exit_generic
	.hidden	ariadne_trace_exit_generic
ariadne_trace_exit_generic:
	sub	sp, sp, #FRAME_SIZE
	.cfi_def_cfa_offset FRAME_SIZE
	/* x0-x7 / x8: return values and the indirect result address. */
	stp	x0, x1, [sp, #REGS_X(0)]
	stp	x2, x3, [sp, #REGS_X(2)]
	stp	x4, x5, [sp, #REGS_X(4)]
	stp	x6, x7, [sp, #REGS_X(6)]
	stp	x8, x9, [sp, #REGS_X(8)]
	/* The frame kind (x12: scratch, dead after a return). */
	adrp	x12, ariadne_trace_lean_frames
	ldrb	w12, [x12, :lo12:ariadne_trace_lean_frames]
	cbnz	w12, 1f
	/* Full frames: the scratch registers x10-x18 too, so the frame holds
	 * no stale bytes; x19-x27, d8-d15 and FPCR as the function left them
	 * (the ABI check compares them with the entry frame). */
	save_x10_x17
	stp	x18, x19, [sp, #REGS_X(18)]
	save_x20_x27
	save_d8_d15
	mrs	x12, fpcr
	str	x12, [sp, #REGS_FPCR]
1:	stp	x28, x29, [sp, #REGS_X(28)]
	.cfi_offset x29, REGS_X29 - FRAME_SIZE
	/* x[30] = what the function returned through (this trampoline);
	 * sp = SP after the return (the entry SP); pc = 0: the core knows
	 * the site. */
	add	x10, sp, #FRAME_SIZE
	stp	x30, x10, [sp, #REGS_X30]
	str	xzr, [sp, #REGS_PC]
	/* NZCV: dead after a return (see the entry trampoline). */
	str	xzr, [sp, #REGS_NZCV]
	/* q0-q7: floating-point / SIMD return values (HFA/HVA up to 4). */
	save_q0_q7
	/* FPSR: restored. */
	mrs	x13, fpsr
	str	x13, [sp, #REGS_FPSR]
	stp	xzr, xzr, [sp, #REGS_RESUME]
	/* Frame record {caller FP, 0}: a frame-pointer walk ends here, like
	 * the DWARF one (the return address is the core's). */
	stp	x29, xzr, [sp, #RECORD]
	add	x29, sp, #RECORD

	mov	x0, sp
	bl	ariadne_trace_on_exit
	/* x0 = the original return address. */
	mov	x30, x0

	load_fpsr_q0_q7
	load_x0_x7
	ldr	x8, [sp, #REGS_X(8)]
	/* x29 was pointed at the record; x19-x28 the C code preserved. */
	ldr	x29, [sp, #REGS_X29]
	add	sp, sp, #FRAME_SIZE
	.cfi_def_cfa_offset 0
	.cfi_same_value x29
	.cfi_same_value x30
	ret
.Lexit_fused:
	.cfi_restore_state
	br	x16
	.cfi_endproc
	.size ariadne_trace_exit_trampoline, . - ariadne_trace_exit_trampoline

/* ariadne_trace_return_stub: where Frame::skip() continues. The entry
 * trampoline arrives with x30 = the caller's return address and SP = the
 * function-entry SP, so this returns to the caller. Reached by RET only. */
	.global ariadne_trace_return_stub
	.type ariadne_trace_return_stub, %function
	.p2align 2
ariadne_trace_return_stub:
	.cfi_startproc
	ret
	.cfi_endproc
	.size ariadne_trace_return_stub, . - ariadne_trace_return_stub

/* GNU property: BTI-compatible (landing pads as the header says). */
	ariadne_object_notes GNU_PROPERTY_AARCH64_FEATURE_1_BTI
