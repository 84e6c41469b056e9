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
 * Offsets: src/trace/TraceLayout.h and src/record/RecordLayout.h, each
 * static_asserted against the C++ structs.
 *
 * Two entries: from the entry trampoline (a site whose sled calls it), and
 * from a site stub through ariadne_trace_stub_entry (sites enabled while the
 * fused path is on: CodePatch.hpp site stubs), which also returns with a
 * balanced return predictor (see ariadne_record_fused_stub_entry).
 *
 * Entry from the trampoline, with the stack of the sled's call. The frame,
 * from the RSP after the pushes:
 *
 *   +0x40  caller's return address      <- function-entry RSP: the key
 *   +0x38  site + 5 (the body; `ret` continues there)
 *   +0x00  r9 r8 rax rdx rcx rsi rdi   (arguments: given back untouched)
 *
 * Exit, reached from the exit trampoline's first jmp right after the traced
 * function's `ret` (X = RSP then; key = X - 8):
 *
 *   +0x08  rax, +0x00 rdx              (return values; the key is X - 8 = +0x08)
 *
 * Registers: r11 is scratch at both ends (not an argument, not a return
 * register); the thread state is addressed %fs-relative through it
 * (initial-exec TLS). At exit rcx, rsi, rdi and r8-r10 are dead after a
 * return under the SysV ABI and are used without saving (r9 holds the
 * shadow entry's flags, r10 the timestamp, then the return address). The status flags
 * are dead at both ends (see trampoline.S).
 */
#include "asm.h"
#include "trace/TraceLayout.h"
#include "record/RecordLayout.h"

#define ENTRY_SAVED 0x38	/* the seven pushed argument registers */
#define ENTRY_KEY (ENTRY_SAVED + 8)

/* LEB128 of \v at \p (advanced); \v and \t clobbered. */
.macro put_varint v, v8, t, t8, p
	cmpq	$0x80, %\v
	jb	.Lvarint_last\@
.Lvarint_more\@:
	movq	%\v, %\t
	orq	$0x80, %\t
	movb	%\t8, (%\p)
	incq	%\p
	shrq	$7, %\v
	cmpq	$0x80, %\v
	jae	.Lvarint_more\@
.Lvarint_last\@:
	movb	%\v8, (%\p)
	incq	%\p
.endm

/* The arguments (and rax: the varargs count; r10, the static chain, is
 * not touched): the body needs them back as they were. */
.macro push_arguments
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
	pushq	%r8
	.cfi_adjust_cfa_offset 8
	pushq	%r9
	.cfi_adjust_cfa_offset 8
.endm

.macro pop_arguments
	popq	%r9
	.cfi_adjust_cfa_offset -8
	popq	%r8
	.cfi_adjust_cfa_offset -8
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

/* r11 = the TLS offset of this thread's ThreadState (%fs-relative); to
 * \busy if the thread is in a handler (the generic path's business), else
 * claims it (in_handler = 1) so a signal handler's traced calls meanwhile
 * go the generic way. */
.macro claim_thread_state busy
	movq	ariadne_trace_thread_state@gottpoff(%rip), %r11
	cmpb	$0, %fs:TS_IN_HANDLER(%r11)
	jne	\busy
	movb	$1, %fs:TS_IN_HANDLER(%r11)
.endm

/* rcx = the shadow stack this thread used last, if the key (rdx) lies on
 * its machine stack; else to \other. rax is clobbered. */
.macro shadow_stack_of_key other
	movq	%rdx, %rax
	subq	%fs:TS_STACK_LO(%r11), %rax
	cmpq	%fs:TS_STACK_SPAN(%r11), %rax
	jae	\other
	movq	%fs:TS_STACK(%r11), %rcx
.endm

/* rdi = this thread's ThreadLog and r8 its write pointer, if there is
 * room for \bytes more; else to \full (no log yet, or the segment is
 * full: the generic path makes one). rax is clobbered. */
.macro thread_log_with_room bytes, full
	movq	ariadne_record_thread_log@gottpoff(%rip), %rdi
	movq	%fs:(%rdi), %rdi
	testq	%rdi, %rdi
	jz	\full
	movq	TL_POS(%rdi), %r8
	leaq	\bytes(%r8), %rax
	cmpq	TL_LIMIT(%rdi), %rax
	ja	\full
.endm

/* With rsi = the site's record, r11 the thread state (claimed), r9 the
 * timestamp and the caller's return address at \key(%rsp) (the key is its
 * address): checks
 * the call can be recorded on the fast path (else to \slow, before any
 * side effect), then writes the entry event and the shadow entry (flags
 * \flags), hooks the return when \hook, and gives the thread state back.
 * rax, rcx, rdx, rdi, r8, r9 are clobbered; rsi is kept. */
.macro record_entry key, flags, hook, slow
	cmpb	$0, SR_ENABLED(%rsi)
	je	\slow

	/* The thread's log, with room for the event (r8 = its write pointer). */
	thread_log_with_room EV_ENTRY_ROOM, \slow

	/* The shadow stack: the one this thread used last, nothing to pop
	 * (the entry below is an outer frame: its key is higher), not full,
	 * and no tail call out of a hooked function (chained entries). */
	leaq	\key(%rsp), %rdx
	shadow_stack_of_key \slow
	movl	SS_TOP(%rcx), %eax
	cmpl	SS_CAPACITY(%rcx), %eax
	jae	\slow
	shlq	$SE_SHIFT, %rax
	jz	.Lhookable\@
	cmpq	%rdx, SS_ENTRIES - (1 << SE_SHIFT) + SE_KEY(%rcx,%rax)
	jbe	\slow
.Lhookable\@:
	/* Through the GOT, as the core's exit_hook() (an exported symbol). */
	movq	\key(%rsp), %rdx
	cmpq	ariadne_trace_exit_trampoline@GOTPCREL(%rip), %rdx
	je	\slow

	/* Committed. Reserve the shadow entry with a key no frame has
	 * (Dispatch.cpp reserve_entry), then stamp and write the event. */
	leaq	SS_ENTRIES(%rcx,%rax), %rax
	movq	$-1, SE_KEY(%rax)
	incl	SS_TOP(%rcx)
	movq	%rax, %rcx
	movb	$EV_ENTRY, (%r8)
	incq	%r8
	movl	SR_SITE_ID(%rsi), %edx
	put_varint rdx, dl, rax, al, r8
	movq	%r9, %rax
	subq	TL_LAST(%rdi), %rax
	movq	%r9, TL_LAST(%rdi)
	put_varint rax, al, rdx, dl, r8
	movq	%r8, TL_POS(%rdi)

	/* The open calls a forked child starts from (ThreadLog::sites). */
	movl	SR_SITE_ID(%rsi), %edx
	movl	TL_OPEN(%rdi), %eax
	cmpl	$TL_MAX_OPEN_SITES, %eax
	jae	.Lopen_full\@
	movl	%edx, TL_SITES(%rdi,%rax,4)
.Lopen_full\@:
	incl	TL_OPEN(%rdi)

	/* The shadow entry, the return hook (\hook: plant it in the return
	 * address slot), the key last. */
	movq	%rsi, SE_RECORD(%rcx)
	movl	%edx, SE_SITE_ID(%rcx)
	movl	$\flags, SE_FLAGS(%rcx)
	movq	$0, SE_SLOT(%rcx)
	movq	\key(%rsp), %rdx
	movq	%rdx, SE_ORIGINAL(%rcx)
.if \hook
	movq	ariadne_trace_exit_trampoline@GOTPCREL(%rip), %rdx
	movq	%rdx, \key(%rsp)
.endif
	leaq	\key(%rsp), %rdx
	movq	%rdx, SE_KEY(%rcx)
	incq	%fs:TS_TICKS(%r11)
	movb	$0, %fs:TS_IN_HANDLER(%r11)
.endm

/* \reg = the timestamp counter (arch::timestamp(): RDTSC); rax and rdx
 * clobbered. Read first thing on both paths, so the checks that follow can
 * run while it completes (RDTSC takes 25 cycles or so here, the largest
 * single cost of a recorded call: docs/performance.md); a call handed back
 * to the generic path simply drops it. */
.macro read_timestamp reg
	rdtsc
	shlq	$32, %rdx
	orq	%rdx, %rax
	movq	%rax, %\reg
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
	push_arguments
	read_timestamp r9

	/* Calls made while the thread is in a handler (or in runtime code
	 * that keeps out of the trace) belong to the generic path; else the
	 * flag is ours until the end, so a signal handler's traced calls
	 * meanwhile take the generic path and cannot interleave events. */
	claim_thread_state .Lentry_generic

	/* The site's record: one probe sequence of the open-addressing index
	 * (SiteIndex::find), pc = body - 5. */
	movq	ariadne_trace_site_table+ST_INDEX(%rip), %rsi
	testq	%rsi, %rsi
	jz	.Lentry_slow
	movq	ENTRY_SAVED(%rsp), %rdi
	subq	$5, %rdi
	movabsq	$SI_HASH, %rax
	imulq	%rdi, %rax
	movl	SI_SHIFT(%rsi), %ecx
	shrq	%cl, %rax
.Lentry_probe:
	movq	%rax, %rcx
	shlq	$4, %rcx
	movq	SI_SLOTS + SI_SLOT_PC(%rsi,%rcx), %rdx
	cmpq	%rdi, %rdx
	je	.Lentry_found
	testq	%rdx, %rdx
	jz	.Lentry_slow
	incq	%rax
	andq	SI_MASK(%rsi), %rax
	jmp	.Lentry_probe
.Lentry_found:
	movq	SI_SLOTS + SI_SLOT_RECORD(%rsi,%rcx), %rsi
	record_entry ENTRY_KEY, 0, 1, .Lentry_slow

	pop_arguments
	/* Into the body, pairing with the sled's call (see trampoline.S). */
	ret

	/* Back to the generic trampoline with every register as it came. */
	.cfi_adjust_cfa_offset ENTRY_SAVED
.Lentry_slow:
	movb	$0, %fs:TS_IN_HANDLER(%r11)
.Lentry_generic:
	pop_arguments
	jmp	ariadne_trace_entry_generic
	.cfi_endproc
	.size	ariadne_record_fused_entry, . - ariadne_record_fused_entry

/* ------------------------------------------------------------------------ */
/* From a site stub (CodePatch.hpp) through ariadne_trace_stub_entry: r11 =
 * the site's record, the caller's return address on top of the stack, the
 * sled's jump pushed nothing. The same work as above without the index
 * probe; then the caller's return address (kept in the shadow entry) comes
 * off the stack and ariadne_trace_call_body calls the body from just before
 * the exit trampoline, so the body's return is predicted and the exit can
 * return with `ret` (kBalanced). Frame, from the RSP after the pushes:
 *
 *   +0x38  caller's return address      <- function-entry RSP: the key
 *   +0x00  r9 r8 rax rdx rcx rsi rdi
 */
	.globl	ariadne_record_fused_stub_entry
	.hidden	ariadne_record_fused_stub_entry
	.type	ariadne_record_fused_stub_entry, @function
	.p2align 4
ariadne_record_fused_stub_entry:
	.cfi_startproc
	endbr64
	push_arguments
	read_timestamp r9
	movq	%r11, %rsi
	claim_thread_state .Lstub_generic
	record_entry ENTRY_SAVED, SE_FLAG_BALANCED, 0, .Lstub_slow
	movq	SR_ADDRESS(%rsi), %r11
	addq	$5, %r11
	pop_arguments
	addq	$8, %rsp
	.cfi_adjust_cfa_offset -8
	jmp	ariadne_trace_call_body

	/* Back to the generic way in (r11 = the record again), every
	 * argument register as it came. */
	.cfi_adjust_cfa_offset ENTRY_SAVED + 8
.Lstub_slow:
	movb	$0, %fs:TS_IN_HANDLER(%r11)
.Lstub_generic:
	movq	%rsi, %r11
	pop_arguments
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
	read_timestamp r10

	claim_thread_state .Lexit_generic

	/* The top shadow entry must be this call's: same stack as last time,
	 * key = the SP the function was entered with, not chained, not
	 * unhooked (else the generic path pops abandoned entries, reports
	 * them, or says the ABI was broken). */
	leaq	0x8(%rsp), %rdx
	shadow_stack_of_key .Lexit_slow
	movl	SS_TOP(%rcx), %eax
	shlq	$SE_SHIFT, %rax
	jz	.Lexit_slow
	leaq	SS_ENTRIES - (1 << SE_SHIFT)(%rcx,%rax), %rsi
	cmpq	%rdx, SE_KEY(%rsi)
	jne	.Lexit_slow
	movl	SE_FLAGS(%rsi), %r9d
	testl	$~SE_FLAG_BALANCED, %r9d
	jnz	.Lexit_slow

	thread_log_with_room EV_EXIT_ROOM, .Lexit_slow

	/* Committed: the event, then the pop (the return address read
	 * before the slot is given up: a signal may reuse it at once). */
	movq	%r10, %rax
	movq	TL_LAST(%rdi), %rdx
	movq	%rax, TL_LAST(%rdi)
	subq	%rdx, %rax
	movb	$EV_EXIT, (%r8)
	incq	%r8
	put_varint rax, al, rdx, dl, r8
	movq	%r8, TL_POS(%rdi)
	cmpl	$0, TL_OPEN(%rdi)
	je	1f
	decl	TL_OPEN(%rdi)
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
