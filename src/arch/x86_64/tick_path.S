/* x86-64 tick path: the fused entry path of a tick handler (trace.hpp
 * add_tick_handler, replay's clock). A replayable run patches every site
 * and registers one lean entry handler that has work to do only when the
 * thread's tick count reaches its budget; every other entry just counts.
 * This counts it in a dozen instructions instead of a register frame, a C
 * call and a handler loop (docs/performance.md, "Replay overhead").
 *
 * Entry, from the entry trampoline's first jmp (trampoline.S), with the
 * stack of the sled's call: site + 5 (the body) on top, the caller's return
 * address above it, the arguments in their registers.
 *
 * A call goes on to the generic trampoline (ariadne_trace_entry_generic,
 * which counts it and runs the handler) before any side effect when the
 * thread is in a handler or in runtime code, has no budget (no handler
 * state for it yet), or reaches its budget with this entry. Both paths
 * count the same ticks and note the same last entry (Dispatch.cpp).
 *
 * Registers: r11 is scratch at a function's entry (not an argument) and
 * holds the thread state's TLS offset (%fs-relative, initial-exec); rax
 * (the varargs vector count) and rdx (an argument) are saved around their
 * use. The status flags are dead at a function's entry.
 *
 * Offsets: asm-offsets.h, generated at build time from ThreadState.
 */
#include "asm.h"
#include "asm-offsets.h"

	.text
	.globl	ariadne_tick_fused_entry
	.hidden	ariadne_tick_fused_entry
	.type	ariadne_tick_fused_entry, @function
	.p2align 4
ariadne_tick_fused_entry:
	.cfi_startproc
	endbr64
	/* Calls made in a handler or the runtime: the generic path's. */
	movq	ariadne_trace_thread_state@gottpoff(%rip), %r11
	cmpb	$0, %fs:TS_IN_HANDLER(%r11)
	jne	.Lgeneric
	/* rax = ticks after this entry, rdx = where its budget is. */
	pushq	%rax
	.cfi_adjust_cfa_offset 8
	pushq	%rdx
	.cfi_adjust_cfa_offset 8
	movq	%fs:TS_TICK_BUDGET(%r11), %rdx
	testq	%rdx, %rdx
	jz	.Lgeneric_pop
	movq	%fs:TS_TICKS(%r11), %rax
	incq	%rax
	cmpq	(%rdx), %rax
	jae	.Lgeneric_pop
	/* Counted: the tick and the site (the body - 5). */
	movq	%rax, %fs:TS_TICKS(%r11)
	movq	16(%rsp), %rax
	subq	$5, %rax
	movq	%rax, %fs:TS_LAST_ENTRY(%r11)
	popq	%rdx
	.cfi_adjust_cfa_offset -8
	popq	%rax
	.cfi_adjust_cfa_offset -8
	/* Into the body, as the sled's call would have returned. */
	ret
.Lgeneric_pop:
	.cfi_adjust_cfa_offset 16
	popq	%rdx
	.cfi_adjust_cfa_offset -8
	popq	%rax
	.cfi_adjust_cfa_offset -8
.Lgeneric:
	jmp	ariadne_trace_entry_generic
	.cfi_endproc
	.size	ariadne_tick_fused_entry, . - ariadne_tick_fused_entry

/* GNU property: IBT (endbr64 at the one indirect-jump target), as the
 * trampolines this belongs to. */
	ariadne_object_notes (GNU_PROPERTY_X86_FEATURE_1_IBT)
