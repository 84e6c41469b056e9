/* Test-only preemption torture loop for x86-64 (src/arch/preempt_torture.h).
 *
 * Frame (RSP-relative after the prologue; everything the round touches is
 * addressed from RSP, so every other register can hold a pattern):
 *   +0x000  state pointer       +0x008  round
 *   +0x010  caller's MXCSR      +0x014  caller's x87 CW
 *   +0x040  E: the pattern loaded       (WORDS words)
 *   +0x040 + 8 * WORDS  S: what was found
 * A buffer, word by word:
 *   0-14  rax rbx rcx rdx rsi rdi rbp r8-r15   15  rflags
 *   16    MXCSR (low 32 bits) | x87 CW (bits 32-47)   17-23  zero
 *   24 + 4n .. 27 + 4n   ymm<n>: xmm<n> low, high, then the upper half
 *                        (zero in both buffers without AVX)
 */
#include "asm.h"
#include "asm-offsets.h"

#define WORDS 88
#define E 0x40
#define S (E + 8 * WORDS)
#define FRAME (S + 8 * WORDS)
#define VEC 24

	.text
	.globl	ariadne_preempt_torture_run
	.type	ariadne_preempt_torture_run, @function
	.p2align 4
ariadne_preempt_torture_run:
	.cfi_startproc
	endbr64
	/* A patchable entry as -fpatchable-function-entry=5 emits it: the
	 * runtime finds the site and takes this function for instrumented. */
	.section __patchable_function_entries, "awo", @progbits, ariadne_preempt_torture_run
	.p2align 3
	.quad	.Lsite
	.text
.Lsite:
	nop; nop; nop; nop; nop
	/* The caller's callee-saved GPRs: the patterns overwrite them. */
	ariadne_push_callee_saved
	subq	$FRAME, %rsp
	.cfi_adjust_cfa_offset FRAME
	movq	%rdi, 0(%rsp)
	movq	$0, 8(%rsp)
	stmxcsr	0x10(%rsp)
	fnstcw	0x14(%rsp)
	/* Both buffers zero: the words no round writes compare equal. */
	xorl	%eax, %eax
	xorl	%ecx, %ecx
1:	movq	%rax, E(%rsp, %rcx, 8)
	incl	%ecx
	cmpl	$(2 * WORDS), %ecx
	jb	1b

.Lround:
	/* The pattern: an LCG from seed + round * golden ratio. */
	movq	0(%rsp), %rdi
	movq	8(%rsp), %rax
	movabsq	$0x9e3779b97f4a7c15, %rdx
	imulq	%rdx, %rax
	addq	PT_SEED(%rdi), %rax
	movabsq	$6364136223846793005, %rsi
	movabsq	$1442695040888963407, %r8
	xorl	%ecx, %ecx
2:	imulq	%rsi, %rax
	addq	%r8, %rax
	cmpl	$16, %ecx
	jb	3f
	cmpl	$VEC, %ecx
	jb	4f			/* 16-23: FP control and padding, below */
	/* Without AVX the upper halves stay zero. */
	cmpq	$0, PT_HAS_AVX(%rdi)
	jne	3f
	testl	$2, %ecx
	jnz	4f
3:	movq	%rax, E(%rsp, %rcx, 8)
4:	incl	%ecx
	cmpl	$WORDS, %ecx
	jb	2b
	/* rflags: CF PF AF ZF SF OF from the pattern; bit 1 and IF (user mode
	 * always runs with interrupts on) set; TF, DF, AC
	 * and the rest clear. */
	andq	$0x8d5, E + 15 * 8(%rsp)
	orq	$0x202, E + 15 * 8(%rsp)
	/* MXCSR: the six sticky flags, DAZ, the rounding mode and FTZ from the
	 * pattern; exceptions masked. x87 CW: precision and rounding from the
	 * pattern; exceptions masked. */
	movl	%eax, %edx
	andl	$0xe07f, %edx
	orl	$0x1f80, %edx
	movl	%edx, E + 16 * 8(%rsp)
	shrq	$32, %rax
	andl	$0x0f00, %eax
	orl	$0x007f, %eax
	movw	%ax, E + 16 * 8 + 4(%rsp)

	/* ---- load everything ---- */
	ldmxcsr	E + 16 * 8(%rsp)
	fldcw	E + 16 * 8 + 4(%rsp)
	cmpq	$0, PT_HAS_AVX(%rdi)
	je	5f
	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
	vmovdqu	E + (VEC + 4 * \n) * 8(%rsp), %ymm\n
	.endr
	jmp	6f
5:
	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
	movdqu	E + (VEC + 4 * \n) * 8(%rsp), %xmm\n
	.endr
6:	movq	E + 0 * 8(%rsp), %rax
	movq	E + 1 * 8(%rsp), %rbx
	movq	E + 2 * 8(%rsp), %rcx
	movq	E + 3 * 8(%rsp), %rdx
	movq	E + 4 * 8(%rsp), %rsi
	movq	E + 5 * 8(%rsp), %rdi
	movq	E + 6 * 8(%rsp), %rbp
	movq	E + 7 * 8(%rsp), %r8
	movq	E + 8 * 8(%rsp), %r9
	movq	E + 9 * 8(%rsp), %r10
	movq	E + 10 * 8(%rsp), %r11
	movq	E + 11 * 8(%rsp), %r12
	movq	E + 12 * 8(%rsp), %r13
	movq	E + 13 * 8(%rsp), %r14
	movq	E + 14 * 8(%rsp), %r15
	pushq	E + 15 * 8(%rsp)
	popfq

	/* ---- the stretch where the signal lands: touches no register ---- */
	.rept 4096
	nop
	.endr

	/* ---- store everything: flags first, nothing below changes them ---- */
	pushfq
	popq	S + 15 * 8(%rsp)
	movq	%rax, S + 0 * 8(%rsp)
	movq	%rbx, S + 1 * 8(%rsp)
	movq	%rcx, S + 2 * 8(%rsp)
	movq	%rdx, S + 3 * 8(%rsp)
	movq	%rsi, S + 4 * 8(%rsp)
	movq	%rdi, S + 5 * 8(%rsp)
	movq	%rbp, S + 6 * 8(%rsp)
	movq	%r8, S + 7 * 8(%rsp)
	movq	%r9, S + 8 * 8(%rsp)
	movq	%r10, S + 9 * 8(%rsp)
	movq	%r11, S + 10 * 8(%rsp)
	movq	%r12, S + 11 * 8(%rsp)
	movq	%r13, S + 12 * 8(%rsp)
	movq	%r14, S + 13 * 8(%rsp)
	movq	%r15, S + 14 * 8(%rsp)
	stmxcsr	S + 16 * 8(%rsp)
	fnstcw	S + 16 * 8 + 4(%rsp)
	movq	0(%rsp), %rdi
	cmpq	$0, PT_HAS_AVX(%rdi)
	je	7f
	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
	vmovdqu	%ymm\n, S + (VEC + 4 * \n) * 8(%rsp)
	.endr
	jmp	8f
7:
	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
	movdqu	%xmm\n, S + (VEC + 4 * \n) * 8(%rsp)
	.endr

	/* ---- compare ---- */
8:	ldmxcsr	0x10(%rsp)		/* the caller's FP control for the rest */
	fldcw	0x14(%rsp)
	xorl	%ecx, %ecx
9:	movq	E(%rsp, %rcx, 8), %rax
	movq	S(%rsp, %rcx, 8), %rdx
	cmpq	%rax, %rdx
	je	10f
	incq	PT_MISMATCHES(%rdi)
	cmpq	$0, PT_FIRST_BAD(%rdi)
	jne	10f
	leaq	1(%rcx), %rsi
	movq	%rsi, PT_FIRST_BAD(%rdi)
	movq	%rax, PT_EXPECTED_BAD(%rdi)
	movq	%rdx, PT_SEEN_BAD(%rdi)
10:	incl	%ecx
	cmpl	$WORDS, %ecx
	jb	9b
	incq	8(%rsp)
	incq	PT_ROUNDS(%rdi)
	cmpq	$0, PT_STOP(%rdi)
	je	.Lround

	cmpq	$0, PT_HAS_AVX(%rdi)
	je	11f
	vzeroupper
11:	addq	$FRAME, %rsp
	.cfi_adjust_cfa_offset -FRAME
	ariadne_pop_callee_saved
	ret
	.cfi_endproc
	.size	ariadne_preempt_torture_run, . - ariadne_preempt_torture_run

	.section .rodata
	.globl	ariadne_preempt_torture_names
	.type	ariadne_preempt_torture_names, @object
ariadne_preempt_torture_names:
	.ascii	"rax rbx rcx rdx rsi rdi rbp r8 r9 r10 r11 r12 r13 r14 r15 rflags mxcsr|x87cw "
	.ascii	"pad pad pad pad pad pad pad "
	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
	.ascii	"xmm\n xmm\n ymm\n-upper ymm\n-upper "
	.endr
	.byte	0
	.size	ariadne_preempt_torture_names, . - ariadne_preempt_torture_names
	.globl	ariadne_preempt_torture_words
	.type	ariadne_preempt_torture_words, @object
	.p2align 2
ariadne_preempt_torture_words:
	.long	WORDS
	.size	ariadne_preempt_torture_words, 4

	ariadne_object_notes (GNU_PROPERTY_X86_FEATURE_1_IBT)
