/* AArch64 fused recording path: the recorder's plain entry and exit handlers
 * (src/record/Recorder.cpp on_entry_plain / on_exit_plain) together with the
 * dispatcher's work for them (src/trace/Dispatch.cpp), in one piece each, so
 * a recorded call costs no register frame, no C call and no handler loop.
 * The generic trampolines (trampoline.S) branch here first thing while the
 * recorder's plain pair is the only handler pair (Tracer.cpp, fused path).
 *
 * Anything out of the ordinary -- a call nested in a handler, a site not
 * found or disabled, no thread log yet or no room in its segment, another
 * machine stack than last time, abandoned or chained shadow entries, a full
 * shadow stack -- goes back, before any side effect, to the generic
 * trampoline (ariadne_trace_{entry,exit}_generic), which does the same work
 * through the dispatcher and the C handlers. Both produce the same shadow
 * entries and the same events, so the two paths may take turns on one call.
 *
 * Offsets: asm-offsets.h, generated at build time from the C++ structs
 * (src/asmoffsets/AsmOffsets.cpp).
 *
 * No stack frame at all: x10-x17 are scratch at a function's entry (not
 * arguments; x16/x17 at most held a veneer's target) and x9-x17 after its
 * return (AAPCS64), which is all this needs.
 *
 * Entry, from the entry trampoline's `br x16` with the sled's state:
 *   x9 = the caller's return address, x30 = site + 8 (the body),
 *   SP = the function-entry SP (the key). Leaves with x30 = the exit
 *   trampoline (the return hook) by `ret` into the body, as trampoline.S.
 * Exit, from the exit trampoline's `br x16` right after the traced
 *   function's RET: SP = the key, x30 = the exit trampoline; leaves by
 *   `ret` to the original return address.
 *
 * Registers, entry: x17 the thread state, x16 the site record, x15 the
 * thread log, x14 its write pointer, x10 the shadow entry, x13 the exit
 * trampoline; exit: x17, x15, x14, x12 the shadow stack, x10 its top entry.
 */
#include "asm.h"
#include "asm-offsets.h"

/* LEB128 of \x (its W name \w) at \p (post-incremented); \x and \t
 * clobbered. */
.macro put_varint x, w, p, t, tw
	cmp	\x, #0x80
	b.lo	.Lvarint_last\@
.Lvarint_more\@:
	orr	\t, \x, #0x80
	strb	\tw, [\p], #1
	lsr	\x, \x, #7
	cmp	\x, #0x80
	b.hs	.Lvarint_more\@
.Lvarint_last\@:
	strb	\w, [\p], #1
.endm

/* x17 = this thread's ThreadState; to \busy if the thread is in a handler
 * (the generic path's business), else claims it (in_handler = 1) so a
 * signal handler's traced calls meanwhile go the generic way. x16 is
 * clobbered. */
.macro claim_thread_state busy
	tls_address x17, x16, ariadne_trace_thread_state
	ldrb	w16, [x17, #TS_IN_HANDLER]
	cbnz	w16, \busy
	mov	w16, #1
	strb	w16, [x17, #TS_IN_HANDLER]
.endm

/* x12 = the shadow stack this thread used last, if SP (x13 = SP) lies on
 * its machine stack; else to \other. x11 is clobbered. */
.macro shadow_stack_of_sp other
	mov	x13, sp
	ldp	x12, x11, [x17, #TS_STACK_LO]	/* lo, hi */
	cmp	x13, x12
	ccmp	x13, x11, #2, hs		/* below lo: C set, as at or above hi */
	b.hs	\other
	ldr	x12, [x17, #TS_STACK]
.endm

/* x15 = this thread's ThreadLog (the recorder's copy of it in the thread
 * state, x17) and x14 its write pointer, if there is room for \bytes more;
 * else to \full (no log yet, or the segment is full: the generic path makes
 * one). \t1 and \t2 are clobbered. */
.macro thread_log_with_room bytes, full, t1, t2
	ldr	x15, [x17, #TS_FUSED_DATA]
	cbz	x15, \full
	ldp	x14, \t1, [x15, #TL_POS]
	add	\t2, x14, #\bytes
	cmp	\t2, \t1
	b.hi	\full
.endm

	.text

/* ------------------------------------------------------------------------ */
	.globl	ariadne_record_fused_entry
	.hidden	ariadne_record_fused_entry
	.type	ariadne_record_fused_entry, %function
	.p2align 4
ariadne_record_fused_entry:
	.cfi_startproc
	ariadne_sled_entry_cfi
	bti	c
	/* Calls made while the thread is in a handler (or in runtime code
	 * that keeps out of the trace) belong to the generic path; else the
	 * flag is ours until the end, so a signal handler's traced calls
	 * meanwhile take the generic path and cannot interleave events. */
	claim_thread_state .Lentry_generic

	/* The site's record: one probe sequence of the open-addressing index
	 * (SiteIndex::find, acquire loads as there), pc = body - 8. */
	adrp	x16, ariadne_trace_site_table + ST_INDEX
	add	x16, x16, :lo12:ariadne_trace_site_table + ST_INDEX
	ldar	x16, [x16]
	cbz	x16, .Lentry_slow
	sub	x15, x30, #8
	movz	x14, #((SI_HASH >> 48) & 0xffff), lsl #48
	movk	x14, #((SI_HASH >> 32) & 0xffff), lsl #32
	movk	x14, #((SI_HASH >> 16) & 0xffff), lsl #16
	movk	x14, #(SI_HASH & 0xffff)
	mul	x14, x15, x14
	ldr	w13, [x16, #SI_SHIFT]
	lsr	x14, x14, x13
	ldr	x12, [x16, #SI_MASK]
	add	x11, x16, #SI_SLOTS
.Lentry_probe:
	add	x10, x11, x14, lsl #4
	ldar	x13, [x10]
	cmp	x13, x15
	b.eq	.Lentry_found
	cbz	x13, .Lentry_slow
	add	x14, x14, #1
	and	x14, x14, x12
	b	.Lentry_probe
.Lentry_found:
	ldr	x16, [x10, #SI_SLOT_RECORD]
	ldrb	w13, [x16, #SR_ENABLED]
	cbz	w13, .Lentry_slow

	/* The thread's log, with room for the event. */
	thread_log_with_room EV_ENTRY_ROOM, .Lentry_slow, x13, x12

	/* The shadow stack: the one this thread used last, nothing to pop
	 * (the entry below is an outer frame: its key is higher), not full,
	 * and no tail call out of a hooked function (chained entries). */
	shadow_stack_of_sp .Lentry_slow
	ldp	w11, w10, [x12, #SS_TOP]
	cmp	w11, w10
	b.hs	.Lentry_slow
	add	x10, x12, #SS_ENTRIES
	add	x10, x10, x11, lsl #SE_SHIFT
	cbz	w11, .Lentry_hookable
	ldur	x13, [x10, #-(1 << SE_SHIFT)]
	mov	x14, sp
	cmp	x13, x14
	b.ls	.Lentry_slow
.Lentry_hookable:
	/* Through the GOT, as the core's exit_hook() (an exported symbol). */
	adrp	x13, :got:ariadne_trace_exit_trampoline
	ldr	x13, [x13, #:got_lo12:ariadne_trace_exit_trampoline]
	cmp	x9, x13
	b.eq	.Lentry_slow

	/* Committed. Reserve the shadow entry with a key no frame has
	 * (Dispatch.cpp reserve_entry) and fill it but for the key. */
	mov	x14, #-1
	str	x14, [x10, #SE_KEY]
	add	w11, w11, #1
	str	w11, [x12, #SS_TOP]
	ldr	w11, [x16, #SR_SITE_ID]
	stp	x9, xzr, [x10, #SE_ORIGINAL]	/* original, slot */
	stp	w11, wzr, [x10, #SE_SITE_ID]	/* site id, flags */
	str	x16, [x10, #SE_RECORD]

	/* One more open call (its site is in the shadow entry: a forked
	 * child lists them from there, ThreadLog::sites). */
	ldr	w12, [x15, #TL_OPEN]
	add	w12, w12, #1
	str	w12, [x15, #TL_OPEN]

	/* The event: tag, site, time since the thread's previous event. */
	ldr	x14, [x15, #TL_POS]
	mov	w12, #EV_ENTRY
	strb	w12, [x14], #1
	put_varint x11, w11, x14, x12, w12
	mrs	x12, cntvct_el0
	ldr	x11, [x15, #TL_LAST]
	str	x12, [x15, #TL_LAST]
	sub	x11, x12, x11
	put_varint x11, w11, x14, x12, w12
	str	x14, [x15, #TL_POS]

	/* Publish the entry (key last), hook the return. */
	mov	x11, sp
	str	x11, [x10, #SE_KEY]
	ldr	x11, [x17, #TS_TICKS]
	add	x11, x11, #1
	str	x11, [x17, #TS_TICKS]
	strb	wzr, [x17, #TS_IN_HANDLER]
	ret_into_body x13

	/* Back to the generic trampoline: x9, x30, the arguments and SP are
	 * as they came. */
.Lentry_slow:
	strb	wzr, [x17, #TS_IN_HANDLER]
.Lentry_generic:
	b	ariadne_trace_entry_generic
	.cfi_endproc
	.size	ariadne_record_fused_entry, . - ariadne_record_fused_entry

/* ------------------------------------------------------------------------ */
	.globl	ariadne_record_fused_exit
	.hidden	ariadne_record_fused_exit
	.type	ariadne_record_fused_exit, %function
	.p2align 4
ariadne_record_fused_exit:
	.cfi_startproc
	/* As the exit trampoline: the return address is the core's. */
	.cfi_undefined x30
	bti	c
	claim_thread_state .Lexit_generic

	/* The top shadow entry must be this call's: same stack as last time,
	 * key = SP, not chained, not unhooked (else the generic path pops
	 * abandoned entries, reports them, or says the ABI was broken). */
	shadow_stack_of_sp .Lexit_slow
	ldr	w11, [x12, #SS_TOP]
	cbz	w11, .Lexit_slow
	add	x10, x12, #SS_ENTRIES - (1 << SE_SHIFT)
	add	x10, x10, x11, lsl #SE_SHIFT
	ldr	x9, [x10, #SE_KEY]
	cmp	x9, x13
	b.ne	.Lexit_slow
	ldr	w9, [x10, #SE_FLAGS]
	cbnz	w9, .Lexit_slow

	thread_log_with_room EV_EXIT_ROOM, .Lexit_slow, x9, x16

	/* Committed: the event, then the pop (the return address read
	 * before the slot is given up: a signal may reuse it at once). */
	mrs	x16, cntvct_el0
	ldr	x9, [x15, #TL_LAST]
	str	x16, [x15, #TL_LAST]
	sub	x9, x16, x9
	mov	w16, #EV_EXIT
	strb	w16, [x14], #1
	put_varint x9, w9, x14, x16, w16
	str	x14, [x15, #TL_POS]
	ldr	w9, [x15, #TL_OPEN]
	cbz	w9, 1f
	sub	w9, w9, #1
	str	w9, [x15, #TL_OPEN]
1:	ldr	x30, [x10, #SE_ORIGINAL]
	sub	w11, w11, #1
	str	w11, [x12, #SS_TOP]
	strb	wzr, [x17, #TS_IN_HANDLER]
	ret

	/* Back to the generic trampoline: x30 and the return values are as
	 * they came. */
.Lexit_slow:
	strb	wzr, [x17, #TS_IN_HANDLER]
.Lexit_generic:
	b	ariadne_trace_exit_generic
	.cfi_endproc
	.size	ariadne_record_fused_exit, . - ariadne_record_fused_exit

/* GNU property: BTI-compatible (both entry points are `br x16` targets
 * with `bti c`). */
	ariadne_object_notes GNU_PROPERTY_AARCH64_FEATURE_1_BTI
