/* AArch64 tick path: the fused entry path of a tick handler (trace.hpp
 * add_tick_handler, replay's clock). A replayable run patches every site
 * and registers one lean entry handler that has work to do only when the
 * thread's tick count reaches its budget; every other entry just counts.
 * This counts it in a dozen instructions instead of a register frame, a C
 * call and a handler loop (docs/performance.md, "Replay overhead").
 *
 * Entry, from the entry trampoline's `br x16` (trampoline.S) with the
 * sled's state: x9 = the caller's return address, x30 = site + 8 (the
 * body), SP = the function-entry SP, x0-x8 the arguments.
 *
 * A call goes on to the generic trampoline (ariadne_trace_entry_generic,
 * which counts it and runs the handler) before any side effect when the
 * thread is in a handler or in runtime code, has no budget (no handler
 * state for it yet), or reaches its budget with this entry. Both paths
 * count the same ticks and note the same last entry (Dispatch.cpp).
 *
 * Registers: x10-x17 are scratch at a function's entry (not arguments;
 * x16/x17 at most held a veneer's target), and this uses x10-x12, x16
 * and x17. NZCV is dead at a function's entry. No stack is touched.
 *
 * Offsets: asm-offsets.h, generated at build time from ThreadState.
 */
#include "asm.h"
#include "asm-offsets.h"

	.text
	.globl	ariadne_tick_fused_entry
	.hidden	ariadne_tick_fused_entry
	.type	ariadne_tick_fused_entry, %function
	.p2align 4
ariadne_tick_fused_entry:
	.cfi_startproc
	ariadne_sled_entry_cfi
	bti	c
	tls_address x17, x16, ariadne_trace_thread_state
	/* Calls made in a handler or the runtime: the generic path's. */
	ldrb	w16, [x17, #TS_IN_HANDLER]
	cbnz	w16, .Lgeneric
	/* x10 = ticks after this entry, x11 = the budget it is held to. */
	ldr	x12, [x17, #TS_TICK_BUDGET]
	cbz	x12, .Lgeneric
	ldr	x11, [x12]
	ldr	x10, [x17, #TS_TICKS]
	add	x10, x10, #1
	cmp	x10, x11
	b.hs	.Lgeneric
	/* Counted: the tick and the site (pc = body - 8). */
	sub	x12, x30, #8
	str	x10, [x17, #TS_TICKS]
	str	x12, [x17, #TS_LAST_ENTRY]
	ret_into_body x9
.Lgeneric:
	b	ariadne_trace_entry_generic
	.cfi_endproc
	.size	ariadne_tick_fused_entry, . - ariadne_tick_fused_entry

/* GNU property: BTI-compatible (a `br x16` target with `bti c`). */
	ariadne_object_notes GNU_PROPERTY_AARCH64_FEATURE_1_BTI
