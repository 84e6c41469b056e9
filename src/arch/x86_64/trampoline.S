/* x86-64 trace trampolines: implement the contract of src/trace/Dispatch.hpp
 * (SysV AMD64 ABI). Regs offsets come from asm-offsets.h,
 * generated from the struct at build time.
 *
 * Entry trampoline, reached by the site's `call rel32` (or a veneer's
 * `jmp *0(%rip)`, which keeps the stack). T = RSP at trampoline entry:
 *
 *   T+0x08  caller's return address      <- function-entry RSP (frame.rsp)
 *   T+0x00  site + 5 (pushed by the sled's call; the function body)
 *   T-0x08  r11 at entry                 (r11 then holds T-0x08: the frame base)
 *   ...     alignment gap (0-8 bytes: the caller's RSP may be misaligned)
 *   A       Regs (REGS_SIZE bytes, A = (T-0x08) & -16 - REGS_SIZE, 16-aligned)
 *
 * It leaves by writing the continue address into the sled call's slot (T)
 * and `ret`: the sled's `call` and this `ret` pair up in the CPU's return
 * stack predictor, which a `jmp` would leave one entry off for every later
 * return of the thread.
 *
 * Exit trampoline, reached by the traced function's `ret` into the return
 * slot the core replaced. X = RSP at exit trampoline entry = frame.rsp + 8:
 *
 *   X-0x08  r11 (scratch: holds X-0x08, the frame base = frame.rsp)
 *   ...     alignment gap
 *   A       Regs (16-aligned)
 *
 * It leaves by `notrack jmp *%r11`: r11 is dead after a return (SysV
 * scratch, not a return register), and the original return address has no
 * endbr64. (A `ret` there would unbalance the return predictor: the
 * function's own `ret` has already consumed its entry.)
 *
 * rflags are neither saved nor restored: the status flags are dead at a
 * function's entry and after its return (SysV: not preserved across calls),
 * and DF is clear at both by the ABI and in the C code between. (pushfq /
 * popfq cost more than the rest of a trampoline.) Regs::rflags is 0.
 *
 * Lean frames (trace.hpp kHandlerLean): while every registered handler is
 * lean (ariadne_trace_lean_frames != 0, read once per trampoline, the choice
 * kept in rbx across the C call) the trampolines skip what only full-frame
 * handlers read: the callee-saved GPRs (the C code preserves them), r11,
 * the scratch registers at exit, MXCSR and the x87 control word (the C code
 * does not change them). rbx itself is saved and restored in both kinds.
 *
 * CFI: while the frame exists the CFA is computed from frame.rsp (a DWARF
 * expression), since the alignment gap makes it no fixed distance from RSP.
 * From a handler under the entry trampoline gdb shows
 *   handler <- ariadne_trace_on_entry <- ariadne_trace_entry_trampoline
 *     <- the traced function (at its body, site + 5) <- its caller <- ...
 * (the return address of the trampoline's frame is the sled call's site + 5).
 * Under the exit trampoline the original return address is known only to the
 * core, so the trampoline marks rip undefined and the backtrace ends there.
 *
 * CET: all three symbols start with endbr64 (the veneer reaches the entry
 * trampoline with an indirect jmp); IBT is claimed, SHSTK is not (the exit
 * trampoline is reached by a `ret` whose address the core rewrote).
 */

#include "asm.h"
#include "asm-offsets.h"
#include "arch/fused_path_data.h"

/* CFA = frame.rsp (+ extra) while RSP is the frame base:
 * DW_CFA_def_cfa_expression { DW_OP_breg7 REGS_RSP; DW_OP_deref
 * [; DW_OP_plus_uconst extra] } (REGS_RSP as a 2-byte SLEB: 64..8191). */
.macro ariadne_cfa_frame_rsp extra=0
.if \extra
	.cfi_escape 0x0f, 6, 0x77, (REGS_RSP & 0x7f) | 0x80, REGS_RSP >> 7, 0x06, 0x23, \extra
.else
	.cfi_escape 0x0f, 4, 0x77, (REGS_RSP & 0x7f) | 0x80, REGS_RSP >> 7, 0x06
.endif
.endm


/* Both trampolines start alike: r11 (its value goes to the frame) becomes
 * the base of the unaligned part, and the stack is aligned to 16 without
 * trusting the caller's alignment (buggy -O0 code), with room for the Regs. */
.macro push_r11_and_align
	pushq	%r11
	.cfi_adjust_cfa_offset 8
	movq	%rsp, %r11
	.cfi_def_cfa_register r11
	andq	$-16, %rsp
	subq	$REGS_SIZE, %rsp
.endm

/* rbx, the frame kind's register while the C code runs (1: lean): saved
 * first, in both kinds. DW_CFA_expression rbx { DW_OP_breg7 REGS_RBX }. */
.macro save_rbx_load_frame_kind
	movq	%rbx, REGS_RBX(%rsp)
	.cfi_escape 0x10, 3, 2, 0x77, REGS_RBX
	movzbl	ariadne_trace_lean_frames(%rip), %ebx
.endm

/* The other callee-saved GPRs (full frames): the ABI checker compares entry
 * with exit. */
.macro save_callee_saved_gprs
	movq	%rbp, REGS_RBP(%rsp)
	movq	%r12, REGS_R12(%rsp)
	movq	%r13, REGS_R13(%rsp)
	movq	%r14, REGS_R14(%rsp)
	movq	%r15, REGS_R15(%rsp)
.endm

.macro reload_callee_saved_gprs
	movq	REGS_RBP(%rsp), %rbp
	movq	REGS_R12(%rsp), %r12
	movq	REGS_R13(%rsp), %r13
	movq	REGS_R14(%rsp), %r14
	movq	REGS_R15(%rsp), %r15
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

/* ------------------------------------------------------------------------ */
	.globl ariadne_trace_entry_trampoline
	.type ariadne_trace_entry_trampoline, @function
	.p2align 4
ariadne_trace_entry_trampoline:
	.cfi_startproc
	endbr64
	cmpq	$0, ariadne_trace_fused_entry(%rip)
	jne	.Lentry_fused
	.globl	ariadne_trace_entry_generic
	.hidden	ariadne_trace_entry_generic
ariadne_trace_entry_generic:
	push_r11_and_align

	/* Arguments, rax (varargs vector count) and r10 (static chain): the
	 * handler reads and may change them, and the function needs them back. */
	movq	%rdi, REGS_RDI(%rsp)
	movq	%rsi, REGS_RSI(%rsp)
	movq	%rdx, REGS_RDX(%rsp)
	movq	%rcx, REGS_RCX(%rsp)
	movq	%r8, REGS_R8(%rsp)
	movq	%r9, REGS_R9(%rsp)
	movq	%rax, REGS_RAX(%rsp)
	movq	%r10, REGS_R10(%rsp)
	save_rbx_load_frame_kind
	testl	%ebx, %ebx
	jnz	1f
	/* Full frames: callee-saved GPRs (the ABI checker compares them with
	 * the exit frame), r11 (pushed above the gap), the FP control state
	 * (callee-saved by the ABI; the checker compares it). */
	save_callee_saved_gprs
	movq	0(%r11), %rax
	movq	%rax, REGS_R11(%rsp)
	movq	$0, REGS_RFLAGS(%rsp)
	stmxcsr	REGS_MXCSR(%rsp)
	fnstcw	REGS_X87CW(%rsp)
	movw	$0, REGS_PAD0(%rsp)
1:
	/* What the sled's call left above the gap. */
	movq	8(%r11), %rax		/* site + 5: continue in the body by default */
	movq	%rax, REGS_RESUME(%rsp)
	subq	$5, %rax
	movq	%rax, REGS_PC(%rsp)
	leaq	16(%r11), %rax		/* function-entry RSP: at the caller's return address */
	movq	%rax, REGS_RSP(%rsp)
	ariadne_cfa_frame_rsp
	/* FP / vector arguments. */
	movdqa	%xmm0, REGS_XMM+0x00(%rsp)
	movdqa	%xmm1, REGS_XMM+0x10(%rsp)
	movdqa	%xmm2, REGS_XMM+0x20(%rsp)
	movdqa	%xmm3, REGS_XMM+0x30(%rsp)
	movdqa	%xmm4, REGS_XMM+0x40(%rsp)
	movdqa	%xmm5, REGS_XMM+0x50(%rsp)
	movdqa	%xmm6, REGS_XMM+0x60(%rsp)
	movdqa	%xmm7, REGS_XMM+0x70(%rsp)
	movq	$0, REGS_FLAGS(%rsp)

	movq	%rsp, %rdi
	call	ariadne_trace_on_entry@PLT
	/* rax = the continue address (= frame.resume). */

	/* Arguments as the handler left them. */
	movdqa	REGS_XMM+0x00(%rsp), %xmm0
	movdqa	REGS_XMM+0x10(%rsp), %xmm1
	movdqa	REGS_XMM+0x20(%rsp), %xmm2
	movdqa	REGS_XMM+0x30(%rsp), %xmm3
	movdqa	REGS_XMM+0x40(%rsp), %xmm4
	movdqa	REGS_XMM+0x50(%rsp), %xmm5
	movdqa	REGS_XMM+0x60(%rsp), %xmm6
	movdqa	REGS_XMM+0x70(%rsp), %xmm7
	movq	REGS_RDI(%rsp), %rdi
	movq	REGS_RSI(%rsp), %rsi
	movq	REGS_RDX(%rsp), %rdx
	movq	REGS_RCX(%rsp), %rcx
	movq	REGS_R8(%rsp), %r8
	movq	REGS_R9(%rsp), %r9
	movq	REGS_R10(%rsp), %r10
	/* Callee-saved: unchanged by the C call; in full frames reloaded so a
	 * handler that edits the frame is obeyed consistently. */
	testl	%ebx, %ebx
	jnz	2f
	reload_callee_saved_gprs
2:	movq	REGS_RBX(%rsp), %rbx
	.cfi_restore rbx
	/* rax: the varargs count, or the return value when the handler skips.
	 * The continue address goes into the sled call's slot, just below the
	 * function-entry RSP (above RSP until RSP moves there: a signal
	 * meanwhile leaves it alone); `ret` pops it. */
	movq	REGS_RSP(%rsp), %r11
	movq	%rax, -8(%r11)
	movq	REGS_RAX(%rsp), %rax
	leaq	-8(%r11), %rsp
	.cfi_def_cfa rsp, 8
	ret
.Lentry_fused:
	jmpq	*ariadne_trace_fused_entry(%rip)
	.cfi_endproc
	.size ariadne_trace_entry_trampoline, . - ariadne_trace_entry_trampoline

/* ------------------------------------------------------------------------ */
/* Site stubs (CodePatch.hpp) end here: r11 = the site's record, the caller's
 * return address on top of the stack, nothing pushed by the sled (it
 * jumped). The fused path takes the call if it is on; else the sled's call
 * is recreated for the generic trampoline: its return address (the body)
 * on the stack and, by a real call, in the return predictor, so the
 * trampoline's `ret` into the body keeps the predictor balanced. */
	.globl	ariadne_trace_stub_entry
	.type	ariadne_trace_stub_entry, @function
	.p2align 4
ariadne_trace_stub_entry:
	.cfi_startproc
	endbr64
	cmpq	$0, ariadne_trace_fused_stub(%rip)
	jne	.Lstub_fused
	.globl	ariadne_trace_stub_generic
	.hidden	ariadne_trace_stub_generic
ariadne_trace_stub_generic:
	call	1f
1:	.cfi_adjust_cfa_offset 8
	movq	SR_ADDRESS(%r11), %r11
	addq	$5, %r11
	movq	%r11, (%rsp)
	jmp	ariadne_trace_entry_generic
	.cfi_adjust_cfa_offset -8
.Lstub_fused:
	jmpq	*ariadne_trace_fused_stub(%rip)
	.cfi_endproc
	.size ariadne_trace_stub_entry, . - ariadne_trace_stub_entry

/* A fused path that took a call from a site stub enters the body here, with
 * r11 = the body and the caller's return address already taken off the
 * stack: this call pushes the exit trampoline's address (the next
 * instruction) as the return address, on the stack and in the return
 * predictor, so the function's own `ret` is predicted. (`notrack`: a body
 * has no endbr64.) */
	.globl	ariadne_trace_call_body
	.hidden	ariadne_trace_call_body
	.type	ariadne_trace_call_body, @function
	.p2align 4
ariadne_trace_call_body:
	.cfi_startproc
	.cfi_undefined rip
	notrack call *%r11
	.cfi_endproc
	.size ariadne_trace_call_body, . - ariadne_trace_call_body
	/* The exit trampoline follows at once: no padding. */

/* ------------------------------------------------------------------------ */
	.globl ariadne_trace_exit_trampoline
	.type ariadne_trace_exit_trampoline, @function
ariadne_trace_exit_trampoline:
	.cfi_startproc
	/* CFA = the caller's RSP after the return; the return address is held
	 * by the core, not by any frame gdb can read. */
	.cfi_def_cfa rsp, 0
	.cfi_undefined rip
	endbr64
	cmpq	$0, ariadne_trace_fused_exit(%rip)
	jne	.Lexit_fused
	.globl	ariadne_trace_exit_generic
	.hidden	ariadne_trace_exit_generic
ariadne_trace_exit_generic:
	push_r11_and_align

	/* Integer return values (rax, rdx: __int128 and small structs). */
	movq	%rax, REGS_RAX(%rsp)
	movq	%rdx, REGS_RDX(%rsp)
	save_rbx_load_frame_kind
	testl	%ebx, %ebx
	jnz	1f
	/* Full frames: callee-saved GPRs as the function returned them (the
	 * ABI checker); dead scratch registers, recorded so the frame holds no
	 * stale stack bytes (not restored); the FP control state. */
	save_callee_saved_gprs
	movq	%rdi, REGS_RDI(%rsp)
	movq	%rsi, REGS_RSI(%rsp)
	movq	%rcx, REGS_RCX(%rsp)
	movq	%r8, REGS_R8(%rsp)
	movq	%r9, REGS_R9(%rsp)
	movq	%r10, REGS_R10(%rsp)
	movq	0(%r11), %rax
	movq	%rax, REGS_R11(%rsp)
	movq	$0, REGS_RFLAGS(%rsp)
	stmxcsr	REGS_MXCSR(%rsp)
	fnstcw	REGS_X87CW(%rsp)
	movw	$0, REGS_PAD0(%rsp)
1:
	movq	%r11, REGS_RSP(%rsp)	/* X - 8: the RSP the function was entered with */
	ariadne_cfa_frame_rsp 8
	movq	$0, REGS_PC(%rsp)
	movq	$0, REGS_RESUME(%rsp)
	/* FP return values (double, _Complex double, SSE structs). The x87
	 * stack (long double) is left alone. */
	movdqa	%xmm0, REGS_XMM+0x00(%rsp)
	movdqa	%xmm1, REGS_XMM+0x10(%rsp)
	movq	$0, REGS_FLAGS(%rsp)

	movq	%rsp, %rdi
	call	ariadne_trace_on_exit@PLT
	movq	%rax, %r11		/* the original return address */

	/* Return values as the handler left them. */
	movdqa	REGS_XMM+0x00(%rsp), %xmm0
	movdqa	REGS_XMM+0x10(%rsp), %xmm1
	movq	REGS_RDX(%rsp), %rdx
	/* Callee-saved: in full frames reloaded so a handler's edit is obeyed
	 * consistently. */
	testl	%ebx, %ebx
	jnz	2f
	reload_callee_saved_gprs
2:	movq	REGS_RBX(%rsp), %rbx
	.cfi_restore rbx
	movq	REGS_RAX(%rsp), %rax
	movq	REGS_RSP(%rsp), %rsp
	.cfi_def_cfa rsp, 8
	leaq	8(%rsp), %rsp		/* the slot `ret` popped: the caller's RSP */
	.cfi_def_cfa rsp, 0
	notrack jmpq *%r11
.Lexit_fused:
	jmpq	*ariadne_trace_fused_exit(%rip)
	.cfi_endproc
	.size ariadne_trace_exit_trampoline, . - ariadne_trace_exit_trampoline

/* ------------------------------------------------------------------------ */
/* Frame::skip() continues here with RSP = the function-entry RSP: the `ret`
 * returns to the caller (or into the exit trampoline the core planted). */
	.globl ariadne_trace_return_stub
	.type ariadne_trace_return_stub, @function
	.p2align 4
ariadne_trace_return_stub:
	.cfi_startproc
	endbr64
	ret
	.cfi_endproc
	.size ariadne_trace_return_stub, . - ariadne_trace_return_stub

	ariadne_object_notes (GNU_PROPERTY_X86_FEATURE_1_IBT)
