/* x86-64 fused recording path: the recorder's plain entry and exit handlers
 * (src/record/Recorder.cpp on_entry_plain / on_exit_plain) together with the
 * dispatcher's work for them (src/trace/Dispatch.cpp), in one piece each, so
 * a recorded call costs no register frame, no C call and no handler loop.
 * The generic trampolines (trampoline.S) jump here first thing while the
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
 * Every instruction here is paid twice per recorded call, and the two RDTSC
 * set a floor (about 10 ns each on the machine of docs/performance.md) that
 * the rest hides under only while it is short: so few registers are saved,
 * the shadow entry is filled above the top and published by one increment,
 * and the common event (one-byte site number and time delta) is one store.
 *
 * Offsets: asm-offsets.h, generated at build time from the C++ structs
 * (src/asmoffsets/AsmOffsets.cpp).
 *
 * Two entries: from the entry trampoline (a site whose sled calls it), and
 * from a site stub through ariadne_trace_stub_entry (sites enabled while the
 * fused path is on: CodePatch.hpp site stubs), which also returns with a
 * balanced return predictor (see ariadne_record_fused_stub_entry).
 *
 * Entry from the trampoline, with the stack of the sled's call. The frame,
 * from the RSP after the pushes:
 *
 *   +0x30  caller's return address      <- function-entry RSP: the key
 *   +0x28  site + 5 (the body; `ret` continues there)
 *   +0x00  rax rdx rcx rsi rdi         (given back untouched)
 *
 * Exit, reached from the exit trampoline's first jmp right after the traced
 * function's `ret` (X = RSP then; key = X - 8):
 *
 *   +0x08  rax, +0x00 rdx              (return values; the key is X - 8 = +0x08)
 *
 * Registers. Entry: the five pushed, and r11 (scratch at a function's entry:
 * not an argument; it carries the site's record). The other argument
 * registers (r8, r9) and r10 (the static chain) are not touched. Exit: rcx,
 * rsi, rdi and r8-r11 are dead after a return under the SysV ABI and are
 * used without saving. The thread state is addressed %fs-relative
 * (initial-exec TLS). The status flags are dead at both ends (see
 * trampoline.S).
 */
#include "asm.h"
#include "asm-offsets.h"

#define ENTRY_SAVED 0x28	/* the five pushed registers */
#define ENTRY_KEY (ENTRY_SAVED + 8)

/* Scratch for the entry: rax and rdx (RDTSC writes them; rax is also the
 * varargs count) and rcx, rsi, rdi (arguments): the body needs them back. */
.macro push_scratch
	pushq	%rdi
	.cfi_adjust_cfa_offset 8
	pushq	%rsi
	.cfi_adjust_cfa_offset 8
	pushq	%rcx
	.cfi_adjust_cfa_offset 8
	pushq	%rdx
	.cfi_adjust_cfa_offset 8
	pushq	%rax
	.cfi_adjust_cfa_offset 8
.endm

.macro pop_scratch
	popq	%rax
	.cfi_adjust_cfa_offset -8
	popq	%rdx
	.cfi_adjust_cfa_offset -8
	popq	%rcx
	.cfi_adjust_cfa_offset -8
	popq	%rsi
	.cfi_adjust_cfa_offset -8
	popq	%rdi
	.cfi_adjust_cfa_offset -8
.endm

/* LEB128 of \v at \p (advanced); \v clobbered. Only for values of two
 * bytes or more (the hot paths store the one-byte case whole), so the
 * continuation bit is set in memory rather than in a scratch register. */
.macro put_varint v, v8, p
	cmpq	$0x80, %\v
	jb	.Lvarint_last\@
.Lvarint_more\@:
	movb	%\v8, (%\p)
	orb	$0x80, (%\p)
	incq	%\p
	shrq	$7, %\v
	cmpq	$0x80, %\v
	jae	.Lvarint_more\@
.Lvarint_last\@:
	movb	%\v8, (%\p)
	incq	%\p
.endm

/* \reg = the TLS offset of this thread's ThreadState (%fs-relative); to
 * \busy if the thread is in a handler (the generic path's business), else
 * claims it (in_handler = 1) so a signal handler's traced calls meanwhile
 * go the generic way and cannot interleave events or shadow entries. */
.macro claim_thread_state reg, busy
	movq	ariadne_trace_thread_state@gottpoff(%rip), %\reg
	cmpb	$0, %fs:TS_IN_HANDLER(%\reg)
	jne	\busy
	movb	$1, %fs:TS_IN_HANDLER(%\reg)
.endm

/* \ss = the shadow stack this thread used last, if \key lies on its machine
 * stack; else to \other. \ts is the thread state. */
.macro shadow_stack_of key, ts, ss, other
	cmpq	%fs:TS_STACK_LO(%\ts), %\key
	jb	\other
	cmpq	%fs:TS_STACK_HI(%\ts), %\key
	jae	\other
	movq	%fs:TS_STACK(%\ts), %\ss
.endm

/* \log = this thread's ThreadLog (the recorder's copy of it in the thread
 * state \ts) and \pos its write pointer, if there is room for \bytes more;
 * else to \full (no log yet, or the segment is full: the generic path makes
 * one). \tmp is clobbered. */
.macro thread_log_with_room bytes, ts, log, pos, tmp, full
	movq	%fs:TS_FUSED_DATA(%\ts), %\log
	testq	%\log, %\log
	jz	\full
	movq	TL_POS(%\log), %\pos
	leaq	\bytes(%\pos), %\tmp
	cmpq	TL_LIMIT(%\log), %\tmp
	ja	\full
.endm

/* rax = the timestamp counter (arch::timestamp(): RDTSC); rdx clobbered.
 * First thing on both paths: the checks that follow do not wait for it, so
 * they run while it completes; a call handed back to the generic path
 * simply drops it. */
.macro read_timestamp
	rdtsc
	shlq	$32, %rdx
	orq	%rdx, %rax
.endm

/* The entry, with r11 = the site's record, rcx = the thread state
 * (claimed), rax = the timestamp and the caller's return address at
 * \key(%rsp) (the key is its address): checks the call can be recorded on
 * the fast path (else to \slow; before any side effect -- the shadow entry
 * is written above the top, where nothing looks), then writes the shadow
 * entry (flags \flags), the entry event, hooks the return when \hook,
 * publishes the shadow entry and gives the thread state back. rax, rdx,
 * rsi, rdi are clobbered; r11 and rcx are kept. A delta or site number of
 * more than 7 bits goes to \long_event (see record_entry_long_event), which
 * comes back to \written. */
.macro record_entry key, flags, hook, slow, long_event, written
	cmpb	$0, SR_ENABLED(%r11)
	je	\slow

	/* The shadow stack: the one this thread used last, not full, nothing
	 * to pop (the entry below is an outer frame: its key is higher), and
	 * no tail call out of a hooked function (chained entries). */
	leaq	\key(%rsp), %rdx
	shadow_stack_of rdx, rcx, rsi, \slow
	movl	SS_TOP(%rsi), %edi
	cmpl	SS_CAPACITY(%rsi), %edi
	jae	\slow
	shlq	$SE_SHIFT, %rdi
	jz	.Lhookable\@
	cmpq	%rdx, SS_ENTRIES - (1 << SE_SHIFT) + SE_KEY(%rsi,%rdi)
	jbe	\slow
.Lhookable\@:
	/* The entry above the top: invisible until SS_TOP counts it. */
	leaq	SS_ENTRIES(%rsi,%rdi), %rdi
	movq	%rdx, SE_KEY(%rdi)
	movq	(%rdx), %rdx
	/* Through the GOT, as the core's exit_hook() (an exported symbol). */
	cmpq	ariadne_trace_exit_trampoline@GOTPCREL(%rip), %rdx
	je	\slow
	movq	%rdx, SE_ORIGINAL(%rdi)
	movq	%r11, SE_RECORD(%rdi)
	movl	SR_SITE_ID(%r11), %edx
.if \flags
	movl	%edx, SE_SITE_ID(%rdi)
	movl	$\flags, SE_FLAGS(%rdi)
.else
	/* The site number and, from the zero extension, flags 0. */
	movq	%rdx, SE_SITE_ID(%rdi)
.endif

	/* The thread's log, with room for the event (rsi = its write pointer). */
	thread_log_with_room EV_ENTRY_ROOM, rcx, rdi, rsi, rdx, \slow

	/* Committed. The event: tag, site, time since the last event. */
	movq	TL_LAST(%rdi), %rdx
	movq	%rax, TL_LAST(%rdi)
	subq	%rdx, %rax
	movl	SR_SITE_ID(%r11), %edx
	cmpq	$0x80, %rax
	jae	\long_event
	cmpl	$0x80, %edx
	jae	\long_event
	/* Three bytes in one store (room was checked for more). */
	shll	$16, %eax
	shll	$8, %edx
	orl	%edx, %eax
	orl	$EV_ENTRY, %eax
	movl	%eax, (%rsi)
	addq	$3, %rsi
\written:
	movq	%rsi, TL_POS(%rdi)

	/* One more open call (its site is in the shadow entry: a forked
	 * child lists them from there, ThreadLog::sites). */
	incl	TL_OPEN(%rdi)

	/* The return hook (\hook: plant it in the return address slot), then
	 * the entry published. */
.if \hook
	movq	ariadne_trace_exit_trampoline@GOTPCREL(%rip), %rdx
	movq	%rdx, \key(%rsp)
.endif
	movq	%fs:TS_STACK(%rcx), %rdx
	incl	SS_TOP(%rdx)
	incq	%fs:TS_TICKS(%rcx)
	movb	$0, %fs:TS_IN_HANDLER(%rcx)
.endm

/* The entry event with a site number or delta of more than 7 bits (rdx,
 * rax), at rsi; back to \written. */
.macro record_entry_long_event written
	movb	$EV_ENTRY, (%rsi)
	incq	%rsi
	put_varint rdx, dl, rsi
	put_varint rax, al, rsi
	jmp	\written
.endm

	.text

/* ------------------------------------------------------------------------ */
/* From the entry trampoline (the sled called it; the site + 5 it pushed is
 * at ENTRY_SAVED(%rsp)). */
	.globl	ariadne_record_fused_entry
	.hidden	ariadne_record_fused_entry
	.type	ariadne_record_fused_entry, @function
	.p2align 4
ariadne_record_fused_entry:
	.cfi_startproc
	endbr64
	push_scratch
	read_timestamp

	/* The site's record: one probe sequence of the open-addressing index
	 * (SiteIndex::find), pc = body - 5. Read-only: before the claim. */
	movq	ariadne_trace_site_table+ST_INDEX(%rip), %rsi
	testq	%rsi, %rsi
	jz	.Lentry_generic
	movq	ENTRY_SAVED(%rsp), %rdi
	subq	$5, %rdi
	movabsq	$SI_HASH, %r11
	imulq	%rdi, %r11
	movl	SI_SHIFT(%rsi), %ecx
	shrq	%cl, %r11
.Lentry_probe:
	movq	%r11, %rcx
	shlq	$4, %rcx
	cmpq	%rdi, SI_SLOTS + SI_SLOT_PC(%rsi,%rcx)
	je	.Lentry_found
	cmpq	$0, SI_SLOTS + SI_SLOT_PC(%rsi,%rcx)
	je	.Lentry_generic
	incq	%r11
	andq	SI_MASK(%rsi), %r11
	jmp	.Lentry_probe
.Lentry_found:
	movq	SI_SLOTS + SI_SLOT_RECORD(%rsi,%rcx), %r11

	/* Calls made while the thread is in a handler (or in runtime code
	 * that keeps out of the trace) belong to the generic path; else the
	 * flag is ours until the end. */
	claim_thread_state rcx, .Lentry_generic
	record_entry ENTRY_KEY, 0, 1, .Lentry_slow, .Lentry_long_event, .Lentry_written

	pop_scratch
	/* Into the body, pairing with the sled's call (see trampoline.S). */
	ret

	.cfi_adjust_cfa_offset ENTRY_SAVED
.Lentry_long_event:
	record_entry_long_event .Lentry_written

	/* Back to the generic trampoline with every register as it came
	 * (r11 is scratch there too). */
.Lentry_slow:
	movb	$0, %fs:TS_IN_HANDLER(%rcx)
.Lentry_generic:
	pop_scratch
	jmp	ariadne_trace_entry_generic
	.cfi_endproc
	.size	ariadne_record_fused_entry, . - ariadne_record_fused_entry

/* ------------------------------------------------------------------------ */
/* From a site stub (CodePatch.hpp; stubs made while the path is on jump here
 * directly, the others through ariadne_trace_stub_entry): r11 = the site's
 * record, the caller's return address on top of the stack, the sled's jump
 * pushed nothing. While the path is off (ariadne_trace_fused_stub null: a
 * stub outlives it) straight on to the generic way in. The same work as
 * above without the index
 * probe; then the caller's return address (kept in the shadow entry) comes
 * off the stack and ariadne_trace_call_body calls the body from just before
 * the exit trampoline, so the body's return is predicted and the exit can
 * return with `ret` (kBalanced). Frame, from the RSP after the pushes:
 *
 *   +0x28  caller's return address      <- function-entry RSP: the key
 *   +0x00  rax rdx rcx rsi rdi
 */
	.globl	ariadne_record_fused_stub_entry
	.hidden	ariadne_record_fused_stub_entry
	.type	ariadne_record_fused_stub_entry, @function
	.p2align 4
ariadne_record_fused_stub_entry:
	.cfi_startproc
	endbr64
	cmpq	$0, ariadne_trace_fused_stub(%rip)
	je	ariadne_trace_stub_generic
	push_scratch
	read_timestamp
	claim_thread_state rcx, .Lstub_generic
	record_entry ENTRY_SAVED, SE_FLAG_BALANCED, 0, .Lstub_slow, .Lstub_long_event, .Lstub_written
	movq	SR_ADDRESS(%r11), %r11
	addq	$5, %r11
	pop_scratch
	addq	$8, %rsp
	.cfi_adjust_cfa_offset -8
	jmp	ariadne_trace_call_body

	.cfi_adjust_cfa_offset ENTRY_SAVED + 8
.Lstub_long_event:
	record_entry_long_event .Lstub_written

	/* Back to the generic way in (r11 = the record still), every
	 * argument register as it came. */
.Lstub_slow:
	movb	$0, %fs:TS_IN_HANDLER(%rcx)
.Lstub_generic:
	pop_scratch
	jmp	ariadne_trace_stub_generic
	.cfi_endproc
	.size	ariadne_record_fused_stub_entry, . - ariadne_record_fused_stub_entry

/* ------------------------------------------------------------------------ */
	.globl	ariadne_record_fused_exit
	.hidden	ariadne_record_fused_exit
	.type	ariadne_record_fused_exit, @function
	.p2align 4
ariadne_record_fused_exit:
	.cfi_startproc
	/* As the exit trampoline: the return address is the core's. */
	.cfi_def_cfa rsp, 0
	.cfi_undefined rip
	endbr64
	/* Integer return values: the caller gets them back. */
	pushq	%rax
	.cfi_adjust_cfa_offset 8
	pushq	%rdx
	.cfi_adjust_cfa_offset 8
	read_timestamp

	claim_thread_state r11, .Lexit_generic

	/* The top shadow entry must be this call's: same stack as last time,
	 * key = the SP the function was entered with, not chained, not
	 * unhooked (else the generic path pops abandoned entries, reports
	 * them, or says the ABI was broken). */
	leaq	0x8(%rsp), %r8
	shadow_stack_of r8, r11, rcx, .Lexit_slow
	movl	SS_TOP(%rcx), %esi
	shlq	$SE_SHIFT, %rsi
	jz	.Lexit_slow
	leaq	SS_ENTRIES - (1 << SE_SHIFT)(%rcx,%rsi), %rsi
	cmpq	%r8, SE_KEY(%rsi)
	jne	.Lexit_slow
	movl	SE_FLAGS(%rsi), %r9d
	testl	$~SE_FLAG_BALANCED, %r9d
	jnz	.Lexit_slow

	thread_log_with_room EV_EXIT_ROOM, r11, rdi, r8, r10, .Lexit_slow

	/* Committed: the event, then the pop (the return address read
	 * before the slot is given up: a signal may reuse it at once). */
	movq	TL_LAST(%rdi), %rdx
	movq	%rax, TL_LAST(%rdi)
	subq	%rdx, %rax
	cmpq	$0x80, %rax
	jae	.Lexit_long_event
	shll	$8, %eax
	orl	$EV_EXIT, %eax
	movw	%ax, (%r8)
	addq	$2, %r8
.Lexit_written:
	movq	%r8, TL_POS(%rdi)
	movl	TL_OPEN(%rdi), %eax
	subl	$1, %eax
	jb	1f
	movl	%eax, TL_OPEN(%rdi)
1:	movq	SE_ORIGINAL(%rsi), %r10
	decl	SS_TOP(%rcx)
	movb	$0, %fs:TS_IN_HANDLER(%r11)

	popq	%rdx
	.cfi_adjust_cfa_offset -8
	popq	%rax
	.cfi_adjust_cfa_offset -8
	testl	%r9d, %r9d
	jnz	1f
	/* r10 is dead after a return; no endbr64 at a return address. */
	notrack jmpq *%r10
	/* Entered by ariadne_trace_call_body: the predictor's next return
	 * is the caller's. */
1:	pushq	%r10
	ret

	.cfi_adjust_cfa_offset 16
.Lexit_long_event:
	movb	$EV_EXIT, (%r8)
	incq	%r8
	put_varint rax, al, r8
	jmp	.Lexit_written

.Lexit_slow:
	movb	$0, %fs:TS_IN_HANDLER(%r11)
.Lexit_generic:
	popq	%rdx
	.cfi_adjust_cfa_offset -8
	popq	%rax
	.cfi_adjust_cfa_offset -8
	jmp	ariadne_trace_exit_generic
	.cfi_endproc
	.size	ariadne_record_fused_exit, . - ariadne_record_fused_exit

	ariadne_object_notes (GNU_PROPERTY_X86_FEATURE_1_IBT)
